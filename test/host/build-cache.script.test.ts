/**
 * The build-cache scripts, executed by /bin/sh against the docker, dockerd
 * and systemctl doubles (testkit/double) across Docker Engine / buildx versions.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import {
    BuildCacheScriptOptions,
    daemonGcRemoveScript,
    daemonGcScript,
    pruneNowScript,
    pruneScript,
    scheduleInstallScript,
    scheduleRemoveScript,
} from "../../host/build-cache";
import { PRUNE_VARIANTS, pruneVariant } from "../../rules/prune-table";
import { parsePruneOutput } from "../../rules/docker-size";
import { BuildCacheSpec, GcSpec } from "../../config";
import { parseResults } from "../../host/result";
import { LocalHost, withEnv } from "../../testkit/local-host";

const SPEC: BuildCacheSpec = { schedule: "daily", olderThan: "168h", maxSize: "20GB" };
const GC: GcSpec = {
    unusedFor: "720h",
    reservedSpace: "10GB",
    maxUsedSpace: "40GB",
    minFreeSpace: "20GB",
};
const GB = 1e9;

/** Engine / buildx pairs seen in the wild, with what must be chosen. */
const VERSIONS: [string, string, string][] = [
    ["24.0.9", "none", "legacy"],
    ["27.5.1", "none", "legacy"],
    ["25.0.5", "0.12.1", "buildx-keep"],
    ["27.5.1", "0.17.1", "buildx-keep"],
    ["27.5.1", "0.18.0", "buildx-reserved"],
    ["26.1.4", "0.20.1", "buildx-reserved"],
    ["28.0.0", "0.18.0", "buildx-max"],
    ["28.2.2", "0.23.0", "buildx-max"],
    ["29.7.2", "0.36.1", "buildx-max"],
    ["28.1.1", "0.17.1", "buildx-keep"],
];

function opts(h: LocalHost): BuildCacheScriptOptions {
    return { stateDir: h.stateDir, paths: h.hostPaths() };
}

function on(h: LocalHost, engine: string, buildx: string): LocalHost {
    return withEnv(h, { DOCKER_DOUBLE_ENGINE: engine, DOCKER_DOUBLE_BUILDX: buildx });
}

function expectNothingForbidden(h: LocalHost): void {
    const bad = h.dockerLog().filter((i) => i.kind === "forbidden");
    expect(bad, JSON.stringify(bad)).to.deep.equal([]);
}

describe("build cache scripts (docker double)", () => {
    let h: LocalHost;
    beforeEach(() => {
        h = new LocalHost("0.38");
    });
    afterEach(() => h.cleanup());

    it("detects the same variant in shell as pruneVariant does in TypeScript", () => {
        for (const [engine, buildx, want] of VERSIONS) {
            const r = withEnv(on(h, engine, buildx), { DSC_PRUNE_DETECT_ONLY: "1" }).sh(
                pruneScript(SPEC),
            );
            expect(r.code, r.stderr).to.equal(0);
            expect(r.stdout.trim(), `${engine}/${buildx}`).to.equal(want);
            expect(pruneVariant(engine, buildx === "none" ? undefined : buildx)).to.equal(want);
        }
    });

    for (const [engine, buildx, variant] of VERSIONS.filter(
        (v, i, a) => a.findIndex((x) => x[2] === v[2]) === i,
    )) {
        it(`prunes old entries, then down to the size bound, on Engine ${engine} / buildx ${buildx} (${variant})`, () => {
            h.seedBuildCache([
                { id: "old1", size: 5 * GB, hoursAgo: 400 },
                { id: "old2", size: 3 * GB, hoursAgo: 200 },
                { id: "mid1", size: 12 * GB, hoursAgo: 100 },
                { id: "mid2", size: 8 * GB, hoursAgo: 50 },
                { id: "new1", size: 6 * GB, hoursAgo: 1 },
                { id: "busy", size: 1 * GB, hoursAgo: 900, inUse: true },
            ]);
            const host = on(h, engine, buildx);
            const r = host.sh(pruneScript(SPEC));
            expect(r.code, r.stderr).to.equal(0);
            const left = h.buildCache().map((i) => i.id);
            // Older than 168h gone; then oldest first until ≤ 20GB; in-use never.
            expect(left).to.deep.equal(["mid2", "new1", "busy"]);
            expect(parseResults(r.stdout)[0]).to.include({ variant });
            const prunes = h.dockerLog().filter((i) => i.kind === "prune");
            expect(prunes).to.have.length(2);
            // The only error allowed is the buildx probe on a host without buildx.
            expect(
                h
                    .dockerLog()
                    .filter((i) => i.kind === "error" && i.args.join(" ") !== "buildx version"),
            ).to.deep.equal([]);
            expect(r.stdout + r.stderr).not.to.contain("Flag --keep-storage has been deprecated");
            // Reclaimed bytes are readable from either output format.
            const reclaimed = r.stdout
                .split(/(?=^Total)/m)
                .map((part) => parsePruneOutput(part.split("\n")[0]) ?? 0)
                .reduce((a, b) => a + b, 0);
            expect(reclaimed).to.equal(20 * GB);
            expectNothingForbidden(h);
        });
    }

    it("prunes down to the size the config means (decimal GB), not Docker's binary reading of it", () => {
        // 21 × 10^9 bytes: above 20GB (20 × 10^9) but below 20 GiB (21.47 × 10^9), which is
        // what Docker's RAMInBytes makes of the text "20GB".
        h.seedBuildCache([
            { id: "old", size: 11 * GB, hoursAgo: 10 },
            { id: "new", size: 10 * GB, hoursAgo: 1 },
        ]);
        const r = h.sh(pruneScript(SPEC));
        expect(r.code, r.stderr).to.equal(0);
        expect(h.buildCache().map((i) => i.id)).to.deep.equal(["new"]);
        const asText = on(h, "28.2.2", "0.23.0");
        h.seedBuildCache([
            { id: "old", size: 11 * GB, hoursAgo: 10 },
            { id: "new", size: 10 * GB, hoursAgo: 1 },
        ]);
        expect(asText.sh("docker buildx prune --force --all --max-used-space 20GB").code).to.equal(
            0,
        );
        expect(h.buildCache().map((i) => i.id)).to.deep.equal(["old", "new"]);
    });

    it("the double refuses flags a version lacks, so the choice matters", () => {
        h.seedBuildCache([{ id: "a", size: 30 * GB, hoursAgo: 1 }]);
        const old = on(h, "27.5.1", "0.18.0");
        const r = old.sh("docker buildx prune --force --all --max-used-space 20GB");
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("buildkit v0.17.0+ is required");
        const r2 = on(h, "27.5.1", "0.17.1").sh(
            "docker buildx prune --force --all --reserved-space 20GB",
        );
        expect(r2.code).to.equal(125);
        // And a failing prune makes the script fail loudly.
        const broken = withEnv(h, { DOCKER_DOUBLE_DAEMON: "down" }).sh(pruneScript(SPEC));
        expect(broken.code).to.equal(4);
        expect(broken.stderr).to.contain("prune failed");
    });

    it("installs a cron entry where systemd is absent, idempotently, and removes it", () => {
        const o = opts(h);
        const r1 = h.sh(scheduleInstallScript(SPEC, o));
        expect(r1.code, r1.stderr).to.equal(0);
        expect(parseResults(r1.stdout)[0]).to.deep.include({
            scheduler: "cron",
            variant: "buildx-max",
            changed: true,
        });
        const cron = fs.readFileSync(
            path.join(o.paths.cronDir, "dokku-shared-cache-prune"),
            "utf8",
        );
        expect(cron).to.match(/^17 3 \* \* \* root DSC_PRUNE_LOCKED=1 flock -n /m);
        const bin = path.join(h.stateDir, "bin/dokku-shared-cache-prune");
        expect(fs.statSync(bin).mode & 0o777).to.equal(0o755);
        const r2 = h.sh(scheduleInstallScript(SPEC, o));
        expect(parseResults(r2.stdout)[0]).to.include({ changed: false });
        // The installed script really prunes.
        h.seedBuildCache([{ id: "x", size: GB, hoursAgo: 500 }]);
        expect(h.sh(bin).code).to.equal(0);
        expect(h.buildCache()).to.deep.equal([]);
        const weekly = h.sh(scheduleInstallScript({ ...SPEC, schedule: "weekly" }, o));
        expect(parseResults(weekly.stdout)[0]).to.include({ changed: true });
        expect(
            fs.readFileSync(path.join(o.paths.cronDir, "dokku-shared-cache-prune"), "utf8"),
        ).to.match(/^17 3 \* \* 0 /m);
        const rm = h.sh(scheduleRemoveScript(o));
        expect(parseResults(rm.stdout)[0]).to.deep.equal({ removed: true });
        expect(fs.existsSync(path.join(o.paths.cronDir, "dokku-shared-cache-prune"))).to.equal(
            false,
        );
        expect(fs.existsSync(bin)).to.equal(false);
        expectNothingForbidden(h);
    });

    it("schedule off installs only the prune script and removes an existing cron entry", () => {
        const o = opts(h);
        h.sh(scheduleInstallScript(SPEC, o));
        const cron = path.join(o.paths.cronDir, "dokku-shared-cache-prune");
        expect(fs.existsSync(cron)).to.equal(true);
        const r = h.sh(scheduleInstallScript({ ...SPEC, schedule: "off" }, o));
        expect(r.code, r.stderr).to.equal(0);
        expect(parseResults(r.stdout)[0]).to.include({ scheduler: "none", changed: true });
        expect(fs.existsSync(cron)).to.equal(false);
        expect(fs.existsSync(path.join(h.stateDir, "bin/dokku-shared-cache-prune"))).to.equal(true);
        const again = h.sh(scheduleInstallScript({ ...SPEC, schedule: "off" }, o));
        expect(parseResults(again.stdout)[0]).to.include({ changed: false });
    });

    it("installs a systemd timer where systemd runs, enables it once, and removes it", () => {
        const o = opts(h);
        fs.mkdirSync(o.paths.systemdRunDir, { recursive: true });
        const calls = () =>
            fs
                .readFileSync(path.join(h.root, "var/lib/systemctl-double/calls.log"), "utf8")
                .trim()
                .split("\n");
        const r1 = h.sh(scheduleInstallScript(SPEC, o));
        expect(r1.code, r1.stderr).to.equal(0);
        expect(parseResults(r1.stdout)[0]).to.include({ scheduler: "systemd", changed: true });
        const timer = fs.readFileSync(
            path.join(o.paths.systemdUnitDir, "dokku-shared-cache-prune.timer"),
            "utf8",
        );
        expect(timer).to.contain("OnCalendar=*-*-* 03:17:00");
        expect(timer).to.contain("Persistent=true");
        const service = fs.readFileSync(
            path.join(o.paths.systemdUnitDir, "dokku-shared-cache-prune.service"),
            "utf8",
        );
        expect(service).to.contain(`ExecStart=${h.stateDir}/bin/dokku-shared-cache-prune`);
        expect(calls()).to.include.members([
            "daemon-reload",
            "enable --now dokku-shared-cache-prune.timer",
        ]);
        const before = calls().length;
        const r2 = h.sh(scheduleInstallScript(SPEC, o));
        expect(parseResults(r2.stdout)[0]).to.include({ changed: false });
        expect(
            calls()
                .slice(before)
                .filter((c) => !c.startsWith("is-")),
        ).to.deep.equal([]);
        const rm = h.sh(scheduleRemoveScript(o));
        expect(rm.code, rm.stderr).to.equal(0);
        expect(calls()).to.include("disable --now dokku-shared-cache-prune.timer");
        expect(fs.readdirSync(o.paths.systemdUnitDir)).to.deep.equal([]);
        // Never restarted or stopped anything.
        expect(calls().filter((c) => /^(restart|stop|kill)/.test(c))).to.deep.equal([]);
    });

    it("one-off prune reports the build cache size before and after", () => {
        const o = opts(h);
        h.sh(scheduleInstallScript(SPEC, o));
        h.seedBuildCache([
            { id: "a", size: 30 * GB, hoursAgo: 1 },
            { id: "b", size: 2 * GB, hoursAgo: 300 },
        ]);
        const r = h.sh(pruneNowScript(o));
        expect(r.code, r.stderr).to.equal(0);
        const res = parseResults(r.stdout);
        expect(res[res.length - 1]).to.deep.equal({
            buildCacheBefore: "32GB",
            buildCacheAfter: "0B",
        });
    });

    describe("daemon.json builder GC", () => {
        const original = {
            "log-driver": "json-file",
            "log-opts": { "max-size": "10m" },
            builder: { gc: { enabled: false }, entitlements: { "network-host": true } },
        };
        function daemon(): Record<string, unknown> {
            return JSON.parse(fs.readFileSync(h.hostPaths().daemonJson, "utf8")) as Record<
                string,
                unknown
            >;
        }
        function writeDaemon(text: string): void {
            fs.mkdirSync(path.dirname(h.hostPaths().daemonJson), { recursive: true });
            fs.writeFileSync(h.hostPaths().daemonJson, text);
        }
        function backups(): string[] {
            return fs
                .readdirSync(path.dirname(h.hostPaths().daemonJson))
                .filter((f) => f.endsWith(".bak"));
        }

        it("merges on Engine 28 keeping every other key, backs up, says a restart is needed, undoes on remove", () => {
            writeDaemon(JSON.stringify(original, null, 2));
            const r = on(h, "28.2.2", "0.23.0").sh(daemonGcScript(GC, opts(h)));
            expect(r.code, r.stderr).to.equal(0);
            expect(parseResults(r.stdout)[0]).to.include({ changed: true, restartNeeded: true });
            expect(r.stderr).to.contain("RESTART NEEDED");
            expect(r.stderr).to.contain("SIGHUP");
            const d = daemon() as { builder: { gc: Record<string, unknown> } } & Record<
                string,
                unknown
            >;
            expect(d["log-driver"]).to.equal("json-file");
            expect(d["log-opts"]).to.deep.equal({ "max-size": "10m" });
            expect(d.builder).to.have.property("entitlements");
            expect(d.builder.gc).to.include({
                enabled: true,
                defaultMaxUsedSpace: "40000000000",
                defaultReservedSpace: "10000000000",
                defaultMinFreeSpace: "20000000000",
            });
            expect(backups()).to.have.length(1);
            expect(
                JSON.parse(
                    fs.readFileSync(
                        path.join(path.dirname(h.hostPaths().daemonJson), backups()[0]),
                        "utf8",
                    ),
                ),
            ).to.deep.equal(original);
            // validated by dockerd --validate
            expect(
                fs.readFileSync(path.join(h.root, "var/log/dockerd-double.log"), "utf8"),
            ).to.match(/^--validate --config-file /);
            // second run: nothing to do, no new backup, no restart needed
            const r2 = on(h, "28.2.2", "0.23.0").sh(daemonGcScript(GC, opts(h)));
            expect(parseResults(r2.stdout)[0]).to.include({ changed: false, restartNeeded: false });
            expect(backups()).to.have.length(1);
            // remove puts the file back as it was, byte for byte
            const rm = h.sh(daemonGcRemoveScript(opts(h)));
            expect(rm.code, rm.stderr).to.equal(0);
            expect(fs.readFileSync(h.hostPaths().daemonJson, "utf8")).to.equal(
                JSON.stringify(original, null, 2),
            );
            expectNothingForbidden(h);
        });

        it("writes keepStorage keys on Engine 27 and creates the file when there is none", () => {
            const r = on(h, "27.5.1", "0.17.1").sh(daemonGcScript(GC, opts(h)));
            expect(r.code, r.stderr).to.equal(0);
            const gc = (daemon() as { builder: { gc: Record<string, unknown> } }).builder.gc;
            expect(gc).to.include({ enabled: true, defaultKeepStorage: "40000000000" });
            expect(gc).not.to.have.property("defaultMaxUsedSpace");
            expect(backups()).to.deep.equal([]);
            const rm = h.sh(daemonGcRemoveScript(opts(h)));
            expect(rm.code, rm.stderr).to.equal(0);
            expect(fs.existsSync(h.hostPaths().daemonJson), "the file we created").to.equal(false);
        });

        it("on remove after the user edited the file, undoes only builder.gc (a created file keeps the user's keys)", () => {
            const r = on(h, "28.2.2", "0.23.0").sh(daemonGcScript(GC, opts(h)));
            expect(r.code, r.stderr).to.equal(0);
            writeDaemon(JSON.stringify({ ...daemon(), "log-driver": "local" }));
            const rm = h.sh(daemonGcRemoveScript(opts(h)));
            expect(rm.code, rm.stderr).to.equal(0);
            expect(daemon()).to.deep.equal({ "log-driver": "local" });
        });

        it("refuses an invalid daemon.json and writes nothing", () => {
            writeDaemon('{"log-driver": "json-file",');
            const r = h.sh(daemonGcScript(GC, opts(h)));
            expect(r.code).to.equal(5);
            expect(r.stderr).to.contain("not valid JSON");
            expect(fs.readFileSync(h.hostPaths().daemonJson, "utf8")).to.equal(
                '{"log-driver": "json-file",',
            );
            expect(backups()).to.deep.equal([]);
            writeDaemon('["not", "an", "object"]');
            expect(h.sh(daemonGcScript(GC, opts(h))).code).to.equal(5);
            writeDaemon('{"builder": "oops"}');
            expect(h.sh(daemonGcScript(GC, opts(h))).code).to.equal(5);
        });

        it("refuses what dockerd --validate rejects, and proceeds on a dockerd without --validate", () => {
            writeDaemon('{"debug": "yes"}');
            const r = h.sh(daemonGcScript(GC, opts(h)));
            expect(r.code).to.equal(6);
            expect(r.stderr).to.contain("dockerd --validate refused");
            expect(daemon()).to.deep.equal({ debug: "yes" });
            expect(fs.readdirSync(path.dirname(h.hostPaths().daemonJson))).to.deep.equal([
                "daemon.json",
            ]);
            writeDaemon('{"debug": true}');
            const old = withEnv(h, { DOCKERD_DOUBLE_NO_VALIDATE: "1" }).sh(
                daemonGcScript(GC, opts(h)),
            );
            expect(old.code, old.stderr).to.equal(0);
            expect(old.stderr).to.contain("no --validate");
        });

        it("leaves a builder.gc that someone changed after us alone on remove", () => {
            writeDaemon("{}");
            h.sh(daemonGcScript(GC, opts(h)));
            const hand = { builder: { gc: { enabled: true, defaultKeepStorage: "5GB" } } };
            writeDaemon(JSON.stringify(hand));
            const rm = h.sh(daemonGcRemoveScript(opts(h)));
            expect(rm.code).to.equal(0);
            expect(rm.stderr).to.contain("changed by someone else");
            expect(daemon()).to.deep.equal(hand);
        });
    });

    it("no generated script deletes under /var/lib/docker, stops containers or restarts Docker", () => {
        const o = opts(h);
        const all = [
            pruneScript(SPEC),
            scheduleInstallScript(SPEC, o),
            scheduleRemoveScript(o),
            pruneNowScript(o),
            daemonGcScript(GC, o),
            daemonGcRemoveScript(o),
        ]
            .join("\n")
            .split("\n")
            // comments and messages to the user may name these; commands may not
            .filter((l) => !/^\s*(#|echo )/.test(l))
            .join("\n");
        expect(all).not.to.match(/\/var\/lib\/docker\b/);
        expect(all).not.to.match(/docker\s+(stop|rm|kill|system\s+prune|volume|image|container)\b/);
        expect(all).not.to.match(/systemctl\s+(restart|stop|reload)\s+docker/);
        expect(all).not.to.match(/kill\s+-HUP|pkill|killall/);
        expect(PRUNE_VARIANTS).to.have.length(4);
    });
});

describe("the prune job's BuildKit cache-mount pass (docker double: Docker's size for a cache mount can lag, seen 0 B)", () => {
    let h: LocalHost;
    beforeEach(() => {
        h = new LocalHost("0.38");
    });
    afterEach(() => h.cleanup());

    /** A cache-mount record Docker reports as 0 B, whose snapshot directory holds `bytes`. */
    function seed(bytes: number): void {
        h.seedBuildCache([
            { id: "layer1", size: 100, hoursAgo: 1 },
            {
                id: "cm1",
                size: 0,
                hoursAgo: 1,
                type: "exec.cachemount",
                description: "cached mount /root/.cache/pip from exec /bin/sh -c pip install .",
            },
        ]);
        const dir = path.join(h.root, "var/lib/docker/overlay2/cm1/diff");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "blob"), Buffer.alloc(bytes));
    }
    for (const [engine, buildx] of [
        ["20.10.24", "none"],
        ["28.2.2", "0.24.0"],
    ]) {
        it(`prunes the cache mounts when their bytes on disk exceed maxSize, through the daemon (${engine}/${buildx})`, () => {
            seed(30_000);
            const host = on(h, engine, buildx);
            const r = host.sh(pruneScript({ ...SPEC, maxSize: "20kB" }));
            expect(r.code, r.stderr).to.equal(0);
            expect(h.buildCache().map((i) => i.id)).to.deep.equal(["layer1"]);
            expect(r.stderr).to.contain("BuildKit cache mounts hold");
            const p = h.dockerLog().filter((i) => i.args.includes("type=exec.cachemount"));
            expect(p.map((i) => i.args.slice(0, 2).join(" "))).to.deep.equal([
                buildx === "none" ? "builder prune" : "buildx prune",
            ]);
            expectNothingForbidden(h);
        });
    }
    it("leaves them alone under the bound", () => {
        seed(10_000);
        const r = h.sh(pruneScript({ ...SPEC, maxSize: "20kB" }));
        expect(r.code, r.stderr).to.equal(0);
        expect(h.buildCache().map((i) => i.id)).to.deep.equal(["layer1", "cm1"]);
        expect(h.dockerLog().filter((i) => i.args.includes("type=exec.cachemount"))).to.deep.equal(
            [],
        );
    });
});
