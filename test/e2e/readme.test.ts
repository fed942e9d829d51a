/**
 * The README's operator steps (`### 1. Get it` … `### 7. Undo`), read from README.md and run as
 * written with bash (testkit/readme-walk.ts: it says what it changes, and why), through the real
 * engine (the pulumi CLI, the Node.js language host, the command provider), against a loopback
 * sshd with the dokku and docker doubles. test/dokku/readme.test.ts runs the same steps against the
 * real Dokku 0.38.27.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { printedLines, sampleMismatch, samplesIn } from "../../testkit/doc-samples";
import { README } from "../../testkit/readme";
import { ReadmeWalk, buildCacheSizes } from "../../testkit/readme-walk";
import { SshHost } from "../../testkit/ssh-host";

const GB = 1e9;
const APPS = ["api", "scraper", "web", "search-indexer"];

describe("README: the operator's steps work as written", function () {
    this.timeout(900000);
    let host: SshHost;
    let walk: ReadmeWalk;

    before(async () => {
        host = new SshHost("0.38");
        await host.start();
        // Two apps deployed, two not; all four discovered by the template's `discover`.
        for (const app of APPS) host.createApp(app, app === "api" || app === "scraper");
        host.dokku("config:set", "--no-restart", "api", "USER_OWN=kept");
        // Docker's build cache: 30 GB unused for 400 h (over olderThan 168h), 5 GB used 1 h ago.
        host.seedBuildCache([
            { id: "old", size: 30 * GB, hoursAgo: 400 },
            { id: "fresh", size: 5 * GB, hoursAgo: 1 },
        ]);
        walk = new ReadmeWalk(host);
    });

    after(async () => {
        await host.stop();
        walk?.cleanup();
    });

    /** The apps the dokku double restarted (or rebuilt) since its log was cleared, sorted. */
    const restartedApps = () =>
        host
            .restarts()
            .map((i) => i.args[i.args.length - 1])
            .sort();

    it("install, stack from the template, preview, up, disk freed, verify, destroy", () => {
        const { converge, undo } = walk.steps();

        // Steps 2-6: the stack converges every discovered app.
        const a = walk.run(converge, "step");
        for (const app of APPS) {
            expect(host.mounts(app), app).to.have.length(5);
            expect(host.config(app), app).to.include({ PIP_CACHE_DIR: "/root/.cache/pip" });
        }
        expect(host.config("api")).to.include({ USER_OWN: "kept" });
        // Step 3's preview shows each discovered app's env; step 6's verify found the host in sync.
        expect(a.stdout).to.match(/api \(discovered\): ms-playwright, npm, pip, rust, uv;/);
        expect(a.stdout).to.match(/PIP_CACHE_DIR +: "\/root\/.cache\/pip"/);
        expect(a.stdout).to.match(/dokku-shared-cache report for root@127\.0\.0\.1:\d+: IN SYNC/);
        // Step 3's sample in the README is what its preview printed (the walkthrough stack: the
        // template's discover, four apps, five caches), cut where the README says.
        const preview = /^Previewing update \([\s\S]*?(?=^Updating \()/m.exec(a.stdout)?.[0];
        expect(preview, "step 3's preview, then step 4's up").to.be.a("string");
        expect(preview).not.to.match(/dsc_gen|set -euf|WANT=/); // scripts show as [secret]
        const samples = samplesIn(README, "readme-preview");
        expect(samples, "README.md's <!-- sample: readme-preview -->").to.have.length(1);
        expect(sampleMismatch(samples[0], printedLines(preview!, host.root))).to.equal(undefined);
        // Step 5: the one-off prune's sizes, and docker system df before (35 GB) and after (5 GB).
        expect(a.stdout).to.include(
            '"pruned":{"buildCacheAfter":"5GB","buildCacheBefore":"35GB","reclaimedBytes":30000000000}',
        );
        expect(buildCacheSizes(a.stdout), "docker system df before and after").to.deep.equal([
            "35GB",
            "5GB",
        ]);
        expect(a.stdout).to.match(/^Filesystem\s+Size\s+Used/m); // df -h ran on the host
        expect(host.buildCache().map((i) => i.id)).to.deep.equal(["fresh"]);
        expect(restartedApps(), "up restarts the deployed apps only").to.deep.equal([
            "api",
            "scraper",
        ]);

        // Step 7: destroy undoes what was added; cache data stays.
        fs.writeFileSync(path.join(host.sharedRoot, "pip", "wheel.whl"), "pip data\n");
        host.clearLog();
        walk.run(undo, "undo");
        for (const app of APPS) expect(host.mounts(app), app).to.deep.equal([]);
        expect(host.config("api")).to.deep.equal({ USER_OWN: "kept" });
        expect(host.config("web")).to.deep.equal({});
        expect(
            fs.readFileSync(path.join(host.sharedRoot, "pip", "wheel.whl"), "utf8"),
            "cache data stays",
        ).to.equal("pip data\n");
        expect(fs.existsSync(host.stateDir), "its records stay").to.equal(true);
        expect(
            fs.existsSync(path.join(host.hostPaths().cronDir, "dokku-shared-cache-prune")),
            "the prune job is gone",
        ).to.equal(false);
        expect(restartedApps(), "destroy restarts each deployed app once").to.deep.equal([
            "api",
            "scraper",
        ]);
        expect(host.dockerLog().filter((d) => d.kind === "forbidden")).to.deep.equal([]);
    });
});
