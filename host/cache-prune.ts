/**
 * Bounding the shared caches: the shell the scheduled prune job (host/build-cache.ts) runs for
 * each cache directory, by the safest mechanism that cache has. Pure text; every value shQuote'd.
 *
 * Per kind, what runs and what protects an app installing from the cache at that moment (the
 * sources read are named; docs/shared-caches.md has the same table):
 * - `uv`: every uv that uses the cache holds a *shared* flock(2) on `<cache>/.lock` ("Block cache
 *   removal operations from interfering", `Cache::init`), and `uv cache clean` / `uv cache prune`
 *   take it *exclusive*, waiting (at most `UV_LOCK_TIMEOUT`, 5 min) while any uv works
 *   (astral-sh/uv crates/uv-cache/src/lib.rs, crates/uv/src/commands/cache_prune.rs and
 *   crates/uv-fs/src/locked_file.rs at 0.12.5-79-g26a9dd4b2; the shared lock since uv 0.8.19,
 *   PR #15888: an older uv holds no lock while it installs). Deleting single entries under
 *   `archive-v0` breaks environments that link to them (astral-sh/uv#6147), so there is no
 *   oldest-first eviction: `uv cache prune` when uv is on the host (before we hold the lock: it
 *   would wait for us), then `flock -n` exclusive on `.lock` (any uv at work: skipped and
 *   reported) and, still over the bound, the cache emptied as `uv cache clean` does (all but
 *   `.lock`, `CACHEDIR.TAG`, `.gitignore`; uv re-creates the base files on its next start).
 * - `npm`: cacache writes content to `_cacache/tmp/` and moves it into `content-v2/` (atomic;
 *   npm/cacache lib/content/write.js, v21.0.1); no lock exists. A content file that is gone is
 *   a retriable miss: pacote refetches it (npm/pacote lib/fetcher.js `isRetriableError`: "We allow
 *   ENOENTs from cacache", v22.0.0) and make-fetch-happen drops the stale index entry
 *   (lib/cache/entry.js, v16.0.1). Content files and index buckets (`index-v5`) go oldest first
 *   (mtime). `npm cache verify` is NOT run: cacache's verify (lib/verify.js, v21.0.1) re-reads and
 *   re-hashes every content file, truncates and rewrites each index bucket ("cacache explicitly
 *   lets very racy bucket conflicts clobber each other") and ends with `rm -rf _cacache/tmp`,
 *   which deletes the in-flight downloads of an npm installing at that moment.
 * - `pip`: pip writes its HTTP and wheel cache files to a temp file and replaces (atomic); a
 *   missing file is a miss (pip docs, "Caching"). Files go oldest first; no lock exists.
 * - `cargo`: Cargo (≥ 1.74) locks `CARGO_HOME` with two flock(2) files
 *   (rust-lang/cargo src/util/cache_lock.rs, 0.95.0-1502-gaf373f761): `.package-cache-mutate`,
 *   held *shared* by every build reading sources and *exclusive* by cache GC, then
 *   `.package-cache`, held exclusive while downloading or resolving; a mutating process takes
 *   "mutate" first, then "download" (its deadlock rule). We take both, in that order, exclusive
 *   with `flock -n`: any cargo at work makes the cache skipped and reported. Units:
 *   `registry/cache/*` crate files, `registry/src/*` and `git/checkouts/*` directories,
 *   `git/db/*`; all re-created on demand (The Cargo Book, "Cargo Home"). `bin/`, config and
 *   credentials: never. Cargo's own GC: automatic since Cargo 1.88 (unused downloads after 3
 *   months, only while cargo runs, never under `--offline`); the manual `cargo clean gc` still
 *   needs nightly `-Zgc` (doc/book/src/reference/unstable.md), so it is not used.
 * - `playwright`: `playwright install` takes `<browsers path>/__dirlock`, a directory made by
 *   mkdir whose mtime it refreshes every 5 s and which it treats as stale after 10 s
 *   (microsoft/playwright packages/playwright-core/src/server/registry/index.ts `install` and
 *   packages/utils/third_party/lockfile.ts, 1.63.0-next d4e1023f6). We take the same lock the
 *   same way (mkdir, refreshed while we work, removed after); a lock younger than 60 s skips the
 *   cache, an older one is stale and taken over, as Playwright's lockfile does after 10 s.
 *   Playwright itself decides which revisions are in use from `.links/*` (each names a
 *   playwright-core install whose browsers.json lists its revisions); those paths are inside
 *   the app containers and cannot be read from the host, so here whole revision directories
 *   (`chromium-1140`) go oldest first, only for size, and the newest revision of each browser
 *   always stays. An app pinned to an evicted revision must run `playwright install` again.
 * - `evict-oldest`: files oldest first, for a cache the stack says tolerates it.
 * - `none`: measured and reported only.
 */
import { CacheBound, CachePruneKind } from "../config/types";
import { dockerSize } from "../rules/size-units";
import { SH } from "./generated/scripts";
import { shAssign, shQuote } from "./shell";

/** One cache directory the job bounds. */
export interface CachePruneTarget {
    name: string;
    hostPath: string;
    bound: CacheBound;
}

/** Marker of each per-cache result line of the job. */
export const CACHE_RESULT_MARKER = "DOKKU_SHARED_CACHE_CACHE ";

/** `168h` / `90m` in minutes. */
export function ageMinutes(age: string): number {
    const n = Number(age.slice(0, -1));
    return age.endsWith("h") ? n * 60 : n;
}

/** Kinds whose single entries may go for age (uv and Playwright: size only). */
export const AGE_KINDS: readonly CachePruneKind[] = ["npm", "pip", "cargo", "evict-oldest"];

/**
 * The shell functions of the cache pass. `dsc_units_<kind> DIR` prints one line per evictable
 * unit, `mtime bytes path`; `dsc_evict` removes units oldest first while over the bound or
 * older than the age limit; `dsc_cache` runs one cache and prints its result line and record.
 * The text is host/sh/cache-prune.sh; it reads `DSC_STATE` and `DSC_CACHE_MARK` ({@link cachePruneHeaderSh}).
 */
export const CACHE_PRUNE_FUNCTIONS_SH = SH["cache-prune"];

/**
 * The cache pass: a header (the state directory, the result marker), the functions
 * (host/sh/cache-prune.sh), then one `dsc_cache` call per directory.
 */
export function cachePrunePassSh(targets: readonly CachePruneTarget[], stateDir: string): string {
    return [
        cachePruneHeaderSh(stateDir),
        CACHE_PRUNE_FUNCTIONS_SH,
        cachePruneCallsSh(targets),
    ].join("\n");
}

/** What host/sh/cache-prune.sh reads: the state directory and the result marker. */
export function cachePruneHeaderSh(stateDir: string): string {
    return shAssign({ DSC_STATE: stateDir, DSC_CACHE_MARK: CACHE_RESULT_MARKER });
}

/** One `dsc_cache` call per directory. */
export function cachePruneCallsSh(targets: readonly CachePruneTarget[]): string {
    return targets
        .map((t) =>
            [
                "dsc_cache",
                shQuote(t.name),
                shQuote(t.hostPath),
                shQuote(t.bound.prune),
                shQuote(dockerSize(t.bound.maxSize)),
                String(AGE_KINDS.includes(t.bound.prune) ? ageMinutes(t.bound.maxAge) : 0),
            ].join(" "),
        )
        .join("\n");
}

/** A standalone script that bounds the given caches once (tests, the benchmark, `cachesPruneNow`). */
export function cachePruneScript(targets: readonly CachePruneTarget[], stateDir: string): string {
    return `set -u\n${cachePrunePassSh(targets, stateDir)}\n`;
}

export interface CachePruneResult {
    cache: string;
    kind: CachePruneKind;
    status:
        | "ok"
        | "over-bound"
        | "skipped-in-use"
        | "absent"
        | "measured"
        | "over-bound-no-mechanism"
        | "failed";
    before: number;
    after: number;
    maxBytes: number;
    at: number;
}

/** The per-cache result lines of a run. */
export function parseCachePruneResults(stdout: string): CachePruneResult[] {
    return stdout
        .split("\n")
        .filter((l) => l.startsWith(CACHE_RESULT_MARKER))
        .map((l) => JSON.parse(l.slice(CACHE_RESULT_MARKER.length)) as CachePruneResult);
}
