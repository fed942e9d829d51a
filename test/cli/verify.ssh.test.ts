/**
 * End to end over a real OpenSSH server on loopback: the whole program's
 * commands applied to a fresh host (engine-less `up`), the build-cache
 * timer/cron and one-off prune, `verify` on a converged and on a drifted
 * host (library and CLI, text and --json), and destroy undoing it all.
 */
import { storageEntryName } from "../../host/storage-entries";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { RawSettings } from "../../config";
import { parseResults } from "../../host/result";
import { verifyHost } from "../../cli/verify";
import { Applied, configJson, hostRaw, runTs, sendAll, up } from "../../testkit/apply";
import { SshHost } from "../../testkit/ssh-host";

const GB = 1e9;

describe("verify and the build cache, end to end over SSH", function () {
    this.timeout(120000);
    let h: SshHost;
    let raw: RawSettings;
    let last: Applied;
    before(async () => {
        h = new SshHost("0.38");
        await h.start();
        h.createApp("py", true);
        h.createApp("node", true);
        h.createApp("legacy", true);
        fs.mkdirSync(path.dirname(h.hostPaths().daemonJson), { recursive: true });
        fs.writeFileSync(h.hostPaths().daemonJson, '{"log-driver": "local"}\n');
        h.seedBuildCache([
            { id: "old", size: 30 * GB, hoursAgo: 500 },
            { id: "big", size: 25 * GB, hoursAgo: 2 },
        ]);
        raw = hostRaw(h, {
            apps: [
                { name: "py", caches: ["pip", "uv"], builder: "dockerfile" },
                { name: "node", caches: ["npm", "ms-playwright"], builder: "herokuish" },
            ],
            buildCache: { schedule: "daily", pruneNow: "migration", gc: true },
        });
    });
    after(async () => h.stop());

    function cli(json: boolean): { code: number; stdout: string; stderr: string } {
        const cfgFile = path.join(h.root, "stack-config.json");
        fs.writeFileSync(cfgFile, configJson(raw, h.clientKey), { mode: 0o600 });
        return runTs("cli/verify.ts", ["--config-file", cfgFile, ...(json ? ["--json"] : [])]);
    }

    it("reports a fresh host as drifted: nothing mounted, no caches, no schedule", async () => {
        const r = await verifyHost(raw, h.clientKey);
        expect(r.inSync).to.equal(false);
        expect(r.problems).to.include("build cache: no prune schedule installed (want daily)");
        expect(r.problems).to.include("build cache: daemon.json has no builder.gc (want one)");
        expect(r.caches.every((c) => !c.exists)).to.equal(true);
        expect(r.apps.find((a) => a.name === "py")!.drift).to.contain(
            "mount /root/.cache/pip missing",
        );
        expect(r.buildCache.sizeBytes).to.equal(55 * GB);
        expect(r.unmanagedApps).to.deep.equal(["legacy"]);
    });

    it("up: converges the caches, apps, schedule, one-off prune and builder GC", async () => {
        const applied = await up(raw, h.clientKey);
        last = applied;
        const names = applied.runs.map((x) => x.name);
        expect(names).to.include.members([
            "dokku-caches-pip",
            "dokku-app-py-converge",
            "dokku-build-cache-schedule",
            "dokku-build-cache-prune-now",
            "dokku-build-cache-daemon-gc",
        ]);
        const sched = parseResults(
            applied.runs.find((x) => x.name === "dokku-build-cache-schedule")!.stdout,
        )[0];
        expect(sched).to.include({ scheduler: "cron", variant: "buildx-max" });
        const now = parseResults(
            applied.runs.find((x) => x.name === "dokku-build-cache-prune-now")!.stdout,
        );
        expect(now[now.length - 1]).to.deep.equal({
            buildCacheBefore: "55GB",
            buildCacheAfter: "0B",
        });
        const gc = applied.runs.find((x) => x.name === "dokku-build-cache-daemon-gc")!;
        expect(parseResults(gc.stdout)[0]).to.include({ changed: true, restartNeeded: true });
        expect(gc.stderr).to.contain("RESTART NEEDED");
        const daemon = JSON.parse(fs.readFileSync(h.hostPaths().daemonJson, "utf8")) as Record<
            string,
            unknown
        >;
        expect(daemon["log-driver"]).to.equal("local");
        expect(h.dockerLog().filter((i) => i.kind === "forbidden")).to.deep.equal([]);
    });

    it("verify: in sync after up (library, CLI text and --json, exit 0)", async () => {
        fs.writeFileSync(path.join(h.sharedRoot, "pip", "wheel.whl"), Buffer.alloc(123456));
        const r = await verifyHost(raw, h.clientKey);
        expect(r.problems).to.deep.equal([]);
        expect(r.inSync).to.equal(true);
        const pip = r.caches.find((c) => c.name === "pip")!;
        expect(pip).to.include({ exists: true, owner: "0:0", mode: "755", ok: true });
        expect(pip.bytes).to.be.at.least(123456);
        expect(r.buildCache).to.include({
            scheduler: "cron",
            engine: "28.2.2",
            variant: "buildx-max",
        });
        // One entry per mount point, every watched path on one of them.
        expect(r.disk.flatMap((d) => d.labels).sort()).to.deep.equal([
            "docker",
            "dokku",
            "shared",
            "state",
        ]);
        expect(new Set(r.disk.map((d) => d.mount)).size).to.equal(r.disk.length);
        expect(r.disk[0].availBytes).to.be.greaterThan(0);
        const text = cli(false);
        if (process.env.DSC_SHOW_REPORT) process.stdout.write(text.stdout);
        expect(text.code, text.stderr).to.equal(0);
        expect(text.stdout).to.contain("IN SYNC");
        expect(text.stdout).to.match(/^py\s+2\/2\s+2\/2\s+dockerfile\s+run time only\s+ok$/m);
        expect(text.stdout).to.contain("Apps on the host not managed by this stack: legacy");
        const json = cli(true);
        expect(json.code).to.equal(0);
        expect((JSON.parse(json.stdout) as { inSync: boolean }).inSync).to.equal(true);
        // The report is read-only.
        h.clearLog();
        await verifyHost(raw, h.clientKey);
        expect(h.writes()).to.deep.equal([]);
        expect(h.restarts()).to.deep.equal([]);
    });

    it("verify: drift by hand is reported and exits 1; the next up repairs only that", async () => {
        // Dokku 0.38: node is attached to the npm cache's named entry (host/storage-entries.ts).
        const npm = storageEntryName("npm", `${h.sharedRoot}/npm`);
        expect(
            h.dokku("storage:unmount", "node", npm, "--container-dir", "/root/.cache/npm").code,
        ).to.equal(0);
        expect(
            h.dokku("config:set", "--no-restart", "py", "PIP_CACHE_DIR=/tmp/elsewhere").code,
        ).to.equal(0);
        fs.chmodSync(path.join(h.sharedRoot, "uv"), 0o700);
        const text = cli(false);
        if (process.env.DSC_SHOW_REPORT) process.stdout.write(text.stdout);
        expect(text.code).to.equal(1);
        expect(text.stdout).to.contain("DRIFT (3 problems)");
        expect(text.stdout).to.contain(`node: mount ${h.sharedRoot}/npm:/root/.cache/npm missing`);
        expect(text.stdout).to.contain('py: PIP_CACHE_DIR=/root/.cache/pip is "/tmp/elsewhere"');
        expect(text.stdout).to.contain("want 0:0 755");
        const json = JSON.parse(cli(true).stdout) as { problems: string[] };
        expect(json.problems).to.have.length(3);
        last = await up(raw, h.clientKey);
        expect((await verifyHost(raw, h.clientKey)).inSync).to.equal(true);
    });

    it("exits 2 with ssh's message when the host cannot be reached", () => {
        const saved = raw;
        raw = { ...raw, connection: { ...h.connection(), port: 1 } };
        try {
            const r = cli(false);
            expect(r.code).to.equal(2);
            expect(r.stderr).to.match(/verify: cannot read root@127\.0\.0\.1:1 .*refused/i);
        } finally {
            raw = saved;
        }
    });

    it("destroy: removes mounts, env, the schedule and our builder GC; keeps cache data", async () => {
        // Pulumi runs each delete with the inputs stored by the last up.
        const runs = await sendAll(raw, h.clientKey, last.commands, "delete");
        expect(runs.filter((x) => x.code !== 0)).to.deep.equal([]);
        expect(h.mounts("py")).to.deep.equal([]);
        expect(h.config("node")).to.deep.equal({});
        expect(
            fs.existsSync(path.join(h.hostPaths().cronDir, "dokku-shared-cache-prune")),
        ).to.equal(false);
        expect(JSON.parse(fs.readFileSync(h.hostPaths().daemonJson, "utf8"))).to.deep.equal({
            "log-driver": "local",
        });
        expect(fs.existsSync(path.join(h.sharedRoot, "pip", "wheel.whl"))).to.equal(true);
        const r = await verifyHost(raw, h.clientKey);
        expect(r.buildCache.scheduler).to.equal("none");
        expect(r.inSync).to.equal(false);
    });
});
