/**
 * Faults over a real OpenSSH server on loopback: the session dying at every
 * step of a converge, an app destroyed between preview and up, a disk-full
 * state directory, a read-only shared root. After each, the next run must
 * converge without duplicate mounts, lost keys or extra restarts.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RawSettings } from "../../config";
import { runSsh } from "../../io/ssh";
import { appScript } from "../../host/app-converge";
import { cacheDirCreateScript } from "../../host/cache-dirs";
import { parseResults } from "../../host/result";
import { hostRaw, plan, sendAll } from "../../testkit/apply";
import { SshHost } from "../../testkit/ssh-host";

const CACHES = [
    ["pip", "/root/.cache/pip", "PIP_CACHE_DIR"],
    ["uv", "/root/.cache/uv", "UV_CACHE_DIR"],
    ["npm", "/root/.cache/npm", "NPM_CONFIG_CACHE"],
] as const;

function sh(cmd: string, args: string[]): { code: number; err: string } {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    return { code: r.status ?? -1, err: r.stderr };
}

describe("faults over SSH", function () {
    this.timeout(180000);
    let h: SshHost;
    before(async () => {
        h = new SshHost("0.38");
        await h.start();
    });
    after(async () => h.stop());

    const desired = (name: string) => ({
        name,
        mounts: CACHES.map(([c, p]) => ({
            cache: c,
            hostPath: `${h.sharedRoot}/${c}`,
            containerPath: p,
            readOnly: false,
        })),
        env: Object.fromEntries(CACHES.map(([, p, k]) => [k, p])),
    });
    const opts = () => ({
        stateDir: h.stateDir,
        afterChange: "restart" as const,
        maxParallelRestarts: 2,
    });
    const converge = (name: string) =>
        runSsh(h.connection(), h.clientKey, appScript(desired(name), opts()));

    // On Dokku 0.38 a full converge of a deployed app with 3 caches whose named entries exist
    // (the first app's run made them: 3 × storage:create and one storage:list-entries; their
    // markers hold their paths, so later apps read no entry list) makes these dokku calls. The
    // app has no build record (the double's createApp deploys none), so before the restart it is
    // asked ps:report --deployed, then builds:list again (host/deploy-wait.ts, app-restart.sh).
    const CALLS = [
        "version",
        "storage:list",
        "config:export",
        "scheduler:report",
        "builds:list",
        "storage:mount",
        "storage:mount",
        "storage:mount",
        "config:set",
        "ps:report",
        "builds:list",
        "ps:restart",
    ];
    for (let step = 1; step <= CALLS.length; step++) {
        it(`session killed at dokku call ${step} of ${CALLS.length}: the next run completes, no duplicates, one restart`, async () => {
            const app = `cut${step}`;
            h.createApp(app, true);
            h.dokku("config:set", "--no-restart", app, "SECRET_KEY=keep-me");
            fs.mkdirSync(path.join(h.root, "var/lib/dokku-double"), { recursive: true });
            fs.writeFileSync(path.join(h.root, "var/lib/dokku-double/kill-at"), String(step));
            h.clearLog();
            const cut = await converge(app);
            expect(cut.code, `step ${step} should have died`).to.not.equal(0);
            expect(h.log().filter((i) => i.kind === "error")).to.have.length(1);
            const restartsBefore = h.restarts().length;
            expect(restartsBefore).to.equal(0);
            const again = await converge(app);
            expect(again.code, again.stderr).to.equal(0);
            const mounts = h.mounts(app);
            expect(mounts).to.have.length(3);
            expect(new Set(mounts).size).to.equal(3);
            expect(h.config(app)).to.deep.equal({
                SECRET_KEY: "keep-me",
                ...desired(app).env,
            });
            expect(h.restarts().map((i) => i.args[0])).to.deep.equal([app]);
            h.clearLog();
            const third = await converge(app);
            expect(third.code).to.equal(0);
            expect(h.writes()).to.deep.equal([]);
            expect(h.restarts()).to.deep.equal([]);
        });
    }
    it(`a full converge (the entries exist) makes those ${CALLS.length} dokku calls`, async () => {
        h.createApp("counted", true);
        h.clearLog();
        const r = await converge("counted");
        expect(r.code, r.stderr).to.equal(0);
        expect(h.log().map((i) => i.cmd)).to.deep.equal(CALLS);
    });

    it("an app destroyed between preview and up: its converge stops with a clear message, others converge", async () => {
        h.createApp("keep", true);
        h.createApp("gone", true);
        const raw: RawSettings = hostRaw(h, {
            apps: [
                { name: "gone", caches: ["pip"] },
                { name: "keep", caches: ["pip"] },
            ],
            buildCache: false,
        });
        // preview: the probe sees both apps
        const p = await plan(raw, h.clientKey);
        fs.rmSync(path.join(h.root, "home/dokku/gone"), { recursive: true, force: true });
        const runs = await sendAll(raw, h.clientKey, p.commands, "create");
        const gone = runs.find((r) => r.name === "dokku-app-gone-converge")!;
        expect(gone.code).to.equal(20);
        expect(gone.stderr).to.contain("app 'gone' does not exist on this Dokku host");
        const keep = runs.find((r) => r.name === "dokku-app-keep-converge")!;
        expect(keep.code).to.equal(0);
        expect(h.mounts("keep")).to.deep.equal([`${h.sharedRoot}/pip:/root/.cache/pip`]);
        // the next preview names it before anything runs
        let err: unknown;
        try {
            await plan(raw, h.clientKey);
        } catch (e) {
            err = e;
        }
        expect(String(err)).to.contain("app(s) not found");
        expect(String(err)).to.contain("gone");
        // and removing it from the stack (delete with the old state) is a no-op that succeeds
        const del = await runSsh(
            h.connection(),
            h.clientKey,
            appScript({ name: "gone", mounts: [], env: {} }, opts(), "remove"),
        );
        expect(del.code).to.equal(0);
        expect(parseResults(del.stdout)[0]).to.include({ missing: true });
    });

    describe("disk full and read-only file systems", function () {
        let mounted: string[] = [];
        before(function () {
            const probe = path.join(h.root, "mount-probe");
            fs.mkdirSync(probe, { recursive: true });
            if (sh("mount", ["-t", "tmpfs", "-o", "size=4k", "tmpfs", probe]).code !== 0) {
                // Needs CAP_SYS_ADMIN (root on this machine kind has it).
                console.warn("SKIPPED: cannot mount tmpfs here (no CAP_SYS_ADMIN)");
                this.skip();
            }
            sh("umount", [probe]);
        });
        afterEach(() => {
            for (const m of mounted.reverse()) sh("umount", ["-l", m]);
            mounted = [];
        });
        function tmpfs(dir: string, o: string): void {
            fs.mkdirSync(dir, { recursive: true });
            const r = sh("mount", ["-t", "tmpfs", "-o", o, "tmpfs", dir]);
            expect(r.code, r.err).to.equal(0);
            mounted.push(dir);
        }

        it("a full state directory stops the converge before any dokku write; the next run after freeing space converges", async () => {
            h.createApp("full", true);
            const state = path.join(h.root, "fullstate");
            tmpfs(state, "size=16k");
            fs.mkdirSync(path.join(state, "apps"));
            fs.mkdirSync(path.join(state, "locks"));
            // fill the only page
            spawnSync("sh", ["-c", `cat /dev/zero > ${state}/filler`]);
            h.clearLog();
            const r = await runSsh(
                h.connection(),
                h.clientKey,
                appScript(desired("full"), { ...opts(), stateDir: state }),
            );
            expect(r.code).to.not.equal(0);
            expect(r.stderr).to.match(/No space left on device/);
            expect(h.writes()).to.deep.equal([]);
            expect(fs.existsSync(path.join(state, "apps/full.json"))).to.equal(false);
            fs.rmSync(path.join(state, "filler"));
            const ok = await runSsh(
                h.connection(),
                h.clientKey,
                appScript(desired("full"), { ...opts(), stateDir: state }),
            );
            expect(ok.code, ok.stderr).to.equal(0);
            expect(h.mounts("full")).to.have.length(3);
            expect(h.restarts().map((i) => i.args[0])).to.deep.equal(["full"]);
        });

        it("a read-only or full shared root fails with a clear message and is fixed by the next run", async () => {
            const root = path.join(h.root, "roshared");
            fs.mkdirSync(root, { recursive: true });
            expect(sh("mount", ["--bind", root, root]).code).to.equal(0);
            mounted.push(root);
            expect(sh("mount", ["-o", "remount,bind,ro", root]).code).to.equal(0);
            const dir = { name: "pip", hostPath: `${root}/pip`, owner: "0:0", mode: "0755" };
            const r = await runSsh(h.connection(), h.clientKey, cacheDirCreateScript(dir));
            expect(r.code).to.equal(4);
            expect(r.stderr).to.contain("cannot create shared cache directory");
            expect(r.stderr).to.contain("Read-only file system");
            expect(sh("mount", ["-o", "remount,bind,rw", root]).code).to.equal(0);
            const ok = await runSsh(h.connection(), h.clientKey, cacheDirCreateScript(dir));
            expect(ok.code, ok.stderr).to.equal(0);
            expect(parseResults(ok.stdout)[0]).to.include({ created: true });
            // an existing directory on a read-only mount with the wrong mode: clear error, exit 4
            fs.chmodSync(`${root}/pip`, 0o700);
            expect(sh("mount", ["-o", "remount,bind,ro", root]).code).to.equal(0);
            const ro = await runSsh(h.connection(), h.clientKey, cacheDirCreateScript(dir));
            expect(ro.code).to.equal(4);
            expect(ro.stderr).to.contain("cannot set owner/mode");
            // out of inodes: mkdir fails the same clear way
            const full = path.join(h.root, "fullshared");
            tmpfs(full, "size=64k,nr_inodes=2");
            spawnSync("sh", ["-c", `mkdir ${full}/a ${full}/b ${full}/c 2>/dev/null; true`]);
            const f = await runSsh(
                h.connection(),
                h.clientKey,
                cacheDirCreateScript({ ...dir, hostPath: `${full}/pip` }),
            );
            expect(f.code).to.equal(4);
            expect(f.stderr).to.match(/No space left on device/);
        });
    });
});
