/**
 * Scenario 9 of issue 10: the engine SIGKILLed (the whole `pulumi` process
 * group: CLI, language host, command provider) in the middle of `pulumi up`,
 * at different moments, on a Dokku 0.37 double (0.37 keeps exact duplicate
 * mounts, so a double mount would show). Each time: `pulumi cancel` (the
 * file backend's lock stays behind a killed CLI), `pulumi refresh
 * --clear-pending-creates` (the checkpoint keeps the interrupted operations,
 * and a later `up` only warns about them), then `pulumi up` converges and
 * `pulumi preview --expect-no-changes` passes, with no duplicate mount and
 * no lost user value.
 *
 * A killed CLI does not stop the scripts already running on the host (no
 * tty: sshd does not signal them), so the test waits for the host to go
 * quiet before recovering, as an operator would see the sessions end.
 */
import { expect } from "chai";
import { Invocation } from "../../testkit/local-host";
import {
    World,
    cachePath,
    endWorld,
    hostConfig,
    hostQuiet,
    makeWorld,
    mountsOf,
    ok,
    pendingOps,
    until,
} from "./world";

type Apps = { name: string; caches: string[] }[];

const CACHE_ENV: Record<string, [string, string]> = {
    pip: ["/root/.cache/pip", "PIP_CACHE_DIR"],
    uv: ["/root/.cache/uv", "UV_CACHE_DIR"],
    npm: ["/root/.cache/npm", "NPM_CONFIG_CACHE"],
    rust: ["/root/.cargo", "CARGO_HOME"],
};
const USER_ENV: Record<string, Record<string, string>> = {
    api: { USER_TOKEN: "t0ken with spaces" },
    web: { NODE_ENV: "production" },
    worker: {},
    late: {},
};
const USER_MOUNTS: Record<string, string[]> = {
    api: ["/srv/api:/data"],
    web: [],
    worker: ["/srv/w:/w"],
    late: [],
};

describe("e2e: the engine killed in the middle of pulumi up (scenario 9)", function () {
    this.timeout(900000);
    let w: World;

    before(async () => {
        // Slow enough that each moment below is hit while the up is still running.
        w = await makeWorld("0.37", {
            DOKKU_DOUBLE_COST_MS: "150",
            DOKKU_DOUBLE_RESTART_MS: "1500",
        });
        for (const app of ["api", "web", "worker", "late"]) {
            w.host.createApp(app, true);
            for (const [k, v] of Object.entries(USER_ENV[app])) {
                w.host.dokku("config:set", "--no-restart", app, `${k}=${v}`);
            }
            for (const m of USER_MOUNTS[app]) w.host.dokku("storage:mount", app, m);
        }
    });
    after(async () => endWorld(w));

    /** The host must hold exactly the user's values plus what `apps` asks for; apps not in it only the user's. */
    function expectConverged(apps: Apps): void {
        for (const app of Object.keys(USER_ENV)) {
            const caches = apps.find((a) => a.name === app)?.caches ?? [];
            const mounts = [
                ...USER_MOUNTS[app],
                ...caches.map((c) => `${cachePath(w.host, c)}:${CACHE_ENV[c][0]}`),
            ].sort();
            const env = { ...USER_ENV[app] };
            for (const c of caches) env[CACHE_ENV[c][1]] = CACHE_ENV[c][0];
            expect(mountsOf(w.host, app), `${app}: mounts (no duplicate)`).to.deep.equal(mounts);
            expect(w.host.config(app), `${app}: env`).to.deep.equal(env);
        }
    }

    /**
     * Runs `pulumi up` for `apps`, SIGKILLs its process group as soon as
     * `moment` holds for the double's log, then recovers as documented.
     */
    async function killAndRecover(
        apps: Apps,
        moment: (log: Invocation[]) => boolean,
        what: string,
        delayMs = 0,
        interruptsOperations = true,
    ): Promise<void> {
        w.stack.setConfig(hostConfig(w.host, { apps, buildCache: false }));
        w.host.clearLog();
        const run = w.stack.start(["up", "--yes", "--skip-preview", "-s", w.stack.stack]);
        const finished = run.done.then(() => true);
        await Promise.race([until(() => moment(w.host.log()), what), finished]);
        await new Promise((r) => setTimeout(r, delayMs));
        const early = await Promise.race([finished, Promise.resolve(false)]);
        expect(early, `the up finished before the moment "${what}"`).to.equal(false);
        run.killGroup("SIGKILL");
        const killed = await run.done;
        expect(killed.signal).to.equal("SIGKILL");
        await hostQuiet(w.host);
        // The lock a killed CLI leaves: the next up is refused until `pulumi cancel`.
        const locked = await w.stack.up();
        expect(locked.code).not.to.equal(0);
        expect(locked.stderr).to.contain("the stack is currently locked");
        ok(await w.stack.cancel());
        // The interrupted operations stay in the checkpoint (a later up would only warn).
        if (interruptsOperations) {
            const pending = pendingOps(await w.stack.exportState());
            expect(pending, "interrupted operations in the checkpoint").not.to.deep.equal([]);
        }
        ok(await w.stack.refresh("--clear-pending-creates"));
        expect(pendingOps(await w.stack.exportState()), "after refresh").to.deep.equal([]);
        w.host.clearLog();
        ok(await w.stack.up());
        ok(await w.stack.preview("--expect-no-changes"));
        expect(pendingOps(await w.stack.exportState())).to.deep.equal([]);
        expectConverged(apps);
    }

    const has =
        (cmd: string, n = 1) =>
        (log: Invocation[]) =>
            log.filter((i) => i.cmd === cmd).length >= n;

    it("killed during the first converge, after the first storage:mount (pending creates)", async () => {
        await killAndRecover(
            [
                { name: "api", caches: ["pip", "uv"] },
                { name: "web", caches: ["npm"] },
                { name: "worker", caches: ["pip", "rust"] },
            ],
            has("storage:mount"),
            "first storage:mount",
        );
    });

    it("killed after env was written and before the restart (pending updates)", async () => {
        await killAndRecover(
            [
                { name: "api", caches: ["pip"] },
                { name: "web", caches: ["npm", "uv"] },
                { name: "worker", caches: ["pip", "rust"] },
                { name: "late", caches: ["npm"] },
            ],
            (log) => has("config:set")(log) || has("config:unset")(log),
            "first config:set/unset",
        );
    });

    it("killed during a restart", async () => {
        await killAndRecover(
            [
                { name: "api", caches: ["pip", "rust"] },
                { name: "web", caches: ["npm"] },
                { name: "worker", caches: ["rust"] },
                { name: "late", caches: ["npm"] },
            ],
            // the restart follows the env write and takes 1.5 s in the double
            (log) => has("config:set")(log) || has("config:unset")(log),
            "env written, restart under way",
            600,
        );
    });

    it("killed while removing an app (pending delete)", async () => {
        await killAndRecover(
            [
                { name: "api", caches: ["pip", "rust"] },
                { name: "web", caches: ["npm"] },
                { name: "worker", caches: ["rust"] },
            ],
            has("storage:unmount"),
            "late's storage:unmount",
        );
    });

    it("killed while the program reads the host, before any command ran", async () => {
        await killAndRecover(
            [
                { name: "api", caches: ["pip"] },
                { name: "web", caches: ["npm"] },
                { name: "worker", caches: ["rust", "uv"] },
            ],
            has("apps:list"),
            "the drift probe's apps:list",
            0,
            false, // (the kill may land before or just after the first command starts)
        );
    });
});
