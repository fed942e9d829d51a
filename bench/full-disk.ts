/**
 * Benchmark, separate mode: the first `pulumi up` on a FULL host (real Dokku 0.38.27, real
 * engine): wall time of that `up`, bytes the first aid freed, and the dokku calls it made.
 * It runs test/dokku/full-disk.test.ts under the shared lock (one loop-mounted ext4 holding a
 * second private dockerd's data root, the shared caches and the state dir, filled by real
 * BuildKit cache mounts and a filler until a 4 KiB write fails; testkit/full-disk-dokku.ts),
 * which writes its measurements to DSC_FULLDISK_RESULTS, then appends a Markdown row to
 * bench/full-disk-results.md. Nothing is asserted on the timings.
 *
 *   npx ts-node --transpile-only bench/full-disk.ts [--reps N]
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const reps = Number(process.argv[process.argv.indexOf("--reps") + 1] || 1) || 1;
const repo = path.resolve(__dirname, "..");
const out = path.join(repo, "bench/full-disk-results.md");
const rows: string[] = [];
for (let i = 0; i < reps; i++) {
    const res = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dsc-bench-fd-")), "r.json");
    const r = spawnSync(
        "flock",
        [
            "/tmp/dsc-real-dokku.lock",
            "npx",
            "mocha",
            "--timeout",
            "900000",
            "test/dokku/full-disk.test.ts",
        ],
        { cwd: repo, env: { ...process.env, DSC_FULLDISK_RESULTS: res }, stdio: "inherit" },
    );
    if (r.status !== 0 || !fs.existsSync(res)) {
        console.error(`run ${i + 1}: the full-disk test failed (exit ${r.status})`);
        process.exit(1);
    }
    const m = JSON.parse(fs.readFileSync(res, "utf8")) as {
        wallSeconds: number;
        freedBytes: number;
        dokkuCalls: number;
        dokkuWrites: number;
        buildCacheBefore: string;
        buildCacheAfter: string;
    };
    rows.push(
        `| ${new Date().toISOString().slice(0, 16)}Z | ${os.loadavg()[0].toFixed(1)} | ${m.wallSeconds.toFixed(1)} s | ${(m.freedBytes / 1e6).toFixed(1)} MB | ${m.buildCacheBefore} → ${m.buildCacheAfter} | ${m.dokkuCalls} (${m.dokkuWrites} writes) |`,
    );
}
if (!fs.existsSync(out)) {
    fs.writeFileSync(
        out,
        [
            "# First `pulumi up` on a full host (bench/full-disk.ts)",
            "",
            "Real Dokku 0.38.27 and real engine; one 700 MB loop-mounted ext4 holding Docker's data root",
            "(a second private dockerd, 20.10), the shared caches and the state dir, filled by 4 real",
            "BuildKit builds (40 MB cache mount each), a 24 MB pip cache (bound 5 MB) and a filler until",
            "a 4 KiB write fails; 2 apps (one deployed), `buildCache.maxSize: 20MB`, `disk.minFree: 50MB`.",
            "Wall: the whole `pulumi up` (engine, probe, first aid, converge of both apps, one restart).",
            "",
            "| when | load | wall of the up | freed | build cache | dokku calls |",
            "|---|---|---|---|---|---|",
            "",
        ].join("\n"),
    );
}
fs.appendFileSync(out, rows.join("\n") + "\n");
console.log(rows.join("\n"));
