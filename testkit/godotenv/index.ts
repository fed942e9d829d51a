/**
 * The real github.com/joho/godotenv, as Dokku drives it (./main.go), built
 * from the Go module proxy into a cache directory and run in batches:
 * v1.5.1 (Dokku >= 0.37.8, ./go.mod) and v1.2.0 (0.36.0-0.37.7,
 * ./go.v1.2.0.mod). A build is redone only when the sources or Go change.
 */
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export type GodotenvVersion = "v1.5.1" | "v1.2.0";
export const GODOTENV_VERSIONS: readonly GodotenvVersion[] = ["v1.5.1", "v1.2.0"];

const SRC = __dirname;
const MODFILE: Record<GodotenvVersion, string> = { "v1.5.1": "go.mod", "v1.2.0": "go.v1.2.0.mod" };

/** One request: the ENV file before (base64, null = none), then config:set / config:unset. */
export interface GodotenvRequest {
    file: string | null;
    set: Record<string, string>;
    unset: string[];
}
/** What Dokku would do (see main.go). */
export interface GodotenvAnswer {
    loadErr?: string;
    deleted: string[];
    file: string | null;
    wrote: boolean;
    read: Record<string, string> | null;
    readErr?: string;
    json: string;
}

/** Path of the built program for a version (builds it when missing). */
export function godotenvBinary(version: GodotenvVersion): string {
    const modfile = MODFILE[version];
    const sum = modfile.replace(/\.mod$/, ".sum");
    const goVersion = execFileSync("go", ["version"], { encoding: "utf8" }).trim();
    const h = crypto.createHash("sha256").update(goVersion);
    for (const f of ["main.go", modfile, sum]) h.update(fs.readFileSync(path.join(SRC, f)));
    const cache =
        process.env.DSC_GODOTENV_CACHE ??
        path.join(os.homedir(), ".cache/dokku-shared-cache/godotenv");
    const bin = path.join(cache, h.digest("hex").slice(0, 16), `godotenv-dokku-${version}`);
    if (fs.existsSync(bin)) return bin;
    fs.mkdirSync(path.dirname(bin), { recursive: true });
    const tmp = `${bin}.${process.pid}.tmp`;
    const r = spawnSync("go", ["build", `-modfile=${modfile}`, "-o", tmp, "."], {
        cwd: SRC,
        encoding: "utf8",
        env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly" },
    });
    if (r.status !== 0) throw new Error(`building godotenv ${version} failed:\n${r.stderr}`);
    fs.renameSync(tmp, bin);
    return bin;
}

/** Runs requests through the real godotenv, one process per batch. */
export function runGodotenv(version: GodotenvVersion, reqs: GodotenvRequest[]): GodotenvAnswer[] {
    // godotenv v1.5.1's Write fsyncs every file: keep the scratch file in memory when we can.
    const shm = fs.existsSync("/dev/shm") ? { TMPDIR: "/dev/shm" } : {};
    const r = spawnSync(godotenvBinary(version), [], {
        env: { ...process.env, ...shm },
        input: reqs.map((q) => JSON.stringify(q) + "\n").join(""),
        encoding: "utf8",
        maxBuffer: 1 << 30,
    });
    if (r.status !== 0) throw new Error(`godotenv ${version} failed:\n${r.stderr}`);
    const out = r.stdout
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as GodotenvAnswer);
    if (out.length !== reqs.length) throw new Error(`godotenv ${version}: ${out.length} answers`);
    return out;
}
