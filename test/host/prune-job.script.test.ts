/**
 * The scheduled prune job as installed (host/build-cache.ts with the shared-cache pass of
 * host/cache-prune.ts), run by real /bin/sh against the docker double: it brings the shared
 * caches under their bounds and prunes Docker's build cache, one run at a time
 * (`<stateDir>/prune.lock`), and handles Dokku's own `docker-builder-prune` cron entry (as
 * plugins/builder/install-builder-prune in dokku v0.38.27 writes it where systemd is absent).
 */
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BuildCacheSpec } from "../../config";
import {
    BuildCacheScriptOptions,
    scheduleInstallScript,
    scheduleRemoveScript,
} from "../../host/build-cache";
import { CachePruneTarget, parseCachePruneResults } from "../../host/cache-prune";
import { parseResults } from "../../host/result";
import { LocalHost, withEnv } from "../../testkit/local-host";

const SPEC: BuildCacheSpec = { schedule: "daily", olderThan: "168h", maxSize: "20GB" };
const GB = 1e9;
/** Dokku v0.38.27's cron entry, as install-builder-prune writes it (DOKKU_SYSTEM_USER=dokku). */
const DOKKU_CRON = `PATH=/usr/local/bin:/usr/bin:/bin
SHELL=/bin/bash

5 4 * * * dokku /usr/bin/docker builder prune >>/var/log/dokku/builder-prune.log 2>&1
`;

describe("scheduled prune job: shared caches + build cache (real /bin/sh)", () => {
    let h: LocalHost;
    let o: BuildCacheScriptOptions;
    let bin: string;
    let targets: CachePruneTarget[];
    beforeEach(() => {
        h = withEnv(new LocalHost("0.38"), {
            DOCKER_DOUBLE_ENGINE: "28.2.2",
            DOCKER_DOUBLE_BUILDX: "0.23.0",
        });
        o = { stateDir: h.stateDir, paths: h.hostPaths() };
        bin = path.join(h.stateDir, "bin/dokku-shared-cache-prune");
        targets = [
            {
                name: "pip",
                hostPath: path.join(h.sharedRoot, "pip"),
                bound: { maxSize: "300kB", maxAge: "720h", prune: "pip" },
            },
            {
                name: "uv",
                hostPath: path.join(h.sharedRoot, "uv"),
                bound: { maxSize: "3GB", maxAge: "720h", prune: "uv" },
            },
        ];
        for (let i = 0; i < 8; i++) {
            const f = path.join(h.sharedRoot, `pip/http-v2/${i}`);
            fs.mkdirSync(path.dirname(f), { recursive: true });
            fs.writeFileSync(f, Buffer.alloc(100 * 1024));
            const t = Date.now() / 1000 - (10 - i) * 86400;
            fs.utimesSync(f, t, t);
        }
        fs.mkdirSync(path.join(h.sharedRoot, "uv/wheels-v5"), { recursive: true });
        fs.writeFileSync(path.join(h.sharedRoot, "uv/wheels-v5/x"), "x");
        h.seedBuildCache([{ id: "old", size: GB, hoursAgo: 500 }]);
    });
    afterEach(() => h.cleanup());

    it("the installed job shrinks an over-bound cache, leaves an under-bound one, prunes Docker's cache, records each cache", () => {
        const inst = h.sh(scheduleInstallScript(SPEC, o, targets));
        expect(inst.code, inst.stderr).to.equal(0);
        const uvBefore = fs.readdirSync(path.join(h.sharedRoot, "uv/wheels-v5"));
        const r = h.sh(bin);
        expect(r.code, r.stderr).to.equal(0);
        const res = parseCachePruneResults(r.stdout);
        expect(res.map((x) => [x.cache, x.status])).to.deep.equal([
            ["pip", "ok"],
            ["uv", "ok"],
        ]);
        expect(res[0].before).to.be.greaterThan(800_000);
        expect(res[0].after).to.be.at.most(300_000);
        expect(res[1].after).to.equal(res[1].before);
        expect(fs.readdirSync(path.join(h.sharedRoot, "uv/wheels-v5"))).to.deep.equal(uvBefore);
        expect(h.buildCache()).to.deep.equal([]);
        const rec = JSON.parse(fs.readFileSync(path.join(h.stateDir, "caches/pip.json"), "utf8"));
        expect(rec).to.include({ status: "ok", after: res[0].after });
    });

    it("never two prunes at once: while another run holds the prune lock, a run waits and (timed out) prunes nothing", async () => {
        h.sh(scheduleInstallScript(SPEC, o, targets));
        const lock = path.join(h.stateDir, "prune.lock");
        const ready = path.join(h.root, "held");
        const holder = spawn("flock", ["-x", lock, "sh", "-c", `touch '${ready}'; sleep 30`], {
            stdio: "ignore",
        });
        try {
            while (!fs.existsSync(ready)) await new Promise((res) => setTimeout(res, 20));
            const r = withEnv(h, { DSC_PRUNE_LOCK_WAIT: "1" }).sh(bin);
            expect(r.code).to.not.equal(0);
            expect(parseCachePruneResults(r.stdout)).to.deep.equal([]);
            expect(fs.readdirSync(path.join(h.sharedRoot, "pip/http-v2"))).to.have.length(8);
            expect(h.buildCache()).to.have.length(1);
        } finally {
            holder.kill();
        }
    });

    it("dokkuPrune: keep reports Dokku's cron entry; disable moves it aside; destroy puts it back byte for byte", () => {
        const dokkuCron = path.join(o.paths.cronDir, "docker-builder-prune");
        fs.mkdirSync(o.paths.cronDir, { recursive: true });
        fs.writeFileSync(dokkuCron, DOKKU_CRON);
        const keep = h.sh(scheduleInstallScript(SPEC, o, targets));
        expect(parseResults(keep.stdout)[0]).to.include({ dokkuPrune: "active" });
        expect(fs.readFileSync(dokkuCron, "utf8")).to.equal(DOKKU_CRON);
        const off = h.sh(scheduleInstallScript({ ...SPEC, dokkuPrune: "disable" }, o, targets));
        expect(off.code, off.stderr).to.equal(0);
        expect(parseResults(off.stdout)[0]).to.include({ dokkuPrune: "disabled-by-us" });
        expect(fs.existsSync(dokkuCron)).to.equal(false);
        const again = h.sh(scheduleInstallScript({ ...SPEC, dokkuPrune: "disable" }, o, targets));
        expect(parseResults(again.stdout)[0]).to.include({
            dokkuPrune: "disabled-by-us",
            changed: false,
        });
        const rm = h.sh(scheduleRemoveScript(o));
        expect(rm.code, rm.stderr).to.equal(0);
        expect(fs.readFileSync(dokkuCron, "utf8")).to.equal(DOKKU_CRON);
    });
});
