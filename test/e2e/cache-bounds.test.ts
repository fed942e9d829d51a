/**
 * Issue 12 with the real engine (CLI, Node.js language host, command provider 1.2.1) against a
 * real OpenSSH server on loopback with the dokku/docker doubles: a stack with cache bounds →
 * `pulumi up` installs the prune job (cron here: the test host has no systemd); running the
 * installed job shrinks a seeded cache under its bound and leaves an under-bound one alone;
 * `verify` reports the accounting (bound, last prune, Dokku's volumes); `pulumi destroy` removes
 * the job and keeps the cache data.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { verifyHost } from "../../cli/verify";
import { parseCachePruneResults } from "../../host/cache-prune";
import { World, cachePath, endWorld, hostConfig, makeWorld, ok } from "./world";

describe("e2e shared cache bounds (real engine)", function () {
    this.timeout(600000);
    let w: World;
    const bin = () => path.join(w.host.stateDir, "bin/dokku-shared-cache-prune");
    const cron = () => path.join(w.host.hostPaths().cronDir, "dokku-shared-cache-prune");
    const put = (rel: string, bytes: number, ageDays: number) => {
        const f = path.join(w.host.root, rel);
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, Buffer.alloc(bytes, 3));
        const t = Date.now() / 1000 - ageDays * 86400;
        fs.utimesSync(f, t, t);
    };

    before(async () => {
        w = await makeWorld("0.38");
        w.host.createApp("api", true);
        w.host.seedBuildCache([{ id: "x", size: 2e9, hoursAgo: 1 }]);
        put("var/lib/docker/volumes/cache-api/_data/v", 10_000, 1);
    });
    after(async () => endWorld(w));

    it("up installs the job; the job bounds the caches; verify accounts; destroy removes the job, keeps the data", async () => {
        const raw = hostConfig(w.host, {
            apps: [{ name: "api", caches: ["pip", "npm"] }],
            caches: { pip: { maxSize: "200kB" }, npm: true },
            buildCache: { schedule: "daily" },
        });
        w.stack.setConfig(raw);
        ok(await w.stack.up());
        expect(fs.readFileSync(cron(), "utf8")).to.contain(bin());
        expect(fs.readFileSync(bin(), "utf8")).to.contain("dsc_cache 'pip'");

        for (let i = 0; i < 10; i++)
            put(`var/lib/dokku/data/shared/pip/http-v2/${i}`, 100_000, 10 - i);
        put("var/lib/dokku/data/shared/npm/_cacache/content-v2/a", 50_000, 1);
        const npmBefore = fs.readdirSync(cachePath(w.host, "npm/_cacache/content-v2"));
        const over = await verifyHost(raw as never, w.host.clientKey);
        expect(over.caches.find((c) => c.name === "pip")!.overBound).to.equal(true);
        expect(over.inSync).to.equal(false);

        const run = w.host.sh(bin());
        expect(run.code, run.stderr).to.equal(0);
        const res = parseCachePruneResults(run.stdout);
        const pip = res.find((r) => r.cache === "pip")!;
        expect(pip.status).to.equal("ok");
        expect(pip.before).to.be.greaterThan(1_000_000);
        expect(pip.after).to.be.at.most(200_000);
        expect(fs.readdirSync(cachePath(w.host, "npm/_cacache/content-v2"))).to.deep.equal(
            npmBefore,
        );

        const r = await verifyHost(raw as never, w.host.clientKey);
        const pipRow = r.caches.find((c) => c.name === "pip")!;
        expect(pipRow).to.include({ overBound: false, maxBytes: 200_000 });
        expect(pipRow.lastPruned).to.include({ status: "ok" });
        expect(r.accounting.volumes.map((v) => [v.name, v.app])).to.deep.equal([
            ["cache-api", "api"],
        ]);
        expect(r.accounting.buildCache.totalBytes, "under its own bounds: kept").to.equal(2e9);
        expect(r.inSync, r.problems.join("; ")).to.equal(true);

        // buildCache.cachesPruneNow: the one-off pass runs during `up`, not Docker's prune.
        for (let i = 10; i < 20; i++)
            put(`var/lib/dokku/data/shared/pip/http-v2/${i}`, 100_000, 30 - i);
        const bcBefore = w.host.buildCache();
        w.stack.setConfig({
            ...raw,
            buildCache: { schedule: "daily", cachesPruneNow: true },
        });
        const now = ok(await w.stack.up());
        const pipNow = await verifyHost(raw as never, w.host.clientKey);
        expect(pipNow.caches.find((c) => c.name === "pip")).to.include({ overBound: false });
        expect(pipNow.caches.find((c) => c.name === "pip")!.bytes).to.be.at.most(200_000);
        expect(w.host.buildCache(), "Docker's build cache: not this pass").to.deep.equal(bcBefore);
        expect(now.stdout + now.stderr).to.contain("caches-prune-now");
        ok(await w.stack.up("--expect-no-changes"));

        const left = fs.readdirSync(cachePath(w.host, "pip/http-v2")).sort();
        ok(await w.stack.destroy());
        expect(fs.existsSync(cron()), "job removed").to.equal(false);
        expect(fs.existsSync(bin()), "script removed").to.equal(false);
        expect(fs.readdirSync(cachePath(w.host, "pip/http-v2")).sort(), "data kept").to.deep.equal(
            left,
        );
        expect(fs.readdirSync(cachePath(w.host, "npm/_cacache/content-v2"))).to.deep.equal(
            npmBefore,
        );
    });
});
