/**
 * Named storage entries on the real Dokku 0.38.27 (testkit/real-dokku.sh) through the real
 * engine: a host where this program's previous release made colon mounts (its `storage:mount
 * APP HOST:CONTAINER` calls and its ledger) migrates to one entry per cache with at most one
 * restart per app, also when the first attempt is cut after the colon unmounts (a real Dokku
 * failure: storage:create, run as the dokku user, cannot stat the cache directory); the
 * legacy-<hash> entries Dokku made for those mounts are cleaned, the user's own mount and its
 * entry stay; then a no-op; destroy leaves no attachment and no entry of ours, and the data.
 *
 * Run with `flock /tmp/dsc-real-dokku.lock npm run test:dokku -- --grep "named storage"`.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { storageEntryName } from "../../host/storage-entries";
import { PulumiStack } from "../../testkit/pulumi-stack";
import { LOCAL_IMAGE, RealDokkuHost } from "../../testkit/real-dokku-host";
import { E2E_ENV, ok } from "../e2e/world";

const CACHES = {
    pip: { containerPath: "/root/.cache/pip", env: "PIP_CACHE_DIR" },
    npm: { containerPath: "/root/.cache/npm", env: "NPM_CONFIG_CACHE" },
};
type Cache = keyof typeof CACHES;

describe("real Dokku 0.38.27: named storage entries, migration from colon mounts, destroy", function () {
    this.timeout(15 * 60_000);
    let h: RealDokkuHost;
    let stack: PulumiStack;
    let api: string; // pip + npm, and the user's own mount
    let web: string; // pip
    let userData: string;
    const want: Record<string, Cache[]> = {};
    const dir = (c: Cache) => path.join(h.sharedRoot, c);
    const entry = (c: Cache) => storageEntryName(c, dir(c));
    const spec = (c: Cache) => `${dir(c)}:${CACHES[c].containerPath}`;
    const config = () => ({
        connection: h.connection(),
        sharedRoot: h.sharedRoot,
        stateDir: h.stateDir,
        hostPaths: h.hostPaths(),
        caches: { pip: true, npm: true },
        buildCache: false,
        apps: [api, { name: web, caches: ["pip"] }],
    });
    const ourMounts = (a: string) =>
        h
            .mounts(a)
            .filter((m) => m.container_path !== "/data")
            .map((m) => `${m.entry_name}@${m.host_path}:${m.container_path}`)
            .sort();
    const named = (a: string) => want[a].map((c) => `${entry(c)}@${spec(c)}`).sort();
    const restartsOf = (a: string) => h.restarts().filter((r) => r[1] === a).length;

    before(async () => {
        h = new RealDokkuHost();
        await h.start();
        h.globalSetup();
        api = h.createApp("mig-api", { image: LOCAL_IMAGE });
        web = h.createApp("mig-web", { image: LOCAL_IMAGE });
        want[api] = ["npm", "pip"];
        want[web] = ["pip"];
        userData = path.join(h.root, "user-data");
        fs.mkdirSync(userData, { recursive: true });
        h.must("storage:mount", api, `${userData}:/data`);
        // What the previous release left: the cache directories, its colon mounts and env,
        // and its ledger ({mounts: [{h, c, ro}], env: {K: {ours, prev}}}, host/app-converge.ts
        // at 4cea608).
        fs.mkdirSync(path.join(h.stateDir, "apps"), { recursive: true });
        for (const a of [api, web]) {
            for (const c of want[a]) {
                fs.mkdirSync(dir(c), { recursive: true });
                h.must("storage:mount", a, spec(c));
            }
            const env = Object.fromEntries(
                want[a].map((c) => [CACHES[c].env, CACHES[c].containerPath]),
            );
            h.setEnv(a, env);
            fs.writeFileSync(
                path.join(h.stateDir, "apps", `${a}.json`),
                JSON.stringify({
                    mounts: want[a].map((c) => ({
                        h: dir(c),
                        c: CACHES[c].containerPath,
                        ro: false,
                    })),
                    env: Object.fromEntries(
                        Object.entries(env).map(([k, v]) => [k, { ours: v, prev: null }]),
                    ),
                    pendingRestart: false,
                    repair: 0,
                }),
            );
        }
        fs.writeFileSync(path.join(dir("pip"), "wheel.whl"), "cached data");
        stack = await PulumiStack.create({ stack: "entries", env: E2E_ENV });
        await stack.setSecret("privateKey", h.clientKey);
        stack.setConfig(config());
    });
    after(async () => {
        if (stack) stack.cleanup();
        if (h) await h.stop();
    });

    it("the seeded host has Dokku's legacy-<hash> entries for the colon mounts", () => {
        expect(h.newStorageEntries()).to.have.length(3); // pip, npm, user-data
        for (const a of [api, web])
            expect(h.mounts(a).every((m) => (m.entry_name ?? "").startsWith("legacy-"))).to.equal(
                true,
            );
    });

    it("a migration cut after the colon unmounts fails naming the app and Dokku's cause, restarting nothing", async () => {
        // The dokku user can no longer reach the cache directories: storage:create fails.
        fs.chmodSync(h.sharedRoot, 0o700);
        h.clearCalls();
        const up = await stack.up();
        fs.chmodSync(h.sharedRoot, 0o755);
        expect(up.code).not.to.equal(0);
        const said = up.stdout + up.stderr;
        expect(said).to.match(new RegExp(`app (${api}|${web}): creating storage entry dsc-`));
        expect(said).to.contain("permission denied");
        expect(h.restarts()).to.deep.equal([]);
        for (const a of [api, web]) expect(ourMounts(a), a).to.deep.equal([]);
        expect(h.mountSpecs(api)).to.deep.equal([`${userData}:/data`]);
    });

    it("the next up finishes the migration: named attachments, one restart per app, legacy entries of ours gone", async () => {
        const before = { [api]: h.containers(api), [web]: h.containers(web) };
        h.clearCalls();
        ok(await stack.up());
        for (const a of [api, web]) {
            expect(ourMounts(a), a).to.deep.equal(named(a));
            expect(restartsOf(a), `${a} restarts`).to.equal(1);
            const now = h.containers(a);
            expect(now).to.have.length(1);
            expect(now[0]).not.to.equal(before[a][0]);
            const [info] = JSON.parse(h.docker("inspect", now[0])) as {
                Mounts: { Source: string; Destination: string; RW: boolean }[];
            }[];
            expect(
                info.Mounts.filter((m) => m.Destination !== "/data")
                    .map((m) => `${m.Source}:${m.Destination}`)
                    .sort(),
            ).to.deep.equal(want[a].map(spec).sort());
        }
        expect(h.mountSpecs(api)).to.include(`${userData}:/data`);
        const left = h.storageEntries().filter((e) => h.newStorageEntries().includes(e.name));
        expect(left.map((e) => `${e.name} ${e.host_path}`).sort()).to.deep.equal(
            [
                `${entry("pip")} ${dir("pip")}`,
                `${entry("npm")} ${dir("npm")}`,
                ...left.filter((e) => e.host_path === userData).map((e) => `${e.name} ${userData}`),
            ].sort(),
        );
        expect(left.filter((e) => e.host_path === userData)).to.have.length(1);
        expect(left.filter((e) => e.name.startsWith("legacy-"))).to.have.length(1);
    });

    it("then a no-op: no dokku write, no restart", async () => {
        h.clearCalls();
        ok(await stack.up("--expect-no-changes"));
        expect(h.writes()).to.deep.equal([]);
        expect(h.restarts()).to.deep.equal([]);
    });

    it("destroy detaches, destroys the entries it made, keeps the data and the user's mount", async () => {
        h.clearCalls();
        ok(await stack.destroy());
        for (const a of [api, web]) expect(ourMounts(a), a).to.deep.equal([]);
        expect(h.mountSpecs(api)).to.deep.equal([`${userData}:/data`]);
        const names = h.newStorageEntries();
        expect(names).to.have.length(1);
        expect(names[0].startsWith("legacy-")).to.equal(true); // the user's
        expect(fs.readFileSync(path.join(dir("pip"), "wheel.whl"), "utf8")).to.equal("cached data");
        for (const a of [api, web]) expect(h.env(a)).not.to.have.property("PIP_CACHE_DIR");
    });
});
