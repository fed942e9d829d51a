/**
 * The program's whole life on a real Dokku 0.38.27 (testkit/real-dokku.sh) through the real
 * engine (testkit/pulumi-stack.ts), reached over our loopback sshd as root exactly as a
 * production host is (testkit/real-dokku-host.ts). Three apps: two deployed from the local
 * busybox image (real builds, real containers), one never deployed. Writes are the `dokku`
 * calls the program made (logged by the PATH wrapper), state is read back from Dokku and
 * Docker, restarts are seen as replaced containers.
 *
 * Run with `npm run test:dokku` (installs Dokku, runs, uninstalls).
 */
import { expect } from "chai";
import * as path from "path";
import { storageEntryName } from "../../host/storage-entries";
import { PulumiStack } from "../../testkit/pulumi-stack";
import { LOCAL_IMAGE, RealDokkuHost } from "../../testkit/real-dokku-host";
import { E2E_ENV, changes, ok, previewJson } from "../e2e/world";

/** Two of the default caches (README: host dir, container path, env). */
const CACHES = {
    pip: { dir: "pip", containerPath: "/root/.cache/pip", env: "PIP_CACHE_DIR" },
    npm: { dir: "npm", containerPath: "/root/.cache/npm", env: "NPM_CONFIG_CACHE" },
};

describe("real Dokku 0.38.27: converge, no-op, drift, removal, destroy", function () {
    this.timeout(15 * 60_000);
    let h: RealDokkuHost;
    let stack: PulumiStack;
    let api: string; // deployed, holds the user's own values
    let web: string; // deployed
    let idle: string; // never deployed
    const initial: Record<string, Record<string, string>> = {};
    const started: Record<string, string[]> = {};
    const dir = (d: string) => path.join(h.sharedRoot, d);
    /** The named storage entry the program registers for a cache (host/storage-entries.ts). */
    const entry = (c: keyof typeof CACHES) => storageEntryName(c, dir(CACHES[c].dir));
    const mountsFor = (...d: (keyof typeof CACHES)[]) =>
        d.map((c) => `${dir(CACHES[c].dir)}:${CACHES[c].containerPath}`).sort();
    const envFor = (...d: (keyof typeof CACHES)[]) =>
        Object.fromEntries(d.map((c) => [CACHES[c].env, CACHES[c].containerPath]));
    const config = (apps: unknown[]) => ({
        connection: h.connection(),
        sharedRoot: h.sharedRoot,
        stateDir: h.stateDir,
        hostPaths: h.hostPaths(),
        caches: { pip: true, npm: true },
        buildCache: false,
        apps,
    });
    /** The program's deploy checks and restarts of one app: `subcommand app [value]`, flags dropped. */
    const deployChecks = (app: string) =>
        h
            .calls()
            .map((c) => c.filter((a) => !a.startsWith("-")))
            .filter(
                (c) => ["builds:list", "ps:report", "ps:restart"].includes(c[0]) && c[1] === app,
            )
            .map((c) => c.join(" "));
    /** `subcommand app` of each write the program made since the log was cleared. */
    const writes = () =>
        h.writes().map((c) => {
            const args = c.filter((a) => !a.startsWith("-"));
            return `${args[0]} ${args[1]}`;
        });

    before(async () => {
        h = new RealDokkuHost();
        await h.start();
        h.globalSetup();
        api = h.createApp("api", { image: LOCAL_IMAGE });
        web = h.createApp("web", { image: LOCAL_IMAGE });
        idle = h.createApp("idle");
        h.setEnv(api, { USER_OWN: "kept", GREETING: "hello world" });
        h.setEnv(idle, { USER_IDLE: "1" });
        for (const a of [api, web, idle]) {
            initial[a] = h.env(a);
            started[a] = h.containers(a);
        }
        stack = await PulumiStack.create({ stack: "real", env: E2E_ENV });
        await stack.setSecret("privateKey", h.clientKey);
        stack.setConfig(config([api, web, idle]));
    });
    after(async () => {
        if (stack) stack.cleanup();
        if (h) await h.stop();
    });

    it("deploys from the local image start containers; the never-deployed app has none", () => {
        expect(started[api]).to.have.length(1);
        expect(started[web]).to.have.length(1);
        expect(started[idle]).to.deep.equal([]);
        // What a deploy writes on its own (the program must leave these alone).
        expect(initial[api]).to.include.keys("GIT_REV", "NO_VHOST", "USER_OWN", "GREETING");
    });

    it("up converges every app, restarts the deployed ones, and the new containers carry the caches", async () => {
        h.clearCalls();
        ok(await stack.up());
        for (const a of [api, web, idle]) {
            expect(h.mountSpecs(a), a).to.deep.equal(mountsFor("pip", "npm"));
            expect(h.env(a), a).to.deep.equal({ ...initial[a], ...envFor("pip", "npm") });
        }
        // The program restarts every changed app that is deployed. The never-deployed one has no
        // build record (Dokku 0.38.27 starts one for every deploy and ps:restart), so it is asked
        // ps:report --deployed (false) instead of a second builds:list and a ps:restart that would
        // only print " !     App <app> has not been deployed".
        expect(
            h
                .restarts()
                .map((r) => r[1])
                .sort(),
        ).to.deep.equal([api, web].sort());
        expect(deployChecks(idle)).to.deep.equal([`builds:list ${idle} json`, `ps:report ${idle}`]);
        for (const a of [api, web]) {
            const now = h.containers(a);
            expect(now, `${a} restarted`).to.have.length(1);
            expect(now[0]).not.to.equal(started[a][0]);
            const [info] = JSON.parse(h.docker("inspect", now[0])) as {
                Mounts: { Source: string; Destination: string }[];
                Config: { Env: string[] };
            }[];
            expect(info.Mounts.map((m) => `${m.Source}:${m.Destination}`).sort()).to.deep.equal(
                mountsFor("pip", "npm"),
            );
            expect(info.Config.Env).to.include.members([
                "PIP_CACHE_DIR=/root/.cache/pip",
                "NPM_CONFIG_CACHE=/root/.cache/npm",
                ...(a === api ? ["USER_OWN=kept", "GREETING=hello world"] : []),
            ]);
            started[a] = now;
        }
        expect(h.containers(idle), "a never-deployed app is not started").to.deep.equal([]);
        // Dokku 0.38: one named entry per cache, every app attached by name, no legacy-<hash> entry.
        expect(h.newStorageEntries()).to.deep.equal([entry("pip"), entry("npm")].sort());
        for (const a of [api, web, idle])
            expect(
                h
                    .mounts(a)
                    .map((m) => m.entry_name)
                    .sort(),
                a,
            ).to.deep.equal([entry("pip"), entry("npm")].sort());
    });

    it("a second up makes 0 dokku writes and restarts nothing", async () => {
        h.clearCalls();
        ok(await stack.up("--expect-no-changes"));
        expect(h.writes()).to.deep.equal([]);
        expect(h.restarts()).to.deep.equal([]);
        for (const a of [api, web]) expect(h.containers(a)).to.deep.equal(started[a]);
    });

    it("drift by hand (a mount and an env var removed) is named by preview and repaired by up", async () => {
        h.must("storage:unmount", api, entry("npm"), "--container-dir", "/root/.cache/npm");
        h.must("config:unset", "--no-restart", web, "PIP_CACHE_DIR");
        h.clearCalls();
        const pre = await previewJson(stack);
        ok(pre.r);
        expect(changes(pre.json)).to.deep.equal(
            [`update dokku-app-${api}-converge`, `update dokku-app-${web}-converge`].sort(),
        );
        expect(h.writes(), "a preview writes nothing").to.deep.equal([]);
        h.clearCalls();
        ok(await stack.up());
        expect(writes().sort()).to.deep.equal(
            [
                `storage:mount ${api}`,
                `config:set ${web}`,
                `ps:restart ${api}`,
                `ps:restart ${web}`,
            ].sort(),
        );
        expect(h.mountSpecs(api)).to.deep.equal(mountsFor("pip", "npm"));
        expect(h.env(web)).to.deep.equal({ ...initial[web], ...envFor("pip", "npm") });
        for (const a of [api, web]) {
            expect(h.containers(a)).not.to.deep.equal(started[a]);
            started[a] = h.containers(a);
        }
        h.clearCalls();
        ok(await stack.up("--expect-no-changes"));
        expect(h.writes()).to.deep.equal([]);
    });

    it("a cache dropped from one app is unmounted and unset there only", async () => {
        stack.setConfig(config([api, { name: web, caches: ["pip"] }, idle]));
        h.clearCalls();
        ok(await stack.up());
        // The program also offers the npm entry for destruction; Dokku refuses while api uses it.
        expect(writes().sort()).to.deep.equal(
            [
                `storage:unmount ${web}`,
                `storage:destroy ${entry("npm")}`,
                `config:unset ${web}`,
                `ps:restart ${web}`,
            ].sort(),
        );
        expect(h.newStorageEntries()).to.include(entry("npm"));
        expect(h.mountSpecs(web)).to.deep.equal(mountsFor("pip"));
        expect(h.env(web)).to.deep.equal({ ...initial[web], ...envFor("pip") });
        expect(h.mountSpecs(api)).to.deep.equal(mountsFor("pip", "npm"));
        started[web] = h.containers(web);
    });

    it("an app removed from the stack gets back exactly its own state; the app itself stays", async () => {
        stack.setConfig(config([api, { name: web, caches: ["pip"] }]));
        h.clearCalls();
        ok(await stack.up());
        expect(h.mountSpecs(idle)).to.deep.equal([]);
        expect(h.env(idle)).to.deep.equal(initial[idle]);
        expect(h.dokku("apps:exists", idle).code).to.equal(0);
        const unused = [`storage:destroy ${entry("pip")}`, `storage:destroy ${entry("npm")}`];
        expect(
            writes().every((w) => w.endsWith(` ${idle}`) || unused.includes(w)),
            writes().join(", "),
        ).to.equal(true);
        expect(h.restarts()).to.deep.equal([]);
        expect(deployChecks(idle)).to.deep.equal([`builds:list ${idle} json`, `ps:report ${idle}`]);
        expect(h.containers(idle), "a never-deployed app is not started").to.deep.equal([]);
    });

    it("a configured app missing on the host fails the preview naming it; nothing is changed", async () => {
        const ghost = `dsc-ghost-${Date.now().toString(36)}`;
        const state = [api, web].map((a) => [h.mountSpecs(a), h.env(a)]);
        stack.setConfig(config([api, { name: web, caches: ["pip"] }, ghost]));
        h.clearCalls();
        const pre = await stack.preview();
        expect(pre.code).not.to.equal(0);
        expect(pre.stdout + pre.stderr).to.contain(ghost);
        const up = await stack.up();
        expect(up.code).not.to.equal(0);
        expect(up.stdout + up.stderr).to.contain(ghost);
        expect(h.writes()).to.deep.equal([]);
        expect([api, web].map((a) => [h.mountSpecs(a), h.env(a)])).to.deep.equal(state);
        expect(h.dokku("apps:exists", ghost).code).to.not.equal(0);
        stack.setConfig(config([api, { name: web, caches: ["pip"] }]));
    });

    it("destroy leaves every app as it was before the first up (the user's own values kept)", async () => {
        h.clearCalls();
        ok(await stack.destroy());
        for (const a of [api, web, idle]) {
            expect(h.mountSpecs(a), a).to.deep.equal([]);
            expect(h.env(a), a).to.deep.equal(initial[a]);
        }
        expect(h.env(api)).to.include({ USER_OWN: "kept", GREETING: "hello world" });
        expect(h.newStorageEntries(), "no entry of ours is left").to.deep.equal([]);
        for (const a of [api, web]) expect(h.containers(a), a).to.have.length(1);
    });
});
