/**
 * The generated scripts, executed for real by /bin/sh against the `dokku`
 * double (testkit/double), in both Dokku modes.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { AfterChange } from "../../config";
import { AppDesired, MountSpec } from "../../model/desired-state";
import { appScript } from "../../host/app-converge";
import { recordAppliedSh } from "../../host/applied";
import { parseProbe, probeScript } from "../../host/probe";
import { cacheDirCreateScript, cacheDirDeleteScript } from "../../host/cache-dirs";
import { parseResults } from "../../host/result";
import { storageEntryName } from "../../host/storage-entries";
import { LocalHost, withEnv } from "../../testkit/local-host";

const CACHES: Record<string, { c: string; env: Record<string, string> }> = {
    pip: { c: "/root/.cache/pip", env: { PIP_CACHE_DIR: "/root/.cache/pip" } },
    npm: { c: "/root/.cache/npm", env: { NPM_CONFIG_CACHE: "/root/.cache/npm" } },
    rust: { c: "/root/.cargo", env: { CARGO_HOME: "/root/.cargo" } },
};

function desired(
    h: LocalHost,
    name: string,
    caches: string[],
    ro: string[] = [],
): Pick<AppDesired, "name" | "mounts" | "env"> {
    const mounts: MountSpec[] = caches.map((c) => ({
        cache: c,
        hostPath: `${h.sharedRoot}/${c}`,
        containerPath: CACHES[c].c,
        readOnly: ro.includes(c),
    }));
    return {
        name,
        mounts,
        env: Object.assign({}, ...caches.map((c) => CACHES[c].env)) as Record<string, string>,
    };
}

function run(
    h: LocalHost,
    app: Pick<AppDesired, "name" | "mounts" | "env">,
    after: AfterChange = "restart",
    mode: "converge" | "remove" = "converge",
) {
    h.clearLog();
    const r = h.sh(
        appScript(app, { stateDir: h.stateDir, afterChange: after, maxParallelRestarts: 2 }, mode),
    );
    return { ...r, result: parseResults(r.stdout)[0] as Record<string, unknown> | undefined };
}

for (const version of ["0.37", "0.38"] as const) {
    describe(`app script against Dokku ${version}`, () => {
        let h: LocalHost;
        beforeEach(() => {
            h = new LocalHost(version);
            h.createApp("api", true);
            h.createApp("fresh", false);
            h.dokku("storage:mount", "api", "/srv/user-data:/data");
            h.dokku("config:set", "--no-restart", "api", "USER_KEY=keep me");
        });
        afterEach(() => h.cleanup());

        it("first run converges, restarts the deployed app once; second run changes nothing", () => {
            const app = desired(h, "api", ["pip", "npm"]);
            const r1 = run(h, app);
            expect(r1.code, r1.stderr).to.equal(0);
            expect(h.mounts("api")).to.deep.equal(
                [
                    `${h.sharedRoot}/npm:/root/.cache/npm`,
                    `${h.sharedRoot}/pip:/root/.cache/pip`,
                    "/srv/user-data:/data",
                ].sort(),
            );
            expect(h.config("api")).to.deep.equal({
                NPM_CONFIG_CACHE: "/root/.cache/npm",
                PIP_CACHE_DIR: "/root/.cache/pip",
                USER_KEY: "keep me",
            });
            expect(r1.result).to.deep.include({ changes: 4, restarted: true });
            const writes = h.log().filter((i) => i.kind === "write");
            // On 0.38 each cache is a named entry, created once (host/storage-entries.ts), all
            // under the entries lock before any attachment.
            expect(writes.map((i) => i.cmd)).to.deep.equal(
                version === "0.38"
                    ? [
                          "storage:create",
                          "storage:create",
                          "storage:mount",
                          "storage:mount",
                          "config:set",
                      ]
                    : ["storage:mount", "storage:mount", "config:set"],
            );
            expect(h.restarts()).to.have.length(1);

            const r2 = run(h, app);
            expect(r2.code, r2.stderr).to.equal(0);
            expect(r2.result).to.deep.include({ changes: 0, restarted: false });
            expect(h.writes()).to.have.length(0);
            expect(h.restarts()).to.have.length(0);
            // A no-op is three reads: the version check, storage:list (also the existence
            // check) and config:export.
            expect(h.log().map((i) => i.cmd)).to.deep.equal([
                "version",
                "storage:list",
                "config:export",
            ]);
        });

        it("records what it applied in the ledger; the probe reads it (else what the ledger owns)", () => {
            const app = desired(h, "api", ["pip", "npm"]);
            const opts = {
                stateDir: h.stateDir,
                afterChange: "none" as const,
                maxParallelRestarts: 2,
            };
            // Before: a ledger without the record (an earlier release): what it owns.
            expect(run(h, app, "none").code).to.equal(0);
            const ledger = path.join(h.stateDir, "apps", "api.json");
            const led = JSON.parse(fs.readFileSync(ledger, "utf8")) as Record<string, unknown>;
            expect(led.applied).to.equal(undefined);
            const probe = () => parseProbe(h.sh(probeScript(["api"], false, h.stateDir)).stdout);
            const owned = {
                mounts: [
                    { h: `${h.sharedRoot}/pip`, c: "/root/.cache/pip" },
                    { h: `${h.sharedRoot}/npm`, c: "/root/.cache/npm" },
                ],
                env: { PIP_CACHE_DIR: "/root/.cache/pip", NPM_CONFIG_CACHE: "/root/.cache/npm" },
            };
            expect(probe().state.api.applied).to.deep.equal(owned);
            // With the record: exactly the desired state of that converge.
            const one = desired(h, "api", ["npm"]);
            const r = h.sh(appScript(one, opts, "converge") + recordAppliedSh(one));
            expect(r.code, r.stderr).to.equal(0);
            const after = JSON.parse(fs.readFileSync(ledger, "utf8")) as Record<string, unknown>;
            expect(after.applied).to.deep.equal({
                mounts: [{ h: `${h.sharedRoot}/npm`, c: "/root/.cache/npm" }],
                env: { NPM_CONFIG_CACHE: "/root/.cache/npm" },
            });
            expect(probe().state.api.applied).to.deep.equal(after.applied);
        });

        it("never restarts an app that was never deployed", () => {
            const r = run(h, desired(h, "fresh", ["rust"]));
            expect(r.code, r.stderr).to.equal(0);
            expect(h.mounts("fresh")).to.deep.equal([`${h.sharedRoot}/rust:/root/.cargo`]);
            expect(h.restarts()).to.have.length(0);
            expect(r.result).to.deep.include({ restarted: false });
        });

        /** The converge's calls that ask about deploys and restart: [cmd, ...args]. */
        const restartPath = () =>
            h
                .log()
                .filter((i) =>
                    ["builds:list", "apps:report", "ps:report", "ps:restart"].includes(i.cmd),
                )
                .map((i) => [i.cmd, ...i.args].join(" "));

        it("a never-deployed app: no ps:restart and no second deploy check (0.38: builds:list, then ps:report --deployed)", () => {
            const r = run(h, desired(h, "fresh", ["rust"]));
            expect(r.code, r.stderr).to.equal(0);
            expect(r.result).to.deep.include({ changes: 2, restarted: false });
            expect(restartPath()).to.deep.equal(
                version === "0.38"
                    ? // Dokku 0.38.27: every record (none), then IsDeployed (false): nothing to restart.
                      ["builds:list fresh --format json", "ps:report fresh --deployed"]
                    : // 0.37 keeps no build records: the lock file before the writes and before the restart.
                      [
                          "apps:report fresh --app-locked",
                          "apps:report fresh --app-locked",
                          "ps:restart fresh",
                      ],
            );
            const led = JSON.parse(
                fs.readFileSync(path.join(h.stateDir, "apps", "fresh.json"), "utf8"),
            ) as Record<string, unknown>;
            expect(led.pendingRestart, "the restart is done with, not left pending").to.equal(
                false,
            );
            if (version === "0.38")
                expect(
                    JSON.parse(h.dokku("builds:list", "fresh", "--format", "json").stdout),
                    "no ps:restart, so no record of one",
                ).to.deep.equal([]);
        });

        it("an app deployed without build records (before Dokku 0.38 kept them): ps:report --deployed says so, and it is restarted", () => {
            // api is deployed (its container runs) and has no build record.
            const r = run(h, desired(h, "api", ["pip"]));
            expect(r.code, r.stderr).to.equal(0);
            expect(r.result).to.deep.include({ restarted: true });
            expect(h.restarts().map((i) => i.cmd)).to.deep.equal(["ps:restart"]);
            expect(restartPath()).to.deep.equal(
                version === "0.38"
                    ? [
                          "builds:list api --format json",
                          "ps:report api --deployed",
                          "builds:list api --format json",
                          "ps:restart api",
                      ]
                    : [
                          "apps:report api --app-locked",
                          "apps:report api --app-locked",
                          "ps:restart api",
                      ],
            );
        });

        if (version === "0.38") {
            it("an app with build records asks as before: builds:list before the writes and before the restart, then ps:restart", () => {
                // A deployed app (a finished deploy's record) and a never-deployed one whose
                // record is an earlier ps:restart's (Dokku 0.38.27 records it, then only warns).
                h.dokku("git:from-image", "api", "localtest/busybox:1");
                h.dokku("ps:restart", "fresh");
                const a = run(h, desired(h, "api", ["pip"]));
                expect(a.code, a.stderr).to.equal(0);
                expect(a.result).to.deep.include({ restarted: true });
                expect(restartPath()).to.deep.equal([
                    "builds:list api --format json",
                    "builds:list api --format json",
                    "ps:restart api",
                ]);
                const f = run(h, desired(h, "fresh", ["pip"]));
                expect(f.code, f.stderr).to.equal(0);
                expect(f.result).to.deep.include({ restarted: false });
                expect(restartPath()).to.deep.equal([
                    "builds:list fresh --format json",
                    "builds:list fresh --format json",
                    "ps:restart fresh",
                ]);
            });
        }

        it("dropping one cache unmounts and unsets exactly it, with one restart", () => {
            run(h, desired(h, "api", ["pip", "npm"]));
            const r = run(h, desired(h, "api", ["pip"]));
            expect(r.code, r.stderr).to.equal(0);
            expect(h.mounts("api")).to.deep.equal(
                [`${h.sharedRoot}/pip:/root/.cache/pip`, "/srv/user-data:/data"].sort(),
            );
            expect(h.config("api")).to.deep.equal({
                PIP_CACHE_DIR: "/root/.cache/pip",
                USER_KEY: "keep me",
            });
            const npm = `${h.sharedRoot}/npm`;
            expect(h.writes().map((i) => [i.cmd, i.args.slice(-1)[0]])).to.deep.equal(
                version === "0.38"
                    ? [
                          ["storage:unmount", "/root/.cache/npm"],
                          ["storage:destroy", storageEntryName("npm", npm)],
                          ["config:unset", "NPM_CONFIG_CACHE"],
                      ]
                    : [
                          ["storage:unmount", `${npm}:/root/.cache/npm`],
                          ["config:unset", "NPM_CONFIG_CACHE"],
                      ],
            );
            expect(h.restarts()).to.have.length(1);
        });

        it("removal undoes exactly what it added and keeps the user's own mounts, env and pre-existing values", () => {
            // The user already had PIP_CACHE_DIR with our value, and NPM_CONFIG_CACHE with another one.
            h.dokku(
                "config:set",
                "--no-restart",
                "api",
                "PIP_CACHE_DIR=/root/.cache/pip",
                "NPM_CONFIG_CACHE=/tmp/npm",
            );
            run(h, desired(h, "api", ["pip", "npm"]));
            expect(h.config("api").NPM_CONFIG_CACHE).to.equal("/root/.cache/npm");
            const r = run(h, { name: "api", mounts: [], env: {} }, "restart", "remove");
            expect(r.code, r.stderr).to.equal(0);
            expect(h.mounts("api")).to.deep.equal(["/srv/user-data:/data"]);
            expect(h.config("api")).to.deep.equal({
                NPM_CONFIG_CACHE: "/tmp/npm",
                PIP_CACHE_DIR: "/root/.cache/pip",
                USER_KEY: "keep me",
            });
            expect(fs.existsSync(path.join(h.stateDir, "apps", "api.json"))).to.equal(false);
        });

        it("leaves a value the user changed after us alone on removal", () => {
            run(h, desired(h, "api", ["pip"]));
            h.dokku("config:set", "--no-restart", "api", "PIP_CACHE_DIR=/mine");
            run(h, { name: "api", mounts: [], env: {} }, "restart", "remove");
            expect(h.config("api").PIP_CACHE_DIR).to.equal("/mine");
        });

        it("repairs drift: a mount and an env var removed by hand come back", () => {
            const app = desired(h, "api", ["pip", "npm"]);
            run(h, app);
            const pip = `${h.sharedRoot}/pip`;
            if (version === "0.38") {
                const e = storageEntryName("pip", pip);
                h.dokku("storage:unmount", "api", e, "--container-dir", "/root/.cache/pip");
            } else h.dokku("storage:unmount", "api", `${pip}:/root/.cache/pip`);
            h.dokku("config:unset", "--no-restart", "api", "NPM_CONFIG_CACHE");
            const r = run(h, app);
            expect(r.result).to.deep.include({ changes: 2, restarted: true });
            expect(h.mounts("api")).to.include(`${h.sharedRoot}/pip:/root/.cache/pip`);
            expect(h.config("api").NPM_CONFIG_CACHE).to.equal("/root/.cache/npm");
        });

        it("refuses a container path the user already mounts from elsewhere, changing nothing", () => {
            h.dokku("storage:mount", "api", "/srv/other-pip:/root/.cache/pip");
            const r = run(h, desired(h, "api", ["pip", "npm"]));
            expect(r.code).to.equal(3);
            expect(r.stderr).to.contain(
                "container path /root/.cache/pip is already mounted from /srv/other-pip",
            );
            expect(h.writes()).to.have.length(0);
            expect(h.restarts()).to.have.length(0);
        });

        it("fails with exit 20 and a clear message for a missing app; removal of a missing app succeeds", () => {
            const r = run(h, desired(h, "ghost", ["pip"]));
            expect(r.code).to.equal(20);
            expect(r.stderr).to.contain("app 'ghost' does not exist on this Dokku host");
            expect(h.writes()).to.have.length(0);
            const rm = run(h, { name: "ghost", mounts: [], env: {} }, "restart", "remove");
            expect(rm.code, rm.stderr).to.equal(0);
        });

        it("rebuild policy rebuilds, none policy leaves the app running", () => {
            run(h, desired(h, "api", ["pip"]), "rebuild");
            expect(h.log().filter((i) => i.kind === "rebuild")).to.have.length(1);
            run(h, desired(h, "api", ["pip", "rust"]), "none");
            expect(h.restarts()).to.have.length(0);
        });

        it("switches a mount it owns to read-only", () => {
            run(h, desired(h, "api", ["pip"]));
            const r = run(h, desired(h, "api", ["pip"], ["pip"]));
            expect(r.code, r.stderr).to.equal(0);
            expect(h.mounts("api")).to.include(`${h.sharedRoot}/pip:/root/.cache/pip:ro`);
            expect(h.mounts("api")).not.to.include(`${h.sharedRoot}/pip:/root/.cache/pip`);
        });

        for (const step of ["storage:mount", "config:set", "ps:restart"]) {
            it(`recovers from a session cut at ${step}: no duplicate mounts, no lost keys, one restart`, () => {
                const app = desired(h, "api", ["pip", "npm"]);
                const marker = path.join(h.root, "failed-once");
                const cut = withEnv(h, {
                    DOKKU_DOUBLE_FAIL_ON: step,
                    DOKKU_DOUBLE_FAIL_ONCE: marker,
                });
                const r1 = run(cut, app);
                expect(r1.code).to.not.equal(0);
                const r2 = run(h, app);
                expect(r2.code, r2.stderr).to.equal(0);
                expect(h.mounts("api")).to.deep.equal(
                    [
                        `${h.sharedRoot}/npm:/root/.cache/npm`,
                        `${h.sharedRoot}/pip:/root/.cache/pip`,
                        "/srv/user-data:/data",
                    ].sort(),
                );
                expect(h.config("api")).to.include({
                    PIP_CACHE_DIR: "/root/.cache/pip",
                    NPM_CONFIG_CACHE: "/root/.cache/npm",
                });
                expect(
                    h.restarts(),
                    "the interrupted change is restarted exactly once",
                ).to.have.length(1);
                const r3 = run(h, app);
                expect(r3.result).to.deep.include({ changes: 0, restarted: false });
                // Removal after recovery still removes everything we added.
                run(h, { name: "api", mounts: [], env: {} }, "restart", "remove");
                expect(h.mounts("api")).to.deep.equal(["/srv/user-data:/data"]);
                expect(h.config("api")).to.deep.equal({ USER_KEY: "keep me" });
            });
        }

        it("round-trips odd but valid env values byte for byte", () => {
            const odd = [
                "a b",
                // Quotes inside only: a value *ending* in '"' is one Dokku >= 0.37.8 (godotenv
                // v1.5.1) reads back ending in '\'; the converge refuses it (env-guard.test.ts).
                `it's "quoted" here`,
                "$HOME `id` $(x)",
                "back\\slash",
                "ünï ✓",
                "!bang",
                "7",
                "-3",
            ];
            const env = Object.fromEntries(odd.map((v, i) => [`ODD_${i}`, v]));
            const r = run(h, { name: "api", mounts: [], env });
            expect(r.code, r.stderr).to.equal(0);
            odd.forEach((v, i) => {
                const got = h.dokku("config:get", "api", `ODD_${i}`);
                expect(got.stdout, `ODD_${i}`).to.equal(v + "\n");
            });
            expect(run(h, { name: "api", mounts: [], env }).result).to.deep.include({ changes: 0 });
        });
    });
}

describe("cache directory scripts", () => {
    let h: LocalHost;
    beforeEach(() => (h = new LocalHost()));
    afterEach(() => h.cleanup());

    it("creates the directory with owner and mode, then reports no change", () => {
        const dir = {
            name: "pip",
            hostPath: `${h.sharedRoot}/pip`,
            owner: `${process.getuid!()}:${process.getgid!()}`,
            mode: "1775",
        };
        const r1 = h.sh(cacheDirCreateScript(dir));
        expect(r1.code, r1.stderr).to.equal(0);
        expect(parseResults(r1.stdout)[0]).to.deep.include({ created: true, changed: true });
        expect((fs.statSync(dir.hostPath).mode & 0o7777).toString(8)).to.equal("1775");
        const r2 = h.sh(cacheDirCreateScript(dir));
        expect(parseResults(r2.stdout)[0]).to.deep.include({ created: false, changed: false });
    });

    it("refuses a symlink in place of the directory", () => {
        fs.mkdirSync(h.sharedRoot, { recursive: true });
        fs.symlinkSync("/etc", `${h.sharedRoot}/pip`);
        const r = h.sh(
            cacheDirCreateScript({
                name: "pip",
                hostPath: `${h.sharedRoot}/pip`,
                owner: "0:0",
                mode: "0755",
            }),
        );
        expect(r.code).to.equal(3);
        expect(r.stderr).to.contain("symlink");
    });

    it("keeps data on delete unless purge was asked", () => {
        const dir = { name: "pip", hostPath: `${h.sharedRoot}/pip`, owner: "0:0", mode: "0755" };
        fs.mkdirSync(dir.hostPath, { recursive: true });
        fs.writeFileSync(`${dir.hostPath}/wheel`, "data");
        expect(h.sh(cacheDirDeleteScript(dir, false)).code).to.equal(0);
        expect(fs.readFileSync(`${dir.hostPath}/wheel`, "utf8")).to.equal("data");
        expect(h.sh(cacheDirDeleteScript(dir, true)).code).to.equal(0);
        expect(fs.existsSync(dir.hostPath)).to.equal(false);
    });
});

describe("restart bound", () => {
    it("never runs more restarts at once than maxParallelRestarts", async () => {
        const h = withEnv(new LocalHost(), { DOKKU_DOUBLE_RESTART_MS: "300" });
        try {
            const names = ["a1", "a2", "a3", "a4"];
            for (const n of names) h.createApp(n, true);
            const { spawn } = await import("child_process");
            await Promise.all(
                names.map(
                    (n) =>
                        new Promise<void>((resolve) => {
                            const p = spawn(
                                "/bin/sh",
                                [
                                    "-c",
                                    appScript(desired(h, n, ["pip"]), {
                                        stateDir: h.stateDir,
                                        afterChange: "restart",
                                        maxParallelRestarts: 1,
                                    }),
                                ],
                                { env: h.env() },
                            );
                            p.on("close", () => resolve());
                        }),
                ),
            );
            const rs = h
                .restarts()
                .map(
                    (i) =>
                        [
                            (i as unknown as { t0: number }).t0,
                            (i as unknown as { t: number }).t,
                        ] as const,
                );
            expect(rs).to.have.length(4);
            rs.sort((a, b) => a[0] - b[0]);
            for (let i = 1; i < rs.length; i++)
                expect(rs[i][0], "restarts overlap").to.be.at.least(rs[i - 1][1]);
        } finally {
            h.cleanup();
        }
    });
});
