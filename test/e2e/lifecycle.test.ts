/**
 * Scenarios 1–6 of issue 10 with the real engine (CLI, Node.js language
 * host, command provider 1.2.1) against a real OpenSSH server on loopback
 * with the dokku/docker doubles, in both Dokku modes (scenario 14): first
 * converge, no-op, drift repair, a cache dropped, an app removed, destroy.
 * Each step asserts the host's state and the doubles' invocation logs.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { storageEntryName } from "../../host/storage-entries";
import {
    World,
    appOf,
    cachePath,
    changes,
    endWorld,
    entriesOf,
    hostConfig,
    makeWorld,
    mountsOf,
    ok,
    previewJson,
    restarted,
    writeSummary,
} from "./world";

const USER_TOKEN = `keep me: $HOME 'q' "dq" \\ end`;

for (const version of ["0.38", "0.37"] as const) {
    describe(`e2e lifecycle, Dokku ${version} (scenarios 1-6)`, function () {
        this.timeout(300000);
        let w: World;
        let config: Record<string, unknown>;
        const pip = () => cachePath(w.host, "pip");
        const daemonJson = () => w.host.hostPaths().daemonJson;
        // 0.37: a daemon.json the user had (restored byte for byte on destroy); 0.38: none (created, then removed).
        const userDaemonJson = '{\n  "log-driver": "local",\n    "builder": {"x": 1}\n}\n';

        before(async () => {
            w = await makeWorld(version);
            const h = w.host;
            for (const [app, deployed] of [
                ["api", true],
                ["web", true],
                ["indexer", true],
                ["fresh", false],
                ["sandbox", true],
            ] as const) {
                h.createApp(app, deployed);
            }
            // The user's own values: kept through everything; PIP_CACHE_DIR is overwritten by
            // ours and restored when the program lets go of it.
            h.dokku("config:set", "--no-restart", "api", `USER_TOKEN=${USER_TOKEN}`);
            h.dokku("config:set", "--no-restart", "api", "PIP_CACHE_DIR=/srv/user-pip");
            h.dokku("storage:mount", "api", "/srv/api-data:/data");
            h.dokku("config:set", "--no-restart", "indexer", "RUST_LOG=info");
            h.dokku("storage:mount", "indexer", "/srv/idx:/idx");
            if (version === "0.37") {
                fs.mkdirSync(path.dirname(daemonJson()), { recursive: true });
                fs.writeFileSync(daemonJson(), userDaemonJson);
            }
            config = hostConfig(h, {
                caches: {
                    pip: true,
                    uv: true,
                    npm: { owner: "1000:1000", mode: "0775" },
                    "ms-playwright": true,
                    rust: true,
                },
                apps: [
                    { name: "api", caches: ["pip", "uv"], builder: "dockerfile" },
                    { name: "web", caches: ["npm", "ms-playwright"], builder: "herokuish" },
                    { name: "indexer", caches: ["rust"], builder: "dockerfile" },
                    { name: "fresh", caches: ["pip"] },
                    {
                        name: "sandbox",
                        caches: ["pip"],
                        readOnly: ["pip"],
                        group: "untrusted",
                        builder: "dockerfile",
                    },
                ],
                buildCache: { schedule: "daily", olderThan: "168h", maxSize: "20GB", gc: true },
            });
            w.stack.setConfig(config);
            h.clearLog();
        });
        after(async () => endWorld(w));

        it("1. fresh host: up creates dirs (owner, mode), mounts and env as configured, restarts only deployed apps that changed", async () => {
            const h = w.host;
            const pre = await previewJson(w.stack);
            ok(pre.r);
            expect(pre.json.steps.every((s) => s.op === "create" || s.op === "same")).to.equal(
                true,
            );
            expect(h.writes(), "a preview writes nothing").to.deep.equal([]);
            ok(await w.stack.up());
            for (const d of ["pip", "uv", "ms-playwright", "rust"]) {
                const st = fs.statSync(cachePath(h, d));
                expect(st.isDirectory(), d).to.equal(true);
                expect([st.uid, st.gid, st.mode & 0o7777], d).to.deep.equal([0, 0, 0o755]);
            }
            const npm = fs.statSync(cachePath(h, "npm"));
            expect([npm.uid, npm.gid, npm.mode & 0o7777]).to.deep.equal([1000, 1000, 0o775]);
            expect(fs.statSync(cachePath(h, "pip", "untrusted")).isDirectory()).to.equal(true);
            expect(mountsOf(h, "api")).to.deep.equal(
                [
                    "/srv/api-data:/data",
                    `${pip()}:/root/.cache/pip`,
                    `${cachePath(h, "uv")}:/root/.cache/uv`,
                ].sort(),
            );
            expect(mountsOf(h, "web")).to.deep.equal(
                [
                    `${cachePath(h, "ms-playwright")}:/root/.cache/ms-playwright`,
                    `${cachePath(h, "npm")}:/root/.cache/npm`,
                ].sort(),
            );
            expect(mountsOf(h, "indexer")).to.deep.equal(
                ["/srv/idx:/idx", `${cachePath(h, "rust")}:/root/.cargo`].sort(),
            );
            expect(mountsOf(h, "fresh")).to.deep.equal([`${pip()}:/root/.cache/pip`]);
            expect(mountsOf(h, "sandbox")).to.deep.equal([
                `${cachePath(h, "pip", "untrusted")}:/root/.cache/pip:ro`,
            ]);
            expect(h.config("api")).to.deep.equal({
                USER_TOKEN,
                PIP_CACHE_DIR: "/root/.cache/pip",
                UV_CACHE_DIR: "/root/.cache/uv",
            });
            expect(h.config("web")).to.deep.equal({
                NPM_CONFIG_CACHE: "/root/.cache/npm",
                PLAYWRIGHT_BROWSERS_PATH: "/root/.cache/ms-playwright",
                PLAYWRIGHT_SKIP_BROWSER_GC: "1",
            });
            expect(h.config("indexer")).to.deep.equal({
                RUST_LOG: "info",
                CARGO_HOME: "/root/.cargo",
            });
            expect(h.config("fresh")).to.deep.equal({ PIP_CACHE_DIR: "/root/.cache/pip" });
            expect(h.config("sandbox")).to.deep.equal({ PIP_CACHE_DIR: "/root/.cache/pip" });
            // Restarts: each deployed app once; the never-deployed app never.
            expect(restarted(h)).to.deep.equal(["api", "indexer", "sandbox", "web"]);
            expect(h.log().filter((i) => i.cmd === "ps:rebuild")).to.deep.equal([]);
            // 0.38: one named entry per cache directory (the group's pip is its own), no legacy one.
            expect(entriesOf(h)).to.deep.equal(
                version === "0.38"
                    ? [
                          ...["pip", "uv", "npm", "ms-playwright", "rust"].map((c) =>
                              storageEntryName(c, cachePath(h, c)),
                          ),
                          storageEntryName("pip@untrusted", cachePath(h, "pip", "untrusted")),
                      ].sort()
                    : [],
            );
            // Build cache: cron entry (no systemd in the test root), daemon.json with builder.gc.
            expect(
                fs.existsSync(path.join(h.hostPaths().cronDir, "dokku-shared-cache-prune")),
            ).to.equal(true);
            const daemon = JSON.parse(fs.readFileSync(daemonJson(), "utf8")) as {
                builder: { gc: { enabled: boolean } };
            };
            expect(daemon.builder.gc.enabled).to.equal(true);
            expect(h.dockerLog().filter((d) => d.kind === "forbidden")).to.deep.equal([]);
        });

        it("2. preview --expect-no-changes passes; a second up makes 0 dokku writes and 0 restarts", async () => {
            const h = w.host;
            h.clearLog();
            const docker0 = h.dockerLog().length;
            const pre = await previewJson(w.stack, "--expect-no-changes");
            ok(pre.r);
            expect(changes(pre.json)).to.deep.equal([]);
            ok(await w.stack.up("--expect-no-changes"));
            expect(h.writes()).to.deep.equal([]);
            expect(h.restarts()).to.deep.equal([]);
            // The probe's one read of Docker's data root (`docker info`, for the free-space check).
            expect(
                h
                    .dockerLog()
                    .slice(docker0)
                    .map((i) => i.args.join(" ")),
                "no docker call on a no-op but the probe's docker info",
            ).to.deep.equal([
                "info --format {{.DockerRootDir}}",
                "info --format {{.DockerRootDir}}",
            ]);
        });

        it("3. drift by hand: preview names exactly that app and what drifted; up repairs it with one update; then no changes", async () => {
            const h = w.host;
            if (version === "0.38") {
                const npm = storageEntryName("npm", cachePath(h, "npm"));
                h.dokku("storage:unmount", "web", npm, "--container-dir", "/root/.cache/npm");
            } else h.dokku("storage:unmount", "web", `${cachePath(h, "npm")}:/root/.cache/npm`);
            h.dokku("config:unset", "--no-restart", "web", "PLAYWRIGHT_BROWSERS_PATH");
            h.clearLog();
            const pre = await previewJson(w.stack);
            ok(pre.r);
            expect(changes(pre.json)).to.deep.equal(["update dokku-app-web-converge"]);
            const warnings = (pre.json.diagnostics ?? [])
                .filter((d) => d.severity === "warning")
                .map((d) => d.message)
                .join("\n");
            expect(warnings).to.contain("app web drifted on the host");
            expect(warnings).to.contain("mount /root/.cache/npm missing");
            expect(warnings).to.contain("env PLAYWRIGHT_BROWSERS_PATH missing");
            for (const other of ["api", "indexer", "fresh", "sandbox"]) {
                expect(warnings).not.to.contain(`app ${other} drifted`);
            }
            expect(h.writes(), "a preview writes nothing").to.deep.equal([]);
            const up = ok(await w.stack.up());
            expect(up.stdout).to.match(/~ 1 updated/);
            expect(writeSummary(h)).to.deep.equal(["storage:mount web", "config:set web"]);
            expect(restarted(h)).to.deep.equal(["web"]);
            expect(mountsOf(h, "web")).to.include(`${cachePath(h, "npm")}:/root/.cache/npm`);
            expect(h.config("web")).to.include({
                PLAYWRIGHT_BROWSERS_PATH: "/root/.cache/ms-playwright",
            });
            h.clearLog();
            ok(await w.stack.preview("--expect-no-changes"));
            expect(h.writes()).to.deep.equal([]);
        });

        it("4. a cache dropped from one app touches only that app: exact unmount + unset, one restart", async () => {
            const h = w.host;
            config.apps = (config.apps as { name: string; caches: string[] }[]).map((a) =>
                a.name === "api" ? { ...a, caches: ["pip"] } : a,
            );
            w.stack.setConfig(config);
            h.clearLog();
            const pre = await previewJson(w.stack);
            ok(pre.r);
            expect(changes(pre.json)).to.deep.equal(["update dokku-app-api-converge"]);
            ok(await w.stack.up());
            const uv = storageEntryName("uv", cachePath(h, "uv"));
            expect(h.writes().map((i) => [i.cmd, ...i.args])).to.deep.equal([
                ...(version === "0.38"
                    ? [
                          ["storage:unmount", "api", uv, "--container-dir", "/root/.cache/uv"],
                          ["storage:destroy", uv], // no other app uses the uv entry
                      ]
                    : [["storage:unmount", "api", `${cachePath(h, "uv")}:/root/.cache/uv`]]),
                ["config:unset", "--no-restart", "api", "UV_CACHE_DIR"],
            ]);
            expect(restarted(h)).to.deep.equal(["api"]);
            // Other apps: read by the drift probe only, never written or restarted.
            expect(
                new Set(
                    h
                        .log()
                        .filter((i) => i.kind !== "read" && i.cmd !== "storage:destroy")
                        .map(appOf),
                ),
            ).to.deep.equal(new Set(["api"]));
            expect(mountsOf(h, "api")).to.deep.equal(
                ["/srv/api-data:/data", `${pip()}:/root/.cache/pip`].sort(),
            );
            expect(h.config("api")).to.deep.equal({
                USER_TOKEN,
                PIP_CACHE_DIR: "/root/.cache/pip",
            });
        });

        it("5. an app removed from the stack: only what the program added goes; the user's env and mounts and the cache data stay", async () => {
            const h = w.host;
            fs.writeFileSync(path.join(cachePath(h, "rust"), "registry-index"), "cargo data\n");
            config.apps = (config.apps as { name: string }[]).filter((a) => a.name !== "indexer");
            w.stack.setConfig(config);
            h.clearLog();
            const pre = await previewJson(w.stack);
            ok(pre.r);
            expect(changes(pre.json)).to.deep.equal([
                "delete dokku-app-indexer",
                "delete dokku-app-indexer-converge",
            ]);
            ok(await w.stack.up());
            const rust = storageEntryName("rust", cachePath(h, "rust"));
            expect(h.writes().map((i) => [i.cmd, ...i.args])).to.deep.equal([
                ...(version === "0.38"
                    ? [
                          ["storage:unmount", "indexer", rust, "--container-dir", "/root/.cargo"],
                          ["storage:destroy", rust],
                      ]
                    : [["storage:unmount", "indexer", `${cachePath(h, "rust")}:/root/.cargo`]]),
                ["config:unset", "--no-restart", "indexer", "CARGO_HOME"],
            ]);
            expect(restarted(h)).to.deep.equal(["indexer"]);
            expect(mountsOf(h, "indexer")).to.deep.equal(["/srv/idx:/idx"]);
            expect(h.config("indexer")).to.deep.equal({ RUST_LOG: "info" });
            expect(
                fs.readFileSync(path.join(cachePath(h, "rust"), "registry-index"), "utf8"),
            ).to.equal("cargo data\n");
            ok(await w.stack.preview("--expect-no-changes"));
        });

        it("6. destroy: everything added is removed; cache data, the user's values and daemon.json are as before", async () => {
            const h = w.host;
            fs.writeFileSync(path.join(pip(), "wheel.whl"), "pip data\n");
            h.clearLog();
            ok(await w.stack.destroy());
            expect(mountsOf(h, "api")).to.deep.equal(["/srv/api-data:/data"]);
            expect(h.config("api")).to.deep.equal({ USER_TOKEN, PIP_CACHE_DIR: "/srv/user-pip" });
            for (const app of ["web", "fresh", "sandbox"]) {
                expect(mountsOf(h, app), app).to.deep.equal([]);
                expect(h.config(app), app).to.deep.equal({});
            }
            expect(mountsOf(h, "indexer")).to.deep.equal(["/srv/idx:/idx"]);
            expect(h.config("indexer")).to.deep.equal({ RUST_LOG: "info" });
            expect(restarted(h)).to.deep.equal(["api", "sandbox", "web"]);
            expect(fs.readFileSync(path.join(pip(), "wheel.whl"), "utf8")).to.equal("pip data\n");
            expect(
                fs.existsSync(path.join(h.hostPaths().cronDir, "dokku-shared-cache-prune")),
            ).to.equal(false);
            if (version === "0.37") {
                expect(fs.readFileSync(daemonJson(), "utf8")).to.equal(userDaemonJson);
            } else {
                expect(fs.existsSync(daemonJson()), "the daemon.json we created").to.equal(false);
            }
            expect(h.dockerLog().filter((d) => d.kind === "forbidden")).to.deep.equal([]);
            expect(entriesOf(h), "no storage entry is left").to.deep.equal([]);
            const st = await w.stack.exportState();
            expect(st.deployment.resources ?? []).to.deep.equal([]);
        });
    });
}
