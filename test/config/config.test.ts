import { expect } from "chai";
import {
    DEFAULT_SHARED_ROOT,
    RawSettings,
    checkAbsolutePath,
    checkEnvValue,
    validateSettings,
} from "../../config";
import { HOST_KEY, problems, validRaw } from "../fixtures/settings";

describe("validateSettings", () => {
    it("applies the seed's five caches and the defaults", () => {
        const s = validateSettings(validRaw());
        expect(s.sharedRoot).to.equal(DEFAULT_SHARED_ROOT);
        expect(s.caches.map((c) => c.name)).to.deep.equal([
            "pip",
            "uv",
            "npm",
            "ms-playwright",
            "rust",
        ]);
        expect(s.caches.find((c) => c.name === "rust")).to.deep.include({
            containerPath: "/root/.cargo",
            env: { CARGO_HOME: "/root/.cargo" },
        });
        expect(s.afterChange).to.equal("restart");
        expect(s.maxParallelRestarts).to.equal(2);
        expect(s.deployWaitSeconds).to.equal(600);
        expect(s.purgeRemovedCaches).to.equal(false);
        expect(s.connection).to.deep.include({
            host: "127.0.0.1",
            port: 2222,
            user: "root",
            hostKey: HOST_KEY,
        });
        const worker = s.apps.find((a) => a.name === "worker")!;
        expect(worker.caches).to.have.length(5);
        expect(worker.builder).to.equal("unknown");
    });

    it("accepts custom caches, dirs, owners and modes", () => {
        const s = validateSettings(
            validRaw({
                sharedRoot: "/srv/caches",
                caches: {
                    pip: true,
                    rust: { dir: "rust/cargo", owner: "32767:32767", mode: "775" },
                    gradle: {
                        containerPath: "/home/app/.gradle",
                        env: { GRADLE_USER_HOME: "/home/app/.gradle" },
                    },
                },
                apps: [{ name: "svc", caches: ["gradle", "rust"], readOnly: ["rust"] }],
            }),
        );
        expect(s.caches.find((c) => c.name === "rust")).to.deep.include({
            dir: "rust/cargo",
            owner: "32767:32767",
            mode: "0775",
        });
        expect(s.apps[0].readOnly).to.deep.equal(["rust"]);
    });

    it("collects every problem into one InputPropertiesError naming the keys", () => {
        const errs = problems({
            connection: { host: "bad host", port: 70000, user: "Root" },
            sharedRoot: "relative/path",
            apps: [{ name: "API", caches: ["nope"] }],
            afterChange: "reboot",
        });
        const paths = errs.map((e) => e.propertyPath);
        expect(paths).to.include.members([
            "dokku-shared-cache:connection.host",
            "dokku-shared-cache:connection.port",
            "dokku-shared-cache:connection.user",
            "dokku-shared-cache:connection.hostKey",
            "dokku-shared-cache:sharedRoot",
            "dokku-shared-cache:apps[0].name",
            "dokku-shared-cache:afterChange",
        ]);
        const host = errs.find((e) => e.propertyPath.endsWith("connection.host"))!;
        expect(host.reason).to.contain('"bad host"');
    });

    it("requires a pinned host key unless the loud opt-out is set", () => {
        const raw = validRaw();
        delete (raw.connection as Record<string, unknown>).hostKey;
        expect(problems(raw).map((e) => e.propertyPath)).to.deep.equal([
            "dokku-shared-cache:connection.hostKey",
        ]);
        const s = validateSettings({
            ...raw,
            connection: { ...(raw.connection as object), insecureSkipHostKeyPinning: true },
        });
        expect(s.connection.hostKey).to.equal(undefined);
    });

    it("never echoes the private key in its error", () => {
        const secret = "-----BEGIN NOT A KEY----- hunter2";
        const errs = problems(validRaw({ privateKey: secret }));
        expect(errs.map((e) => e.propertyPath)).to.deep.equal(["dokku-shared-cache:privateKey"]);
        expect(JSON.stringify(errs)).not.to.contain("hunter2");
    });

    it("rejects two caches an app uses that share a container path or env var", () => {
        const errs = problems(
            validRaw({
                caches: {
                    a: { containerPath: "/cache", env: { X: "/cache" } },
                    b: { containerPath: "/cache/sub", env: { X: "/cache/sub" } },
                },
                apps: ["one"],
            }),
        );
        expect(errs.map((e) => e.reason).join("\n"))
            .to.match(/overlapping container paths/)
            .and.match(/both set X/);
    });
});

describe("path and value rules", () => {
    it("checkAbsolutePath", () => {
        expect(checkAbsolutePath("/root/.cache/pip")).to.equal(undefined);
        for (const bad of [
            "",
            "/",
            "rel",
            "/a/../b",
            "/a/./b",
            "/a//b",
            "/a/",
            "/a b",
            "/a;b",
            "/$(x)",
            "/a\nb",
        ]) {
            expect(checkAbsolutePath(bad), bad).to.be.a("string");
        }
    });
    it("checkEnvValue keeps odd-but-valid values and rejects what Dokku would rewrite", () => {
        for (const ok of ["a b", `it's "quoted"`, "$HOME and `x`", "7", "-3", "0", "ü"]) {
            expect(checkEnvValue(ok), ok).to.equal(undefined);
        }
        for (const bad of [
            "",
            "a\nb",
            "a\rb",
            "a\0b",
            "007",
            "+5",
            "-0",
            "\ud800",
            "x".repeat(4097),
            5,
        ]) {
            expect(checkEnvValue(bad), String(bad)).to.be.a("string");
        }
    });
});

describe("connection.hostKey takes what ssh-keyscan prints", () => {
    const withKey = (hostKey: string, host = "dokku.example.com"): RawSettings => {
        const raw = validRaw();
        return { ...raw, connection: { ...(raw.connection as object), host, hostKey } };
    };
    it("drops the host field of `ssh-keyscan HOST` and of `ssh-keyscan -p PORT HOST`", () => {
        for (const [line, host] of [
            [`dokku.example.com ${HOST_KEY}`, "dokku.example.com"],
            [`[127.0.0.1]:2222 ${HOST_KEY}`, "127.0.0.1"],
            [`other,10.0.0.5 ${HOST_KEY}`, "10.0.0.5"],
            [`  ${HOST_KEY}  `, "dokku.example.com"],
        ]) {
            expect(validateSettings(withKey(line, host)).connection.hostKey, line).to.equal(
                HOST_KEY,
            );
        }
    });
    it("refuses a scan of another host, naming both", () => {
        const p = problems(withKey(`elsewhere.example.com ${HOST_KEY}`));
        expect(p).to.have.length(1);
        expect(p[0].propertyPath).to.equal("dokku-shared-cache:connection.hostKey");
        expect(p[0].reason).to.include("elsewhere.example.com").and.include("dokku.example.com");
    });
    it("still refuses text that is no key line", () => {
        for (const bad of ["dokku.example.com", "a b ssh-ed25519 AAAA", "ssh-ed25519"]) {
            expect(problems(withKey(bad))[0].propertyPath, bad).to.equal(
                "dokku-shared-cache:connection.hostKey",
            );
        }
    });
});

describe("rules wired into validation from the host's facts", () => {
    it("refuses connection.user dokku, saying why", () => {
        const raw = validRaw();
        const p = problems({
            ...raw,
            connection: { ...(raw.connection as object), user: "dokku" },
        });
        expect(p.map((x) => x.propertyPath)).to.deep.equal(["dokku-shared-cache:connection.user"]);
        expect(p[0].reason).to.include("sshcommand");
    });
    it("refuses a desired env value Dokku's ENV file would not give back, naming the key", () => {
        const p = problems(
            validRaw({
                caches: { pip: { containerPath: "/c/pip", env: { PIP_CACHE_DIR: 'say "hi"' } } },
            }),
        );
        const env = p.filter((x) => x.propertyPath.includes(".env."));
        expect(env.map((x) => x.propertyPath)).to.deep.equal([
            "dokku-shared-cache:caches.pip.env.PIP_CACHE_DIR",
        ]);
        expect(env[0].reason).to.include("double quote");
    });
    it("takes binary and decimal sizes as written", () => {
        for (const maxSize of ["20GB", "20GiB", "512MiB"]) {
            expect(
                validateSettings(validRaw({ buildCache: { maxSize } })).buildCache?.maxSize,
            ).to.equal(maxSize);
        }
    });
});
