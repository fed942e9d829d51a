/**
 * Disk accounting in `npm run verify`, over a real OpenSSH server on loopback with the dokku
 * and docker doubles: Docker's build cache, each shared cache with its bound and last prune,
 * Dokku's herokuish `cache-<app>` and pack cache volumes per app, leftover `<dokkuRoot>/<app>/cache`
 * directories, Dokku's own prune cron entry; exit 1 when a cache is over its bound. And the
 * explicit per-app purge of Dokku's caches (host/purge-app-cache.ts, through `dokku
 * repo:purge-cache` and `docker volume rm`), never touching other apps' or other volumes.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { RawSettings } from "../../config";
import { verifyHost } from "../../cli/verify";
import { parseCachePruneResults } from "../../host/cache-prune";
import { purgeAppCacheScript } from "../../host/purge-app-cache";
import { parseResults } from "../../host/result";
import { formatReport } from "../../report/format";
import { configJson, hostRaw, runTs } from "../../testkit/apply";
import { SshHost } from "../../testkit/ssh-host";

const GB = 1e9;
const PACK_WEB = "pack-cache-dokku_web_latest-0123456789ab.build";
const PACK_WEB_LAUNCH = "pack-cache-dokku_web_latest-0123456789ab.launch";

describe("verify: disk accounting, and the per-app purge (real sshd)", function () {
    this.timeout(120000);
    let h: SshHost;
    let raw: RawSettings;

    function put(rel: string, bytes: number) {
        const f = path.join(h.root, rel);
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, Buffer.alloc(bytes, 7));
    }
    const volumes = () => fs.readdirSync(path.join(h.root, "var/lib/docker/volumes")).sort();

    before(async () => {
        h = new SshHost("0.38");
        await h.start();
        h.createApp("api", true);
        h.createApp("web", true);
        h.seedBuildCache([{ id: "a", size: 3 * GB, hoursAgo: 1 }]);
        put("var/lib/docker/volumes/cache-api/_data/vendor/x", 200_000);
        put(`var/lib/docker/volumes/${PACK_WEB}/_data/layer`, 300_000);
        put(`var/lib/docker/volumes/${PACK_WEB_LAUNCH}/_data/layer`, 1_000);
        put("var/lib/docker/volumes/pgdata/_data/base", 5_000);
        put("home/dokku/api/cache/old-slug", 50_000);
        fs.mkdirSync(h.hostPaths().cronDir, { recursive: true });
        fs.writeFileSync(
            path.join(h.hostPaths().cronDir, "docker-builder-prune"),
            "5 4 * * * dokku /usr/bin/docker builder prune\n",
        );
        raw = hostRaw(h, {
            apps: [{ name: "api", caches: ["pip"] }],
            caches: { pip: { maxSize: "100kB" }, npm: true },
            buildCache: { schedule: "daily" },
        });
    });
    after(async () => h.stop());

    it("accounts for every cache byte; a cache over its bound is a problem (exit 1), then the job fixes it", async () => {
        put("var/lib/dokku/data/shared/pip/http-v2/a", 150_000);
        put("var/lib/dokku/data/shared/npm/_cacache/content-v2/b", 10_000);
        const r = await verifyHost(raw, h.clientKey);
        const pip = r.caches.find((c) => c.name === "pip")!;
        expect(pip).to.include({ maxBytes: 100_000, prune: "pip", overBound: true });
        expect(pip.lastPruned).to.equal(null);
        expect(r.caches.find((c) => c.name === "npm")).to.include({
            maxBytes: 2e9,
            overBound: false,
        });
        expect(
            r.problems.some((p) => p.startsWith("cache pip:") && p.includes("over its bound")),
            r.problems.join("; "),
        ).to.equal(true);
        const a = r.accounting;
        expect(a.buildCache.totalBytes).to.equal(3 * GB);
        const byName = Object.fromEntries(a.volumes.map((v) => [v.name, v]));
        expect(Object.keys(byName).sort()).to.deep.equal(
            ["cache-api", PACK_WEB, PACK_WEB_LAUNCH].sort(),
        );
        expect(byName["cache-api"]).to.include({ kind: "herokuish", app: "api" });
        expect(byName[PACK_WEB]).to.include({ kind: "pack", app: "web" });
        expect(byName["cache-api"].bytes).to.be.at.least(200_000);
        expect(a.leftoverDirs.map((l) => l.path)).to.deep.equal([
            path.join(h.root, "home/dokku/api/cache"),
        ]);
        expect(a.dokkuPrune).to.deep.equal({ found: "cron", disabledByUs: false });
        const sum =
            3 * GB +
            a.sharedCachesBytes +
            a.volumes.reduce((n, v) => n + (v.bytes ?? 0), 0) +
            a.leftoverDirs[0].bytes;
        expect(a.totalBytes).to.equal(sum);
        const text = formatReport(r);
        expect(text).to.contain("DISK ACCOUNTING").and.contain("OVER BOUND");
        expect(text).to.contain(`herokuish volume (app api)`).and.contain("leftover app cache dir");

        const cfgFile = path.join(h.root, "stack-config.json");
        fs.writeFileSync(cfgFile, configJson(raw, h.clientKey), { mode: 0o600 });
        const cli = runTs("cli/verify.ts", ["--config-file", cfgFile, "--json"]);
        expect(cli.code, cli.stderr).to.equal(1);
        expect(JSON.parse(cli.stdout).accounting.volumes).to.have.length(3);

        // The job (as installed by up) brings pip under its bound; verify then shows when.
        const { scheduleInstallScript } = await import("../../host/build-cache");
        const { validateSettings } = await import("../../config");
        const { buildDesiredState, cachePruneTargets } = await import("../../model/desired-state");
        const d = buildDesiredState(validateSettings({ ...raw, privateKey: h.clientKey }));
        expect(
            h.sh(
                scheduleInstallScript(
                    d.buildCache!,
                    { stateDir: h.stateDir, paths: h.hostPaths() },
                    cachePruneTargets(d.dirs),
                ),
            ).code,
        ).to.equal(0);
        const run = h.sh(path.join(h.stateDir, "bin/dokku-shared-cache-prune"));
        expect(run.code, run.stderr).to.equal(0);
        expect(parseCachePruneResults(run.stdout).find((x) => x.cache === "pip")).to.include({
            status: "ok",
        });
        const after = await verifyHost(raw, h.clientKey);
        const pip2 = after.caches.find((c) => c.name === "pip")!;
        expect(pip2.overBound).to.equal(false);
        expect(pip2.lastPruned).to.include({ status: "ok" });
        expect(after.problems.filter((p) => p.startsWith("cache "))).to.deep.equal([]);
    });

    it("purge-app-cache: removes only that app's herokuish/pack volumes, through Dokku for herokuish", () => {
        const api = h.sh(purgeAppCacheScript("api"));
        expect(api.code, api.stderr).to.equal(0);
        expect(parseResults(api.stdout)[0]).to.deep.equal({
            app: "api",
            removed: ["cache-api"],
            failed: [],
        });
        expect(h.log().some((i) => i.cmd === "repo:purge-cache" && i.args[0] === "api")).to.equal(
            true,
        );
        expect(volumes()).to.deep.equal([PACK_WEB, PACK_WEB_LAUNCH, "pgdata"]);
        // The CLI, over SSH: refuses without --yes or with a bad app name, before connecting.
        const cfgFile = path.join(h.root, "stack-config.json");
        fs.writeFileSync(cfgFile, configJson(raw, h.clientKey), { mode: 0o600 });
        const cli = (...a: string[]) =>
            runTs("cli/purge-app-cache.ts", ["--config-file", cfgFile, ...a]);
        const noYes = cli("--app", "web");
        expect(noYes.code).to.equal(2);
        expect(noYes.stderr).to.contain("refusing to purge without --yes");
        const bad = cli("--app", "We;b", "--yes");
        expect(bad.code).to.equal(2);
        expect(bad.stderr).to.contain('--app "We;b": must begin with a lowercase letter');
        expect(volumes()).to.include(PACK_WEB);
        const web = cli("--app", "web", "--yes");
        expect(web.code, web.stderr).to.equal(0);
        expect(JSON.parse(web.stdout).removed).to.deep.equal([PACK_WEB, PACK_WEB_LAUNCH]);
        expect(volumes()).to.deep.equal(["pgdata"]);
        const again = h.sh(purgeAppCacheScript("web"));
        expect(parseResults(again.stdout)[0]).to.deep.include({ removed: [] });
        const missing = h.sh(purgeAppCacheScript("nope"));
        expect(missing.code).to.equal(20);
        expect(missing.stderr).to.contain("app nope does not exist");
        expect(volumes()).to.deep.equal(["pgdata"]);
    });
});
