/**
 * Deploys in flight on the real Dokku 0.38.27 (host/deploy-wait.ts): a user's deploy of an
 * app (`git:from-image`, which takes the app's deploy lock like a `git push`) runs while the
 * real `pulumi up` converges the same app. The deploy is made slow offline: the image is the
 * local busybox with an `/app.json` whose startup health check sleeps, so the deploy holds
 * the lock through its checks. Asserted: the deploy's exit code and build record, the order
 * of Dokku's own build records (our restart began after the deploy finished), the env and
 * mounts of the app's running container afterwards, and what `pulumi up` printed.
 */
import { expect } from "chai";
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { childOutput } from "../../testkit/child-output";
import { PulumiStack } from "../../testkit/pulumi-stack";
import {
    DokkuRun,
    LOCAL_IMAGE,
    ROOT_LOGIN_PATH,
    RealDokkuHost,
} from "../../testkit/real-dokku-host";
import { E2E_ENV } from "../e2e/world";

interface BuildRecord {
    id: string;
    kind: string;
    source: string;
    status: string;
    started_at: string;
    finished_at?: string;
    exit_code?: number;
}

const PIP = { PIP_CACHE_DIR: "/root/.cache/pip" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("real Dokku 0.38.27: a deploy in flight while pulumi up converges the app", function () {
    this.timeout(20 * 60_000);
    let h: RealDokkuHost;
    let stack: PulumiStack;
    const tag = crypto.randomBytes(3).toString("hex");
    /** Deploys and restarts hold the lock through a 15 s startup check. */
    const slow = `localtest/busybox-slow:${tag}`;
    /** Deploys without PIP_CACHE_DIR set hold it for 90 s (the skip case; up's restart is quick). */
    const slowUntilPip = `localtest/busybox-slow-until-pip:${tag}`;

    /** The real deploy, in the background (the same environment as RealDokkuHost.dokku). */
    function deployInBackground(app: string, image = slow): Promise<DokkuRun> {
        return childOutput(
            spawn("/usr/bin/dokku", ["git:from-image", app, image], {
                env: { PATH: ROOT_LOGIN_PATH, HOME: "/root", LC_ALL: "C.UTF-8" },
            }),
        );
    }
    function records(app: string): BuildRecord[] {
        return JSON.parse(
            h.must("builds:list", app, "--format", "json").stdout.trim() || "[]",
        ) as BuildRecord[];
    }
    async function untilDeploying(app: string): Promise<void> {
        while (!records(app).some((b) => b.source === "git:from-image" && b.status === "running"))
            await sleep(200);
    }
    /** The app's running container: env and bind mounts (host:container). */
    function running(app: string): { env: Record<string, string>; binds: string[] } {
        const [id] = h.containers(app);
        const info = JSON.parse(h.docker("inspect", id))[0] as {
            Config: { Env: string[] };
            HostConfig: { Binds: string[] | null };
        };
        return {
            env: Object.fromEntries(
                info.Config.Env.map((e) => [
                    e.slice(0, e.indexOf("=")),
                    e.slice(e.indexOf("=") + 1),
                ]),
            ),
            binds: info.HostConfig.Binds ?? [],
        };
    }
    /** The last record of `source`. */
    function last(app: string, source: string): BuildRecord {
        const r = records(app).filter((b) => b.source === source);
        expect(r, `a ${source} record`).to.not.have.length(0);
        return r.sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at))[0];
    }

    before(async () => {
        h = new RealDokkuHost();
        await h.start();
        h.globalSetup();
        for (const [image, check] of [
            [slow, "sleep 15"],
            [slowUntilPip, 'test -n "$PIP_CACHE_DIR" || sleep 90'],
        ])
            h.buildImage(
                image,
                {
                    "/app.json": JSON.stringify({
                        healthchecks: {
                            web: [
                                {
                                    type: "startup",
                                    name: "slow start",
                                    command: ["/bin/sh", "-c", check],
                                    attempts: 1,
                                    timeout: 120,
                                    wait: 1,
                                },
                            ],
                        },
                    }),
                },
                ['CMD ["/bin/httpd","-f","-p","0.0.0.0:5000","-h","/www"]'],
            );
        stack = await PulumiStack.create({ stack: "real-inflight", env: E2E_ENV });
        await stack.setSecret("privateKey", h.clientKey);
    });
    after(async () => {
        if (stack) {
            await stack.destroy();
            stack.cleanup();
        }
        if (h) {
            await h.stop();
            h.docker("image", "rm", "-f", slow, slowUntilPip);
        }
    });

    function configure(app: string, extra: Record<string, unknown> = {}): void {
        stack.setConfig({
            connection: h.connection(),
            sharedRoot: h.sharedRoot,
            stateDir: h.stateDir,
            hostPaths: h.hostPaths(),
            caches: { pip: true },
            buildCache: false,
            apps: [app],
            ...extra,
        });
    }

    it("a deploy running when up starts: up waits for it, then converges and restarts; the deploy succeeds", async () => {
        const app = h.createApp("busy", { image: LOCAL_IMAGE, checks: true });
        configure(app);
        const deploy = deployInBackground(app);
        await untilDeploying(app);
        h.clearCalls();
        const [up, d] = await Promise.all([stack.up(), deploy]);
        const out = up.stdout + up.stderr;
        expect(d.code, d.stdout + d.stderr).to.equal(0);
        expect(up.code, out).to.equal(0);
        expect(out, out).to.match(
            new RegExp(
                `dokku-shared-cache: app ${app}: a deploy is running \\(git:from-image build \\S+ \\(pid \\d+, started [0-9T:-]+Z\\)\\); waiting for it to finish before changing the app's mounts and env`,
            ),
        );
        expect(out).to.contain(`dokku-shared-cache: app ${app}: the deploy finished (waited `);
        const built = last(app, "git:from-image");
        expect(built).to.include({ status: "succeeded", exit_code: 0 });
        const restart = last(app, "ps:restart");
        expect(Date.parse(restart.started_at)).to.be.at.least(Date.parse(built.finished_at!));
        expect(h.restarts()).to.deep.equal([["ps:restart", app]]);
        const c = running(app);
        expect(c.env).to.include(PIP);
        expect(c.binds).to.include(`${path.join(h.sharedRoot, "pip")}:/root/.cache/pip`);
        h.destroyApp(app);
    });

    it("a deploy that starts right after up's write (before its restart): the restart waits and runs after it", async () => {
        const app = h.createApp("race", { image: LOCAL_IMAGE, checks: true });
        configure(app, { maxParallelRestarts: 1 });
        // Another restart holds the host's only restart slot, so up's converge stops between its
        // write and its restart; the deploy starts there.
        const slot = path.join(h.stateDir, "locks", "restart.1");
        fs.mkdirSync(path.dirname(slot), { recursive: true, mode: 0o700 });
        const holder = spawn("flock", [slot, "sleep", "900"], { stdio: "ignore", detached: true });
        const release = () => {
            if (holder.exitCode === null && holder.signalCode === null)
                process.kill(-holder.pid!, "SIGTERM");
        };
        try {
            h.clearCalls();
            const upDone = stack.up();
            while (h.env(app).PIP_CACHE_DIR === undefined) await sleep(500);
            const deploy = deployInBackground(app);
            await untilDeploying(app);
            release();
            const [up, d] = await Promise.all([upDone, deploy]);
            const out = up.stdout + up.stderr;
            expect(d.code, d.stdout + d.stderr).to.equal(0);
            expect(up.code, out).to.equal(0);
            expect(out, out).to.match(
                new RegExp(
                    `dokku-shared-cache: app ${app}: a deploy is running \\(git:from-image build [^)]+\\)\\); waiting for it to finish before the restart`,
                ),
            );
            const built = last(app, "git:from-image");
            expect(built).to.include({ status: "succeeded", exit_code: 0 });
            const restart = last(app, "ps:restart");
            expect(Date.parse(restart.started_at)).to.be.at.least(Date.parse(built.finished_at!));
            const c = running(app);
            expect(c.env).to.include(PIP);
            expect(c.binds).to.include(`${path.join(h.sharedRoot, "pip")}:/root/.cache/pip`);
        } finally {
            release();
        }
        h.destroyApp(app);
    });

    it("a deploy that starts while up's restart runs (the limit: not serialized): both succeed, the app runs with the mounts and env", async () => {
        const app = h.createApp("during", { image: LOCAL_IMAGE, checks: true });
        configure(app);
        h.clearCalls();
        const upDone = stack.up();
        // The observing wrapper logs a call before Dokku runs it.
        while (!h.calls().some((c) => c.includes("ps:restart"))) await sleep(100);
        const deploy = deployInBackground(app);
        const [up, d] = await Promise.all([upDone, deploy]);
        const out = up.stdout + up.stderr;
        expect(d.code, d.stdout + d.stderr).to.equal(0);
        expect(up.code, out).to.equal(0);
        const built = last(app, "git:from-image");
        expect(built).to.include({ status: "succeeded", exit_code: 0 });
        // The deploy began before up's restart ended: the two overlapped.
        const restart = last(app, "ps:restart");
        expect(Date.parse(built.started_at)).to.be.below(Date.parse(restart.finished_at!));
        const c = running(app);
        expect(c.env).to.include(PIP);
        expect(c.binds).to.include(`${path.join(h.sharedRoot, "pip")}:/root/.cache/pip`);
        h.destroyApp(app);
    });

    it("an app deployed with no build record (as one deployed before Dokku 0.38 kept them): up asks ps:report --deployed, then checks for a deploy and restarts it as before", async () => {
        const app = h.createApp("norecord", { image: LOCAL_IMAGE });
        // Dokku 0.38.27 keeps them in $DOKKU_LIB_ROOT/data/builds/APP (plugins/builds AppDataDir).
        fs.rmSync(path.join("/var/lib/dokku/data/builds", app), { recursive: true, force: true });
        expect(records(app)).to.deep.equal([]);
        expect(h.must("ps:report", app, "--deployed").stdout.trim()).to.equal("true");
        configure(app);
        h.clearCalls();
        const up = await stack.up();
        expect(up.code, up.stdout + up.stderr).to.equal(0);
        const asked = h
            .calls()
            .map((c) => c.filter((a) => !a.startsWith("-")))
            .filter(
                (c) => ["builds:list", "ps:report", "ps:restart"].includes(c[0]) && c[1] === app,
            )
            .map((c) => c.join(" "));
        expect(asked).to.deep.equal([
            `builds:list ${app} json`,
            `ps:report ${app}`,
            `builds:list ${app} json`,
            `ps:restart ${app}`,
        ]);
        expect(h.restarts()).to.deep.equal([["ps:restart", app]]);
        const c = running(app);
        expect(c.env).to.include(PIP);
        expect(c.binds).to.include(`${path.join(h.sharedRoot, "pip")}:/root/.cache/pip`);
        h.destroyApp(app);
    });

    it("still deploying after deployWaitSeconds: up names the app and why, changes nothing; the next up converges", async () => {
        const app = h.createApp("skip", { image: LOCAL_IMAGE, checks: true });
        configure(app, { deployWaitSeconds: 2 });
        const deploy = deployInBackground(app, slowUntilPip);
        await untilDeploying(app);
        h.clearCalls();
        const up = await stack.up();
        const out = up.stdout + up.stderr;
        expect(up.code, out).to.not.equal(0);
        expect(out, out).to.match(
            new RegExp(
                `dokku-shared-cache: app ${app}: skipped: a deploy of the app is still running after 2s \\(git:from-image build [^)]+\\)\\)\\. Nothing was changed on this app; the next pulumi up converges it \\(or raise deployWaitSeconds\\)\\.`,
            ),
        );
        expect(h.writes()).to.deep.equal([]);
        const d = await deploy;
        expect(d.code, d.stdout + d.stderr).to.equal(0);
        expect(running(app).env).to.not.have.property("PIP_CACHE_DIR");
        h.clearCalls();
        const again = await stack.up();
        expect(again.code, again.stdout + again.stderr).to.equal(0);
        expect(h.restarts()).to.deep.equal([["ps:restart", app]]);
        expect(running(app).env).to.include(PIP);
        h.destroyApp(app);
    });
});
