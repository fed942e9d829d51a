/**
 * The first aid (host/disk.ts) and the probe's disk read, run by /bin/sh against the docker
 * double on real, full file systems: Docker's data root and Dokku's /var/lib/dokku are each a
 * small tmpfs filled to the last byte, the build cache entries are files on Docker's (the double
 * removes an entry's file when it prunes it, as the daemon releases its snapshot).
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CachePruneTarget } from "../../host/cache-prune";
import { firstAidRecord, firstAidScript, parseFirstAid } from "../../host/disk";
import { DiskFs } from "../../rules/disk";
import { parseProbe, probeScript } from "../../host/probe";
import { parseReportOutput, reportScript } from "../../host/facts";
import { validateSettings } from "../../config";
import { buildDesiredState } from "../../model/desired-state";
import { HOST_KEY } from "../fixtures/settings";
import { stdinScript } from "../../host/stdin-script";
import { LocalHost, RunResult, withEnv } from "../../testkit/local-host";
import { availBytes as dfAvail, canMountTmpfs, fill, mountTmpfs } from "../../testkit/full-fs";

const MB = 1024 * 1024;

describe("first aid on a full disk (real /bin/sh, tmpfs, docker double)", function () {
    let h: LocalHost;
    let mounted: string[] = [];
    let dockerRoot: string;
    let dokkuLib: string;
    let sharedRoot: string;
    let stateDir: string;

    before(function () {
        if (!canMountTmpfs()) {
            console.warn("SKIPPED: cannot mount tmpfs here (no CAP_SYS_ADMIN)");
            this.skip();
        }
    });

    beforeEach(() => {
        h = new LocalHost();
        dockerRoot = path.join(h.root, "var/lib/docker");
        dokkuLib = path.join(h.root, "var/lib/dokku");
        for (const d of [dockerRoot, dokkuLib]) {
            mountTmpfs(d, "size=16m");
            mounted.push(d);
        }
        sharedRoot = path.join(dokkuLib, "data/shared");
        stateDir = path.join(dokkuLib, "state");
        fs.mkdirSync(sharedRoot, { recursive: true });
    });

    afterEach(() => {
        for (const m of mounted.reverse()) spawnSync("umount", ["-l", m]);
        mounted = [];
        h.cleanup();
    });

    /** Build cache entries backed by files on Docker's file system. */
    function buildCache(items: { id: string; size: number; hoursAgo: number }[]): void {
        h.seedBuildCache(items);
        const dir = path.join(dockerRoot, "buildkit-double");
        fs.mkdirSync(dir, { recursive: true });
        for (const i of items) fs.writeFileSync(path.join(dir, i.id), Buffer.alloc(i.size, 1));
    }

    function pipCache(files: { name: string; size: number; daysAgo: number }[]): void {
        const d = path.join(sharedRoot, "pip/http-v2");
        fs.mkdirSync(d, { recursive: true });
        for (const f of files) {
            const p = path.join(d, f.name);
            fs.writeFileSync(p, Buffer.alloc(f.size, 2));
            const t = Date.now() / 1000 - f.daysAgo * 86400;
            fs.utimesSync(p, t, t);
        }
    }

    const PIP: CachePruneTarget = {
        name: "pip",
        hostPath: "",
        bound: { maxSize: "1MB", maxAge: "720h", prune: "pip" },
    };

    function firstAid(gen: number, minFree = 2 * MB, host: LocalHost = h): RunResult {
        const script = firstAidScript({
            sharedRoot,
            stateDir,
            dokkuLib,
            minFree,
            buildCache: { olderThan: "168h", maxSize: "4MB" },
            caches: [{ ...PIP, hostPath: path.join(sharedRoot, "pip") }],
        });
        // As the command runs it: `sh -s converge N` with the script on stdin.
        const r = spawnSync("/bin/sh", ["-s", "converge", String(gen)], {
            input: stdinScript({ converge: script }),
            env: host.env(),
            encoding: "utf8",
        });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }

    it("does nothing but record its generation when every file system has disk.minFree", () => {
        buildCache([{ id: "old", size: 3 * MB, hoursAgo: 400 }]);
        const r = firstAid(1);
        expect(r.code, r.stderr).to.equal(0);
        const res = parseFirstAid(r.stdout)!;
        expect(res.ran).to.equal(false);
        expect(res.freedBytes).to.equal(0);
        expect(h.buildCache().map((i) => i.id)).to.deep.equal(["old"]);
        expect(h.dockerLog().filter((i) => i.kind === "prune")).to.deep.equal([]);
        expect(fs.readFileSync(firstAidRecord(stateDir), "utf8")).to.equal("1\n");
        // One entry per file system, each path labelled (the shared root and state dir share Dokku's).
        const mounts = res.disk.map((d: DiskFs) => [d.mount, d.labels]);
        expect(mounts).to.deep.include([dockerRoot, ["docker"]]);
        expect(mounts).to.deep.include([dokkuLib, ["dokku", "shared", "state"]]);
    });

    it("frees Docker's file system at 0 bytes free: build cache to its bound, then the record", () => {
        buildCache([
            { id: "old", size: 3 * MB, hoursAgo: 400 },
            { id: "older", size: 2 * MB, hoursAgo: 500 },
            { id: "recent", size: 1 * MB, hoursAgo: 1 },
        ]);
        fill(dockerRoot);
        expect(dfAvail(dockerRoot)).to.be.below(64 * 1024);
        const r = firstAid(3);
        expect(r.code, r.stderr).to.equal(0);
        const res = parseFirstAid(r.stdout)!;
        expect(res.ran).to.equal(true);
        expect(res.freedBytes).to.be.at.least(5 * MB);
        const docker = res.disk.find((d) => d.labels.includes("docker"))!;
        expect(docker.availBytes - docker.availBefore).to.be.at.least(5 * MB);
        expect(h.buildCache().map((i) => i.id)).to.deep.equal(["recent"]);
        expect(r.stderr).to.match(/first aid freed \d+ bytes: .*var\/lib\/docker \(docker\)/);
        expect(r.stderr).to.match(/below disk\.minFree/);
        expect(fs.readFileSync(firstAidRecord(stateDir), "utf8")).to.equal("3\n");
        expect(h.dockerLog().filter((i) => i.kind === "forbidden")).to.deep.equal([]);
    });

    it("tries Docker's prune once more after the shared-cache pass when the daemon had no room for its metadata", () => {
        buildCache([
            { id: "old", size: 3 * MB, hoursAgo: 400 },
            { id: "older", size: 2 * MB, hoursAgo: 500 },
        ]);
        fill(dockerRoot);
        // The first prune fails as dockerd 20.10 did on a full disk (BuildKit's bbolt metadata).
        const wrap = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-docker-enospc-"));
        const once = path.join(wrap, "failed-once");
        fs.writeFileSync(
            path.join(wrap, "docker"),
            `#!/bin/sh
case " $* " in *" prune "*)
  if [ ! -e ${JSON.stringify(once)} ]; then
    : > ${JSON.stringify(once)}
    echo "Error response from daemon: write /var/lib/docker/buildkit/metadata_v2.db: no space left on device" >&2
    exit 1
  fi ;;
esac
PATH=\${PATH#*:} exec docker "$@"
`,
            { mode: 0o755 },
        );
        try {
            const r = firstAid(2, 2 * MB, withEnv(h, { PATH: `${wrap}:${h.env().PATH}` }));
            expect(r.code, r.stderr).to.equal(0);
            expect(r.stderr).to.match(
                /prune exited [1-9]\d*; once more after the shared-cache pass/,
            );
            expect(h.buildCache().map((i) => i.id)).to.deep.equal([]);
            expect(parseFirstAid(r.stdout)!.freedBytes).to.be.at.least(5 * MB);
        } finally {
            fs.rmSync(wrap, { recursive: true, force: true });
        }
    });

    it("frees Dokku's file system: the shared caches to their bounds, files oldest first", () => {
        pipCache([
            { name: "a", size: 3 * MB, daysAgo: 3 },
            { name: "b", size: 3 * MB, daysAgo: 2 },
            { name: "c", size: 512 * 1024, daysAgo: 1 },
        ]);
        fill(sharedRoot);
        const r = firstAid(1);
        expect(r.code, r.stderr).to.equal(0);
        const res = parseFirstAid(r.stdout)!;
        const dokku = res.disk.find((d) => d.labels.includes("shared"))!;
        expect(dokku.availBytes - dokku.availBefore).to.be.at.least(5.9 * MB);
        expect(fs.readdirSync(path.join(sharedRoot, "pip/http-v2")).sort()).to.deep.equal(["c"]);
        expect(fs.existsSync(firstAidRecord(stateDir))).to.equal(true);
    });

    it("when nothing can be freed: exit 4 naming the file system, its free bytes, docker system df and the command; nothing written", () => {
        buildCache([{ id: "recent", size: 2 * MB, hoursAgo: 1 }]);
        fill(dockerRoot);
        const free = dfAvail(dockerRoot);
        const r = firstAid(2);
        expect(r.code, r.stderr).to.equal(4);
        expect(r.stderr).to.include(`NO SPACE LEFT: ${dockerRoot} (docker: ${dockerRoot})`);
        expect(r.stderr).to.match(new RegExp(`has ${free} bytes free of \\d+ after first aid`));
        expect(r.stderr).to.include("docker system df");
        expect(r.stderr).to.match(/Build Cache/);
        expect(r.stderr).to.include("docker builder prune --all --force");
        expect(h.buildCache().map((i) => i.id)).to.deep.equal(["recent"]);
        expect(fs.existsSync(stateDir)).to.equal(false);
    });

    it("the probe reads free space and the first aid's record before anything else", () => {
        fill(dockerRoot);
        fs.mkdirSync(stateDir, { recursive: true });
        fs.writeFileSync(firstAidRecord(stateDir), "7\n");
        const r = h.sh(
            probeScript([], false, stateDir, stateDir, { sharedRoot, stateDir, dokkuLib }),
        );
        expect(r.code, r.stderr).to.equal(0);
        const o = parseProbe(r.stdout);
        expect(o.firstAid).to.equal(7);
        const docker = o.disk!.find((d) => d.labels.includes("docker"))!;
        expect(docker.mount).to.equal(dockerRoot);
        expect(docker.availBytes).to.be.below(64 * 1024);
    });

    it("the probe still answers when its temp dir cannot be made (TMPDIR on a full file system)", () => {
        h.createApp("api");
        fs.mkdirSync(path.join(stateDir, "apps"), { recursive: true });
        fs.writeFileSync(path.join(stateDir, "apps/api.json"), '{"repair":4}\n');
        // A file system with no inode left: no temp dir can be made there.
        const tmp = path.join(h.root, "tmp-full");
        mountTmpfs(tmp, "size=1m,nr_inodes=2");
        mounted.push(tmp);
        fs.writeFileSync(path.join(tmp, "filler"), "");
        const full = withEnv(h, { TMPDIR: tmp });
        const r = full.sh(
            probeScript(["api"], false, stateDir, stateDir, { sharedRoot, stateDir, dokkuLib }),
        );
        expect(r.code, r.stderr).to.equal(0);
        const o = parseProbe(r.stdout);
        expect(o.degraded).to.equal(true);
        expect(o.state.api).to.deep.include({ exists: true, unread: true, repair: 4 });
        expect(r.stderr).to.include("no room for a temp dir");
    });
    it("verify's report still gives free space per file system when the probe has no temp dir", () => {
        h.createApp("api");
        const tmp = path.join(h.root, "tmp-full");
        mountTmpfs(tmp, "size=1m,nr_inodes=2");
        mounted.push(tmp);
        fs.writeFileSync(path.join(tmp, "filler"), "");
        const d = buildDesiredState(
            validateSettings({
                connection: { host: "127.0.0.1", hostKey: HOST_KEY },
                sharedRoot,
                stateDir,
                hostPaths: h.hostPaths(),
                apps: [{ name: "api", caches: ["pip"] }],
            }),
        );
        const r = withEnv(h, { TMPDIR: tmp }).sh(reportScript(d, false));
        expect(r.code, r.stderr).to.equal(0);
        const out = parseReportOutput(r.stdout);
        expect(out.observed.degraded).to.equal(true);
        expect(out.facts.disk.map((f) => f.labels).flat()).to.include.members(["shared", "state"]);
    });
});
