/**
 * Free space on the host, and first aid for a full disk (docs/full-disk.md).
 *
 * A Dokku host whose disk is already full ("no space left on device": BuildKit cache mounts
 * grew the build cache to tens of GB) cannot take any of this program's writes: the cache
 * directories, the ledger, the generations all need a block. What frees space needs none:
 * Docker's daemon prunes its own build cache, and the shared-cache pass removes files. So
 * `pulumi up` runs {@link firstAidScript} first, when the probe saw a file system below
 * `disk.minFree`, and everything that writes depends on it.
 *
 * The first aid script writes nothing before its prunes: no generation wrapper
 * (host/generation.ts writes `<stateDir>/gen/…`), no temp file of its own, no heredoc (a shell
 * may back it with a temp file); values travel in variables. Docker's build cache goes first
 * (through the daemon, which needs no free space on our side), so that a `/tmp` on the same
 * file system has room before the shared-cache pass (it uses `mktemp`). Only once both prunes
 * ran and the file systems are above the floor does it record its generation
 * (`<stateDir>/first-aid`), which the probe reads to keep the command text stable.
 * Nothing here deletes files under Docker's data root, stops a container or restarts Docker.
 * Pure text; every value shQuote'd.
 */
import { BuildCacheSpec } from "../config/types";
import { DiskFs, firstAidFloor } from "../rules/disk";
import {
    CACHE_PRUNE_FUNCTIONS_SH,
    CachePruneTarget,
    cachePruneCallsSh,
    cachePruneHeaderSh,
} from "./cache-prune";
import { SH } from "./generated/scripts";
import { pruneScript } from "./build-cache";
import { RESULT_MARKER } from "./result";
import { shAssign, shLines } from "./shell";

/** Dokku's data (`DOKKU_LIB_ROOT` of its Debian package). */
export const DOKKU_LIB_ROOT = "/var/lib/dokku";

/** The paths whose file systems are watched (Docker's root is asked from the daemon). */
export interface DiskPaths {
    sharedRoot: string;
    stateDir: string;
    /** Dokku's data; default {@link DOKKU_LIB_ROOT} (tests pass their own). */
    dokkuLib?: string;
}

/** Where the first aid records the generation it last ran (read by the probe). */
export function firstAidRecord(stateDir: string): string {
    return `${stateDir}/first-aid`;
}

/**
 * Shell function `dsc_disk`: prints one JSON array of {@link DiskFs}, one entry per file system,
 * for Docker's data root (`docker info`; `/var/lib/docker` when the daemon does not answer),
 * /var/lib/dokku, the shared root and the state dir (each its nearest existing ancestor).
 * Read-only: `docker info`, `df`, `jq`; no temp file.
 */
export function diskFunctionSh(p: DiskPaths): string {
    const header = shAssign({
        DSC_DOKKU_LIB: p.dokkuLib ?? DOKKU_LIB_ROOT,
        DSC_SHARED_ROOT: p.sharedRoot,
        DSC_STATE_DIR: p.stateDir,
    });
    return `${header}\n${SH["disk-function"]}`;
}

export interface FirstAidOptions extends DiskPaths {
    /** `disk.minFree` in bytes. */
    minFree: number;
    /** The stack's build-cache bound (`buildCache`, or its defaults when the stack turned it off). */
    buildCache: Pick<BuildCacheSpec, "olderThan" | "maxSize">;
    /** The shared caches and their bounds. */
    caches: readonly CachePruneTarget[];
}

/** What the first aid prints on its result line. */
export interface FirstAidResult {
    /** Whether it pruned (false: every file system had at least `minFree`). */
    ran: boolean;
    generation: number;
    /** Sum over the file systems of free bytes after minus before (0 when it did not run). */
    freedBytes: number;
    /** Per file system, free bytes before and after. */
    disk: (DiskFs & { availBefore: number })[];
    /** Docker's build cache size as `docker system df` shows it, before and after ("" unknown). */
    buildCacheBefore: string;
    buildCacheAfter: string;
}

/**
 * The first aid (run as `sh -s converge N`, N its generation): when a watched file system has
 * less than `minFree` free, prune Docker's build cache to the stack's bound (through the
 * daemon), then bound the shared caches, holding `<stateDir>/prune.lock` if it exists (never
 * two of our prunes at once; creating it could need a block). Prints one result line
 * ({@link FirstAidResult}) and a log line on stderr. Still below the floor afterwards: exits 4
 * with the file system, its free bytes, `docker system df` and the one command to run, having
 * written nothing. Otherwise records N in `<stateDir>/first-aid` (best effort).
 */
export function firstAidScript(o: FirstAidOptions): string {
    const floor = firstAidFloor(o.minFree);
    const prune = pruneScript(o.buildCache);
    // The pass's per-cache records (\`<stateDir>/caches/*.json\`) are left to the scheduled job:
    // here each cache only prints its result line, so nothing is written before the end.
    const caches = shLines([
        "set -u",
        cachePruneHeaderSh(o.stateDir),
        CACHE_PRUNE_FUNCTIONS_SH,
        SH["first-aid-record"],
        cachePruneCallsSh(o.caches),
    ]);
    const header = shAssign({
        MIN: String(o.minFree),
        FLOOR: String(floor),
        DSC_MARK: RESULT_MARKER,
        DSC_REC: firstAidRecord(o.stateDir),
        dsc_prune: prune,
        dsc_caches: caches,
        dsc_lock: o.stateDir + "/prune.lock",
    });
    return shLines(["set -u", header, diskFunctionSh(o), SH["first-aid"]]);
}

/** The first aid's result line, if it printed one. */
export function parseFirstAid(stdout: string): FirstAidResult | undefined {
    const line = stdout
        .split("\n")
        .filter((l) => l.startsWith(RESULT_MARKER))
        .pop();
    return line ? (JSON.parse(line.slice(RESULT_MARKER.length)) as FirstAidResult) : undefined;
}
