/**
 * The real github.com/docker/go-units v0.5.0 `RAMInBytes` (what Docker
 * parses its build-cache size flags and daemon.json builder GC sizes with),
 * built from the Go module proxy into a cache directory (./main.go) and run
 * on a batch of strings. Rebuilt only when the sources or Go change.
 */
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** What RAMInBytes returned for one input: bytes (as a decimal string, exact) or its error. */
export type RamInBytes = { bytes: string } | { err: string };

function binary(): string {
    const goVersion = execFileSync("go", ["version"], { encoding: "utf8" }).trim();
    const h = crypto.createHash("sha256").update(goVersion);
    for (const f of ["main.go", "go.mod", "go.sum"])
        h.update(fs.readFileSync(path.join(__dirname, f)));
    const bin = path.join(
        os.homedir(),
        ".cache/dokku-shared-cache/go-units",
        h.digest("hex").slice(0, 16),
        "ram-in-bytes",
    );
    if (fs.existsSync(bin)) return bin;
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    const tmp = `${bin}.${process.pid}.tmp`;
    const r = spawnSync("go", ["build", "-o", tmp, "."], {
        cwd: __dirname,
        encoding: "utf8",
        env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly" },
    });
    if (r.status !== 0) throw new Error(`building go-units RAMInBytes failed:\n${r.stderr}`);
    fs.renameSync(tmp, bin);
    return bin;
}

/** RAMInBytes of each input (inputs must not contain newlines). */
export function ramInBytes(inputs: readonly string[]): RamInBytes[] {
    const r = spawnSync(binary(), [], {
        input: inputs.map((s) => s + "\n").join(""),
        encoding: "utf8",
        maxBuffer: 1 << 28,
    });
    if (r.status !== 0) throw new Error(`ram-in-bytes failed:\n${r.stderr}`);
    // Parse "bytes" as text: int64 values beyond 2^53 must stay exact.
    const out = r.stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l): RamInBytes => {
            const m = /^\{"bytes":(-?\d+)\}$/.exec(l);
            return m ? { bytes: m[1] } : (JSON.parse(l) as { err: string });
        });
    if (out.length !== inputs.length) throw new Error(`ram-in-bytes: ${out.length} answers`);
    return out;
}
