/**
 * Deploys in flight (host/deploy-wait.ts): an app's converge against a deploy
 * of the same app, run by /bin/sh against the `dokku` double, whose deploys
 * take the app's deploy lock, keep build records (0.38) and start containers
 * with the env and mounts of that moment, as Dokku 0.38.27 / 0.37.10 do
 * (testkit/double/dokku-deploys.js). The deploy runs in the background: started
 * before the converge, or started by the double right after one of the
 * converge's writes (a `git push` racing it). The assertions are on order
 * (which call began after which ended), exit codes, messages and the app's
 * container, never on durations.
 */
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { AfterChange } from "../../config";
import { appScript } from "../../host/app-converge";
import { DEPLOY_BUSY_EXIT } from "../../host/deploy-wait";
import { parseResults } from "../../host/result";
import { childOutput } from "../../testkit/child-output";
import { DOUBLE_DIR, LocalHost, RunResult } from "../../testkit/local-host";
import { PIP_ENV, pipApp } from "../fixtures/settings";

interface Call {
    cmd: string;
    args: string[];
    kind: string;
    exit: number;
    /** When the call began and ended (ms since the epoch). */
    t0: number;
    t: number;
}

interface Container {
    source: string;
    env: Record<string, string>;
    mounts: string[];
}

/** The converge, as its own process (so a deploy can run beside it). */
function converge(
    h: LocalHost,
    opts: { after?: AfterChange; wait?: number } = {},
): Promise<RunResult> {
    const script = appScript(pipApp(h.sharedRoot, "api"), {
        stateDir: h.stateDir,
        afterChange: opts.after ?? "restart",
        maxParallelRestarts: 2,
        deployWaitSeconds: opts.wait,
    });
    return childOutput(spawn("/bin/sh", ["-c", script], { env: h.env() }));
}

/** `dokku git:from-image api …` in the background, as a user's deploy; resolves when it holds the lock. */
async function deployInBackground(
    h: LocalHost,
    times: Record<string, number>,
): Promise<{ done: Promise<RunResult> }> {
    const env = { ...h.env() };
    for (const [k, v] of Object.entries(times)) env[`DOKKU_DOUBLE_DEPLOY_${k}_MS`] = String(v);
    const done = childOutput(
        spawn(path.join(DOUBLE_DIR, "dokku"), ["git:from-image", "api", "localtest/busybox:1"], {
            env,
        }),
    );
    while (!fs.existsSync(lockFile(h))) await new Promise((r) => setTimeout(r, 10));
    // Wrapped: an async function returning the promise itself would wait for it.
    return { done };
}

/** Makes the double start a deploy of api right after the converge's first `dokku CMD api`. */
function deployRightAfter(h: LocalHost, cmd: string, times: Record<string, number>): string {
    const hook = path.join(h.root, "var/lib/dokku-double/deploy-after");
    fs.mkdirSync(path.dirname(hook), { recursive: true });
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(times)) env[`DOKKU_DOUBLE_DEPLOY_${k}_MS`] = String(v);
    fs.writeFileSync(hook, JSON.stringify({ after: cmd, app: "api", env }));
    return hook + ".exit";
}

async function exitOf(file: string): Promise<number> {
    while (!fs.existsSync(file) || fs.readFileSync(file, "utf8").trim() === "")
        await new Promise((r) => setTimeout(r, 20));
    return Number(fs.readFileSync(file, "utf8").trim());
}

function lockFile(h: LocalHost): string {
    return path.join(h.root, "var/lib/dokku/data/apps/api/.deploy.lock");
}

function calls(h: LocalHost): Call[] {
    return h.log() as unknown as Call[];
}

function only(h: LocalHost, cmd: string): Call {
    const c = calls(h).filter((i) => i.cmd === cmd);
    expect(c, `${cmd} calls`).to.have.length(1);
    return c[0];
}

function container(h: LocalHost): Container {
    return JSON.parse(
        fs.readFileSync(path.join(h.root, "home/dokku/api/CONTAINER.web.1"), "utf8"),
    ) as Container;
}

function ledger(h: LocalHost): Record<string, unknown> | undefined {
    const f = path.join(h.stateDir, "apps", "api.json");
    return fs.existsSync(f)
        ? (JSON.parse(fs.readFileSync(f, "utf8")) as Record<string, unknown>)
        : undefined;
}

for (const version of ["0.37", "0.38"] as const) {
    describe(`deploys in flight (Dokku ${version})`, function () {
        this.timeout(120_000);
        let h: LocalHost;
        const pipMount = () => `${h.sharedRoot}/pip:/root/.cache/pip`;
        beforeEach(() => {
            h = new LocalHost(version);
            h.createApp("api", true);
            h.clearLog();
        });
        afterEach(() => h.cleanup());

        it("a deploy running when the converge starts: it waits, then writes and restarts after the deploy; the deploy succeeds", async () => {
            const deploy = await deployInBackground(h, { BUILD: 2000, CHECK: 1000 });
            const [r, d] = await Promise.all([converge(h), deploy.done]);
            expect(d.code, d.stderr).to.equal(0);
            expect(r.code, r.stderr).to.equal(0);
            const running =
                version === "0.38"
                    ? /app api: a deploy is running \(git:from-image build \S+ \(pid \d+, started [0-9T:-]+Z\)\); waiting for it to finish before changing the app's mounts and env \(at most 600s in all, stack key deployWaitSeconds\)/
                    : /app api: a deploy is running \(Dokku's deploy lock file is in place .*\); waiting for it to finish before changing the app's mounts and env/;
            expect(r.stderr).to.match(running);
            expect(r.stderr).to.match(
                /app api: the deploy finished \(waited \d+s\); going on with changing the app's mounts and env/,
            );
            // Every write and the restart began after the deploy ended.
            const deployed = only(h, "git:from-image");
            const after = calls(h).filter((c) => c.kind === "write" || c.kind === "restart");
            expect(after.map((c) => c.cmd)).to.include.members(["config:set", "ps:restart"]);
            for (const c of after) expect(c.t0, c.cmd).to.be.at.least(deployed.t);
            // The app runs with what the converge asked for (and the deploy's own GIT_REV).
            const c = container(h);
            expect(c.source).to.equal("ps:restart");
            expect(c.mounts).to.deep.equal([pipMount()]);
            expect(c.env).to.include(PIP_ENV);
            expect(Object.keys(c.env)).to.include("GIT_REV");
            expect(parseResults(r.stdout)[0]).to.include({ restarted: true });
            expect(ledger(h)?.pendingRestart).to.equal(false);
        });

        it("still deploying after deployWaitSeconds: skipped with exit 10 and why, nothing written; the next run converges", async () => {
            // The build outlasts the 1 s wait by far: a loaded machine (CI, other tests) can take
            // seconds to start the converge, and a 4 s build once ended before its check.
            const deploy = await deployInBackground(h, { BUILD: 15000 });
            const r = await converge(h, { wait: 1 });
            expect(r.code, r.stderr).to.equal(DEPLOY_BUSY_EXIT);
            expect(r.stderr.trimEnd().split("\n").pop()).to.match(
                /^dokku-shared-cache: app api: skipped: a deploy of the app is still running after 1s \(.+\)\. Nothing was changed on this app; the next pulumi up converges it \(or raise deployWaitSeconds\)\.$/,
            );
            expect(
                calls(h).filter((c) => c.kind === "write" || c.kind === "restart"),
            ).to.deep.equal([]);
            expect(ledger(h)).to.equal(undefined);
            const d = await deploy.done;
            expect(d.code, d.stderr).to.equal(0);
            expect(container(h).source).to.equal("git:from-image");
            expect(container(h).mounts).to.deep.equal([]);
            h.clearLog();
            const again = await converge(h, { wait: 1 });
            expect(again.code, again.stderr).to.equal(0);
            expect(container(h).source).to.equal("ps:restart");
            expect(container(h).mounts).to.deep.equal([pipMount()]);
            expect(container(h).env).to.include(PIP_ENV);
        });

        it("a deploy that starts right after the converge's write: the restart waits for it and runs after it", async () => {
            const exitFile = deployRightAfter(h, "config:set", { BUILD: 1500, CHECK: 1000 });
            const r = await converge(h);
            expect(r.code, r.stderr).to.equal(0);
            expect(await exitOf(exitFile), "the deploy's exit code").to.equal(0);
            expect(r.stderr).to.match(
                /app api: a deploy is running \(.+\); waiting for it to finish before the restart/,
            );
            const deployed = only(h, "git:from-image");
            // (started by the double inside config:set's process, once its write is done)
            expect(deployed.t0).to.be.at.least(only(h, "config:set").t0);
            expect(only(h, "ps:restart").t0).to.be.at.least(deployed.t);
            const c = container(h);
            expect(c.source).to.equal("ps:restart");
            expect(c.mounts).to.deep.equal([pipMount()]);
            expect(c.env).to.include(PIP_ENV);
            expect(ledger(h)?.pendingRestart).to.equal(false);
        });

        it("a deploy whose own config write (GIT_REV) loses the converge's key: set again before the restart", async () => {
            // The deploy reads the ENV file before the converge's config:set and writes it after
            // (Dokku's config writes take no lock: plugins/config/config.go SetMany, git_build).
            const exitFile = deployRightAfter(h, "storage:mount", {
                ENV_GAP: 3000,
                BUILD: 500,
            });
            const r = await converge(h);
            expect(r.code, r.stderr).to.equal(0);
            expect(await exitOf(exitFile)).to.equal(0);
            expect(r.stderr).to.contain(
                "dokku-shared-cache: app api: a deploy's own config write (GIT_REV) lost env PIP_CACHE_DIR set by this run; setting it again before the restart",
            );
            const sets = calls(h).filter((c) => c.cmd === "config:set");
            expect(sets).to.have.length(2);
            expect(sets[1].t0).to.be.at.least(only(h, "git:from-image").t);
            expect(h.config("api")).to.include(PIP_ENV);
            expect(Object.keys(h.config("api"))).to.include("GIT_REV");
            expect(container(h).env).to.include(PIP_ENV);
            expect(container(h).mounts).to.deep.equal([pipMount()]);
        });

        it("a never-deployed app whose first deploy starts right after the write: 0.38 does not restart it (no build record, not deployed); the deploy gets the mounts and env", async () => {
            fs.rmSync(path.join(h.root, "home/dokku/api/CONTAINER.web.1"));
            const exitFile = deployRightAfter(h, "config:set", { BUILD: 1500, CHECK: 500 });
            const r = await converge(h);
            expect(r.code, r.stderr).to.equal(0);
            expect(await exitOf(exitFile)).to.equal(0);
            const asked = calls(h)
                .filter((c) => ["builds:list", "apps:report", "ps:report"].includes(c.cmd))
                .map((c) => c.cmd);
            if (version === "0.38") {
                // Before the write: no record and no deploy; before the restart: not deployed (yet).
                expect(asked).to.deep.equal(["builds:list", "ps:report"]);
                expect(calls(h).filter((c) => c.cmd === "ps:restart")).to.deep.equal([]);
                expect(parseResults(r.stdout)[0]).to.include({ restarted: false });
                expect(container(h).source).to.equal("git:from-image");
            } else {
                // 0.37 asks the lock file again before the restart, waits, and restarts after.
                expect(r.stderr).to.match(/waiting for it to finish before the restart/);
                expect(only(h, "ps:restart").t0).to.be.at.least(only(h, "git:from-image").t);
                expect(container(h).source).to.equal("ps:restart");
            }
            expect(container(h).mounts).to.deep.equal([pipMount()]);
            expect(container(h).env).to.include(PIP_ENV);
            expect(ledger(h)?.pendingRestart).to.equal(false);
        });

        it("afterChange none: a deploy starting right after the write gets the mounts and env itself", async () => {
            const exitFile = deployRightAfter(h, "config:set", { BUILD: 500 });
            const r = await converge(h, { after: "none" });
            expect(r.code, r.stderr).to.equal(0);
            expect(await exitOf(exitFile)).to.equal(0);
            const c = container(h);
            expect(c.source).to.equal("git:from-image");
            expect(c.mounts).to.deep.equal([pipMount()]);
            expect(c.env).to.include(PIP_ENV);
            expect(calls(h).filter((i) => i.kind === "restart")).to.deep.equal([]);
        });
    });
}
