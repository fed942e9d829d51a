/**
 * The scheduled prune job as installed (host/build-cache.ts with the shared-cache pass of
 * host/cache-prune.ts), run by real /bin/sh against the docker double: it brings the shared
 * caches under their bounds and prunes Docker's build cache, one run at a time
 * (`<stateDir>/prune.lock`), and handles Dokku's own `docker-builder-prune` cron entry (as
 * plugins/builder/install-builder-prune in dokku v0.38.27 writes it where systemd is absent).
 */
import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BuildCacheSpec } from "../../config";
import {
    BuildCacheScriptOptions,
    cachesPruneNowScript,
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

/**
 * Dokku v0.38.27's systemd units, as plugins/builder/install-builder-prune writes them
 * (DOKKU_SYSTEM_USER=dokku, DOCKER_BIN=/usr/bin/docker); it then runs `systemctl reenable
 * docker-builder-prune` (the service: WantedBy=docker.service) and enables and starts the timer.
 */
const DOKKU_SERVICE = `[Unit]
Description=Docker builder prune service
Requires=docker.service
After=docker.service

[Service]
Type=oneshot
User=dokku
ExecStart=/usr/bin/docker builder prune -f

[Install]
WantedBy=docker.service
`;
const DOKKU_TIMER = `[Unit]
Description=Run docker-builder-prune.service every day at 4:05am

[Timer]
OnCalendar=Mon..Sun 04:05
Persistent=true

[Install]
WantedBy=timers.target
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
    describe("Dokku's own docker-builder-prune where systemd runs", () => {
        const units = () => o.paths.systemdUnitDir;
        const state = () => path.join(h.root, "var/lib/systemctl-double");
        const on = (unit: string, what: "enabled" | "active") =>
            fs.existsSync(path.join(state(), `${unit}.${what}`));
        const dokkuUnits = () =>
            ["timer", "service"].flatMap((k) =>
                (["enabled", "active"] as const).map(
                    (w) => `${k}:${w}:${on(`docker-builder-prune.${k}`, w)}`,
                ),
            );
        /** Installs Dokku's units, then `systemctl` as install-builder-prune calls it. */
        function installDokkuUnits(opts: { serviceEnabled: boolean }) {
            fs.mkdirSync(o.paths.systemdRunDir, { recursive: true });
            fs.mkdirSync(units(), { recursive: true });
            fs.writeFileSync(path.join(units(), "docker-builder-prune.service"), DOKKU_SERVICE);
            fs.writeFileSync(path.join(units(), "docker-builder-prune.timer"), DOKKU_TIMER);
            const sc = (...a: string[]) => {
                const r = h.sh(`systemctl ${a.join(" ")}`);
                expect(r.code, r.stderr).to.equal(0);
            };
            if (opts.serviceEnabled) sc("enable", "docker-builder-prune.service");
            sc("enable", "docker-builder-prune.timer");
            sc("start", "docker-builder-prune.timer");
        }

        it("keep reports it active and touches nothing; disable turns off the timer and the service's docker.service hook; destroy restores exactly", () => {
            installDokkuUnits({ serviceEnabled: true });
            const before = dokkuUnits();
            expect(before).to.deep.equal([
                "timer:enabled:true",
                "timer:active:true",
                "service:enabled:true",
                "service:active:false",
            ]);
            const keep = h.sh(scheduleInstallScript(SPEC, o, targets));
            expect(keep.code, keep.stderr).to.equal(0);
            expect(parseResults(keep.stdout)[0]).to.include({
                scheduler: "systemd",
                dokkuPrune: "active",
            });
            expect(dokkuUnits()).to.deep.equal(before);
            const off = h.sh(scheduleInstallScript({ ...SPEC, dokkuPrune: "disable" }, o, targets));
            expect(off.code, off.stderr).to.equal(0);
            expect(parseResults(off.stdout)[0]).to.include({ dokkuPrune: "disabled-by-us" });
            expect(dokkuUnits()).to.deep.equal([
                "timer:enabled:false",
                "timer:active:false",
                "service:enabled:false",
                "service:active:false",
            ]);
            const again = h.sh(
                scheduleInstallScript({ ...SPEC, dokkuPrune: "disable" }, o, targets),
            );
            expect(parseResults(again.stdout)[0]).to.include({
                dokkuPrune: "disabled-by-us",
                changed: false,
            });
            const rm = h.sh(scheduleRemoveScript(o));
            expect(rm.code, rm.stderr).to.equal(0);
            expect(dokkuUnits()).to.deep.equal(before);
            expect(
                fs.readFileSync(path.join(units(), "docker-builder-prune.service"), "utf8"),
            ).to.equal(DOKKU_SERVICE);
            expect(
                fs.readFileSync(path.join(units(), "docker-builder-prune.timer"), "utf8"),
            ).to.equal(DOKKU_TIMER);
            expect(fs.existsSync(path.join(h.stateDir, "dokku-prune.disabled"))).to.equal(false);
        });

        it("restores only what was on (service hook off before stays off); back to keep restores too", () => {
            installDokkuUnits({ serviceEnabled: false });
            const before = dokkuUnits();
            h.sh(scheduleInstallScript({ ...SPEC, dokkuPrune: "disable" }, o, targets));
            expect(on("docker-builder-prune.timer", "enabled")).to.equal(false);
            const keep = h.sh(scheduleInstallScript(SPEC, o, targets));
            expect(keep.code, keep.stderr).to.equal(0);
            expect(parseResults(keep.stdout)[0]).to.include({
                dokkuPrune: "active",
                changed: true,
            });
            expect(dokkuUnits()).to.deep.equal(before);
            const calls = fs.readFileSync(path.join(state(), "calls.log"), "utf8");
            expect(calls).to.not.match(/enable docker-builder-prune\.service/);
        });

        it("a timer someone else disabled is reported inactive and left alone", () => {
            installDokkuUnits({ serviceEnabled: false });
            h.sh("systemctl disable --now docker-builder-prune.timer");
            const r = h.sh(scheduleInstallScript({ ...SPEC, dokkuPrune: "disable" }, o, targets));
            expect(parseResults(r.stdout)[0]).to.include({ dokkuPrune: "inactive" });
            expect(fs.existsSync(path.join(h.stateDir, "dokku-prune.disabled"))).to.equal(false);
            h.sh(scheduleRemoveScript(o));
            expect(on("docker-builder-prune.timer", "enabled")).to.equal(false);
        });
    });

    describe("never two build-cache prunes at once: the job waits while Dokku's runs", () => {
        const procs: ChildProcess[] = [];
        afterEach(() => {
            for (const p of procs.splice(0)) if (p.pid && p.exitCode === null) process.kill(-p.pid);
        });
        /** Runs `cmd` detached (own process group) and returns at once. */
        function background(cmd: string) {
            const p = spawn("/bin/sh", ["-c", cmd], { stdio: "ignore", detached: true });
            procs.push(p);
        }

        it("systemd: while docker-builder-prune.service is active, the job waits; then it prunes", () => {
            h.sh(scheduleInstallScript(SPEC, o, targets));
            const active = path.join(
                h.root,
                "var/lib/systemctl-double/docker-builder-prune.service.active",
            );
            fs.mkdirSync(path.dirname(active), { recursive: true });
            fs.writeFileSync(active, "");
            background(`sleep 2; rm -f '${active}'`);
            const r = withEnv(h, { DSC_DOKKU_PRUNE_POLL: "1" }).sh(bin);
            expect(r.code, r.stderr).to.equal(0);
            expect(r.stderr).to.contain("waiting for Dokku's docker-builder-prune to finish");
            const waited = Number(/finished; waited (\d+)s/.exec(r.stderr)?.[1]);
            expect(waited).to.be.at.least(1);
            expect(h.buildCache()).to.deep.equal([]);
        });

        it("systemd: still running after the wait: the caches are bounded, Docker's cache is not pruned, exit 75", () => {
            h.sh(scheduleInstallScript(SPEC, o, targets));
            h.sh("systemctl start docker-builder-prune.service");
            const r = withEnv(h, { DSC_DOKKU_PRUNE_POLL: "1", DSC_DOKKU_PRUNE_WAIT: "2" }).sh(bin);
            expect(r.code).to.equal(75);
            expect(r.stderr).to.contain("still runs after 2s");
            expect(parseCachePruneResults(r.stdout).map((x) => x.status)).to.deep.equal([
                "ok",
                "ok",
            ]);
            expect(h.dockerLog().filter((c) => c.kind === "prune")).to.deep.equal([]);
            expect(h.buildCache()).to.have.length(1);
        });

        it("cron: while Dokku's cron line (…/docker builder prune) runs, the job waits", () => {
            fs.mkdirSync(o.paths.cronDir, { recursive: true });
            fs.writeFileSync(path.join(o.paths.cronDir, "docker-builder-prune"), DOKKU_CRON);
            h.sh(scheduleInstallScript(SPEC, o, targets));
            // A process whose command line is what cron runs: `…/docker builder prune`.
            const fake = path.join(h.root, "usr/local/bin/docker");
            fs.mkdirSync(path.dirname(fake), { recursive: true });
            fs.writeFileSync(fake, "#!/bin/sh\nsleep 2\n", { mode: 0o755 });
            background(`exec '${fake}' builder prune`);
            const r = withEnv(h, { DSC_DOKKU_PRUNE_POLL: "1" }).sh(bin);
            expect(r.code, r.stderr).to.equal(0);
            expect(r.stderr).to.contain("waiting for Dokku's docker-builder-prune to finish");
            expect(h.buildCache()).to.deep.equal([]);
        });
    });

    it("cachesPruneNow: the one-off pass bounds the caches now, leaves Docker's build cache alone, takes the prune lock", async () => {
        h.sh(scheduleInstallScript(SPEC, o, targets));
        const r = h.sh(cachesPruneNowScript(o));
        expect(r.code, r.stderr).to.equal(0);
        const res = parseCachePruneResults(r.stdout);
        expect(res.map((x) => [x.cache, x.status])).to.deep.equal([
            ["pip", "ok"],
            ["uv", "ok"],
        ]);
        expect(res[0].after).to.be.at.most(300_000);
        expect(h.buildCache(), "Docker's build cache: not this pass").to.have.length(1);
        expect(h.dockerLog().filter((c) => c.kind === "prune")).to.deep.equal([]);
        const lock = path.join(h.stateDir, "prune.lock");
        const ready = path.join(h.root, "held");
        const holder = spawn("flock", ["-x", lock, "sh", "-c", `touch '${ready}'; sleep 30`], {
            stdio: "ignore",
            detached: true,
        });
        try {
            while (!fs.existsSync(ready)) await new Promise((res) => setTimeout(res, 20));
            const busy = withEnv(h, { DSC_PRUNE_LOCK_WAIT: "1" }).sh(cachesPruneNowScript(o));
            expect(busy.code).to.not.equal(0);
            expect(parseCachePruneResults(busy.stdout)).to.deep.equal([]);
        } finally {
            if (holder.pid) process.kill(-holder.pid);
        }
    });
});
