/**
 * Issue 12 on the real Dokku 0.38.27 (testkit/real-dokku.sh), through the real engine over our
 * loopback sshd. Dokku's install trigger (plugins/builder/install-builder-prune, v0.38.27) put its
 * own `docker-builder-prune` on this host: the cron entry `/etc/cron.d/docker-builder-prune`
 * (this machine runs no systemd). The test shows that `verify` reports it as found; that
 * `buildCache.dokkuPrune: keep` leaves it, `disable` moves it aside while our job is installed
 * and `destroy` puts it back byte for byte with its mode; that the installed job, run here,
 * bounds a shared cache and prunes the real daemon's build cache; and that
 * `npm run purge-app-cache` removes the app's herokuish volume through the real
 * `dokku repo:purge-cache` and its pack volumes, and nothing of another app.
 *
 * The stack uses the host's real cron directory (`hostPaths.cronDir: /etc/cron.d`); every other
 * host path is a temp dir. `after` puts Dokku's entry back if a failed step left it moved.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { verifyHost } from "../../cli/verify";
import { RawSettings } from "../../config";
import { parseCachePruneResults } from "../../host/cache-prune";
import { configJson, runTs } from "../../testkit/apply";
import { PulumiStack } from "../../testkit/pulumi-stack";
import { ROOT_LOGIN_PATH, RealDokkuHost } from "../../testkit/real-dokku-host";
import { E2E_ENV, ok } from "../e2e/world";

const CRON_DIR = "/etc/cron.d";
const DOKKU_CRON = path.join(CRON_DIR, "docker-builder-prune");
const OUR_CRON = path.join(CRON_DIR, "dokku-shared-cache-prune");

describe("real Dokku 0.38.27: its docker-builder-prune, our bounds, purge-app-cache", function () {
    this.timeout(15 * 60_000);
    let h: RealDokkuHost;
    let stack: PulumiStack;
    let app: string;
    let other: string;
    let original: { text: string; mode: number };
    const raw = (buildCache: Record<string, unknown>): RawSettings =>
        ({
            connection: h.connection(),
            sharedRoot: h.sharedRoot,
            stateDir: h.stateDir,
            hostPaths: { ...h.hostPaths(), cronDir: CRON_DIR },
            caches: { pip: { maxSize: "200kB" } },
            buildCache: { schedule: "daily", ...buildCache },
            apps: [{ name: app, caches: ["pip"] }],
        }) as RawSettings;
    const dokkuPrune = async (r: RawSettings) =>
        (await verifyHost(r, h.clientKey)).accounting.dokkuPrune;

    before(async function () {
        if (!fs.existsSync(DOKKU_CRON)) {
            throw new Error(
                `${DOKKU_CRON} missing: Dokku's install trigger writes it (no systemd)`,
            );
        }
        const st = fs.statSync(DOKKU_CRON);
        original = { text: fs.readFileSync(DOKKU_CRON, "utf8"), mode: st.mode };
        h = new RealDokkuHost();
        await h.start();
        app = h.createApp("bounds");
        other = h.createApp("console");
        stack = await PulumiStack.create({ stack: "bounds", env: E2E_ENV });
        await stack.setSecret("privateKey", h.clientKey);
    });
    after(async () => {
        // Whatever failed: Dokku's entry back as it was, ours gone.
        const saved = h && path.join(h.stateDir, "dokku-prune.cron");
        if (original && !fs.existsSync(DOKKU_CRON)) {
            fs.writeFileSync(DOKKU_CRON, original.text, { mode: original.mode & 0o7777 });
        }
        if (saved && fs.existsSync(saved)) fs.rmSync(saved);
        fs.rmSync(OUR_CRON, { force: true });
        for (const v of h ? volumes().filter((n) => n.includes(app) || n.includes("c_o_n")) : [])
            h.docker("volume", "rm", "-f", v);
        if (stack) stack.cleanup();
        if (h) await h.stop();
    });
    const volumes = () =>
        h.docker("volume", "ls", "--format", "{{.Name}}").split("\n").filter(Boolean).sort();

    it("the contents Dokku wrote are install-builder-prune's cron body (no systemd here)", () => {
        expect(original.text).to.match(
            /^PATH=\/usr\/local\/bin:\/usr\/bin:\/bin\nSHELL=\/bin\/bash\n\n5 4 \* \* \* dokku \S*docker builder prune >>\/var\/log\/dokku\/builder-prune\.log 2>&1\n$/,
        );
    });

    it("verify reports Dokku's prune as found (cron); keep installs ours beside it, untouched", async () => {
        expect(await dokkuPrune(raw({ dokkuPrune: "keep" }))).to.deep.equal({
            found: "cron",
            disabledByUs: false,
        });
        stack.setConfig(raw({ dokkuPrune: "keep" }) as Record<string, unknown>);
        ok(await stack.up());
        expect(fs.readFileSync(OUR_CRON, "utf8")).to.contain("dokku-shared-cache-prune");
        expect(fs.readFileSync(DOKKU_CRON, "utf8")).to.equal(original.text);
        expect(await dokkuPrune(raw({ dokkuPrune: "keep" }))).to.deep.equal({
            found: "cron",
            disabledByUs: false,
        });
    });

    it("disable moves Dokku's entry aside, verify says so; a second up changes nothing", async () => {
        stack.setConfig(raw({ dokkuPrune: "disable" }) as Record<string, unknown>);
        ok(await stack.up());
        expect(fs.existsSync(DOKKU_CRON)).to.equal(false);
        expect(await dokkuPrune(raw({ dokkuPrune: "disable" }))).to.deep.equal({
            found: "none",
            disabledByUs: true,
        });
        ok(await stack.up("--expect-no-changes"));
        expect(fs.existsSync(DOKKU_CRON)).to.equal(false);
    });

    it("the installed job, run here, bounds the shared cache and prunes the real daemon's build cache", () => {
        const dir = path.join(h.sharedRoot, "pip/http-v2");
        fs.mkdirSync(dir, { recursive: true });
        for (let i = 0; i < 8; i++) {
            const f = path.join(dir, `f${i}`);
            fs.writeFileSync(f, Buffer.alloc(100_000, 1));
            const t = Date.now() / 1000 - (10 - i) * 86400;
            fs.utimesSync(f, t, t);
        }
        const out = execFileSync(path.join(h.stateDir, "bin/dokku-shared-cache-prune"), {
            encoding: "utf8",
            env: { PATH: ROOT_LOGIN_PATH, DOCKER_HOST: h.dockerHost, LC_ALL: "C.UTF-8" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        const [pip] = parseCachePruneResults(out);
        expect(pip).to.include({ cache: "pip", status: "ok" });
        expect(pip.after).to.be.at.most(200_000);
        expect(out).to.match(/DOKKU_SHARED_CACHE_RESULT \{"variant":"[a-z-]+","engine":"\d+\./);
    });

    it("destroy puts Dokku's entry back byte for byte, with its mode; ours is gone", async () => {
        ok(await stack.destroy());
        expect(fs.readFileSync(DOKKU_CRON, "utf8")).to.equal(original.text);
        expect(fs.statSync(DOKKU_CRON).mode).to.equal(original.mode);
        expect(fs.existsSync(OUR_CRON)).to.equal(false);
        expect(await dokkuPrune(raw({ dokkuPrune: "keep" }))).to.deep.equal({
            found: "cron",
            disabledByUs: false,
        });
    });

    it("purge-app-cache: the app's herokuish volume through repo:purge-cache, its pack volumes; another app's stay", () => {
        // As builder-herokuish (v0.38.27 builder-build) and pack (v0.40.5 NewVolumeCache) name them.
        const hex = (a: string) => crypto.createHash("sha256").update(a).digest("hex").slice(0, 12);
        const mine = [
            `cache-${app}`,
            `pack-cache-dokku_${app}_latest-${hex(app)}.build`,
            `pack-cache-dokku_${app}_latest-${hex(app)}.launch`,
        ];
        const theirs = [
            `cache-${other}`,
            `pack-cache-dokku_${other.replace("con", "c_o_n")}_latest-${hex(other)}.build`,
        ];
        h.docker("volume", "create", "--label=com.dokku.app-name=" + app, mine[0]);
        h.docker("volume", "create", "--label=com.dokku.app-name=" + other, theirs[0]);
        for (const v of [...mine.slice(1), ...theirs.slice(1)]) h.docker("volume", "create", v);
        const cfg = path.join(h.root, "purge-config.json");
        fs.writeFileSync(cfg, configJson(raw({}), h.clientKey), { mode: 0o600 });
        h.clearCalls();
        const r = runTs("cli/purge-app-cache.ts", ["--config-file", cfg, "--app", app, "--yes"]);
        expect(r.code, r.stderr).to.equal(0);
        expect((JSON.parse(r.stdout) as { removed: string[] }).removed.sort()).to.deep.equal(
            [...mine].sort(),
        );
        expect(h.calls().some((c) => c.includes("repo:purge-cache") && c.includes(app))).to.equal(
            true,
        );
        const left = volumes();
        for (const v of mine) expect(left).to.not.include(v);
        for (const v of theirs) expect(left).to.include(v);
    });
});
