/**
 * Benchmark, separate mode (`npm run bench:caches`): the shared-cache prune pass
 * (host/cache-prune.ts, real /bin/sh) over synthetic pip-style caches of 1 GB and 10 GB
 * (1 MB files, sparse: `du -b` counts their apparent size, so no disk is filled; the pass
 * reads metadata only, which is what is measured), bound = half the cache; wall time and the
 * bytes the pass read (`rchar`/`read_bytes` of /proc/<pid>/io, which include reaped children);
 * and `verify`'s accounting at 100 apps over a loopback sshd (the dokku/docker doubles, one
 * herokuish volume per app). Prints a Markdown table.
 *
 * `--quick` (CI, `.ci/run`): 1 GB and 10 apps. Either mode exits 1 when a pass leaves the cache
 * over its bound or the accounting misses a volume (no timing is enforced).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { verifyHost } from "../cli/verify";
import { validateSettings } from "../config";
import { factsScript } from "../host/facts";
import { buildDesiredState } from "../model/desired-state";
import { cachePruneScript, parseCachePruneResults } from "../host/cache-prune";
import { hostRaw } from "../testkit/apply";
import { SshHost } from "../testkit/ssh-host";

const MB = 1_000_000;

function seedSparse(dir: string, files: number): void {
    for (let i = 0; i < files; i++) {
        const d = path.join(dir, "http-v2", String(i % 256).padStart(2, "0"));
        if (i < 256) fs.mkdirSync(d, { recursive: true });
        const f = path.join(d, `f${i}`);
        fs.closeSync(fs.openSync(f, "w"));
        fs.truncateSync(f, MB);
        const t = Date.now() / 1000 - 86400 - i * 10;
        fs.utimesSync(f, t, t);
    }
}

function prunePass(gb: number): string[] {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-bench-caches-"));
    try {
        const dir = path.join(root, "pip");
        seedSparse(dir, gb * 1000);
        const script = cachePruneScript(
            [
                {
                    name: "pip",
                    hostPath: dir,
                    bound: { maxSize: `${gb * 500}MB`, maxAge: "720h", prune: "pip" },
                },
            ],
            path.join(root, "state"),
        );
        fs.writeFileSync(path.join(root, "pass.sh"), script);
        execFileSync("sync");
        const t0 = process.hrtime.bigint();
        const out = execFileSync(
            "/bin/sh",
            ["-c", `sh "$1"; cat /proc/$$/io`, "bench", path.join(root, "pass.sh")],
            { encoding: "utf8", maxBuffer: 64 * MB },
        );
        const wall = Number(process.hrtime.bigint() - t0) / 1e9;
        const [r] = parseCachePruneResults(out);
        if (r?.status !== "ok" || r.after > gb * 500 * MB) {
            failures.push(`${gb} GB: the pass left ${JSON.stringify(r)} (bound ${gb * 500} MB)`);
        }
        const io = Object.fromEntries(
            out
                .split("\n")
                .filter((l) => /^(rchar|read_bytes): /.test(l))
                .map((l) => l.split(": ") as [string, string]),
        );
        return [
            `${gb} GB (${gb * 1000} files)`,
            wall.toFixed(2),
            (Number(io.rchar) / MB).toFixed(1),
            (Number(io.read_bytes) / MB).toFixed(1),
            `${(r.before / 1e9).toFixed(2)} → ${(r.after / 1e9).toFixed(2)} GB (${r.status})`,
        ];
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

async function verifyAt(n: number): Promise<string[]> {
    const h = new SshHost("0.38");
    await h.start();
    try {
        const apps: string[] = [];
        for (let i = 0; i < n; i++) {
            const app = `app${String(i).padStart(3, "0")}`;
            h.createApp(app, true);
            apps.push(app);
            const v = path.join(h.root, `var/lib/docker/volumes/cache-${app}/_data`);
            fs.mkdirSync(v, { recursive: true });
            fs.writeFileSync(path.join(v, "x"), Buffer.alloc(10_000));
        }
        const raw = hostRaw(h, { apps: apps.map((a) => ({ name: a, caches: ["pip"] })) });
        const t0 = process.hrtime.bigint();
        const r = await verifyHost(raw, h.clientKey);
        const wall = Number(process.hrtime.bigint() - t0) / 1e9;
        // The accounting half alone (no dokku probe), as the report script runs it on the host.
        const d = buildDesiredState(validateSettings({ ...raw, privateKey: h.clientKey }));
        const t1 = process.hrtime.bigint();
        const f = h.sh(factsScript(d));
        const factsWall = Number(process.hrtime.bigint() - t1) / 1e9;
        if (f.code !== 0) throw new Error(f.stderr);
        if (r.accounting.volumes.length !== n) {
            failures.push(`verify at ${n} apps accounted ${r.accounting.volumes.length} volumes`);
        }
        return [
            `${n} apps`,
            wall.toFixed(2),
            factsWall.toFixed(2),
            String(r.accounting.volumes.length),
        ];
    } finally {
        await h.stop();
    }
}

const failures: string[] = [];

async function main(): Promise<void> {
    const quick = process.argv.includes("--quick");
    const lines = [
        `Shared-cache benchmark on ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "cpu"}, ${new Date().toISOString().slice(0, 16)}Z`,
        "",
        "| cache | wall s | rchar MB | read_bytes MB | result |",
        "|---|---|---|---|---|",
    ];
    for (const gb of quick ? [1] : [1, 10]) lines.push(`| ${prunePass(gb).join(" | ")} |`);
    lines.push(
        "",
        "| verify | whole verify wall s | accounting script alone wall s | volumes accounted |",
        "|---|---|---|---|",
    );
    lines.push(`| ${(await verifyAt(quick ? 10 : 100)).join(" | ")} |`);
    process.stdout.write(lines.join("\n") + "\n");
    if (failures.length > 0) {
        process.stderr.write(`bench:caches: ${failures.join("; ")}\n`);
        process.exit(1);
    }
}

main().catch((e: unknown) => {
    process.stderr.write(String(e instanceof Error ? e.stack : e) + "\n");
    process.exit(2);
});
