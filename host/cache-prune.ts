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
import { shQuote } from "./shell";

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
 */
export const CACHE_PRUNE_FUNCTIONS_SH = `dsc_files() { # dir sub...
  d=$1; shift
  for s in "$@"; do [ -d "$d/$s" ] && find "$d/$s" -type f -printf '%T@ %s %p\\n'; done; return 0
}
dsc_dirs() { # dir glob...: each matching directory as one unit
  d=$1; shift
  for g in "$@"; do
    for u in $d/$g; do
      [ -d "$u" ] && [ ! -L "$u" ] || continue
      printf '%s %s %s\\n' "$(stat -c %Y -- "$u")" "$(du -sb -- "$u" | cut -f1)" "$u"
    done
  done
}
dsc_units_pip() { dsc_files "$1" http-v2 http wheels; }
dsc_units_npm() { dsc_files "$1" _cacache/content-v2 _cacache/index-v5 _logs; }
dsc_units_evict_oldest() { find "$1" -mindepth 1 -type f -printf '%T@ %s %p\\n'; }
dsc_units_cargo() {
  dsc_files "$1" registry/cache
  dsc_dirs "$1" 'registry/src/*/*' 'git/checkouts/*' 'git/db/*'
}
dsc_units_playwright() {
  # Revision directories (chromium-1140, firefox-1466, ...), without the newest of each browser.
  dsc_dirs "$1" '*-[0-9]*' | awk '{
    n = split($3, parts, "/"); base = parts[n]; name = base; sub(/-[0-9]+$/, "", name)
    rev = substr(base, length(name) + 2) + 0; line[NR] = $0; nm[NR] = name; rv[NR] = rev
    if (!(name in max) || rev > max[name]) max[name] = rev
  } END { for (i = 1; i <= NR; i++) if (rv[i] < max[nm[i]]) print line[i] }'
}
dsc_evict() { # kind dir maxBytes ageMinutes(0 = none); size from $size
  cutoff=0
  [ "$4" -gt 0 ] && cutoff=$(($(date +%s) - $4 * 60))
  # Oldest first; awk picks the units to go (while over the bound or older than the cutoff),
  # one rm for all of them.
  dsc_units_$(printf '%s' "$1" | tr - _) "$2" | sort -n | awk -v size="$size" -v max="$3" -v cutoff="$cutoff" '{
    t = int($1); s = $2; p = substr($0, length($1) + length($2) + 3)
    if (size <= max && t >= cutoff) exit
    printf "%s%c", p, 0; size -= s
  }' | xargs -0 -r rm -rf --
  return 0
}
dsc_locked() { # lockfile... : runs "$DSC_BODY" holding flock -n on each (fd 8, 9); 75 if busy
  if [ $# -eq 0 ]; then (eval "$DSC_BODY"); return $?; fi
  l=$1; shift
  if [ ! -e "$l" ]; then dsc_locked "$@"; return $?; fi
  if [ -z "\${dsc_fd:-}" ]; then dsc_fd=9; else dsc_fd=8; fi
  (
    eval "exec $dsc_fd<\\"\\$l\\""
    flock -n "$dsc_fd" || exit 75
    dsc_locked "$@"
  )
}
dsc_pw_lock() { # dir: takes Playwright's __dirlock as its lockfile does (mkdir, mtime kept fresh); 75 if held
  l="$1/__dirlock"
  if ! mkdir -- "$l" 2>/dev/null; then
    now=$(date +%s); m=$(stat -c %Y -- "$l" 2>/dev/null || echo "$now")
    [ $((now - m)) -gt 60 ] || return 75
    echo "dokku-shared-cache: $l is $((now - m))s old (stale: Playwright refreshes it every 5s); taking it over" >&2
    rm -rf -- "$l"; mkdir -- "$l" 2>/dev/null || return 75
  fi
  ( while [ -d "$l" ]; do sleep 5; touch -c -- "$l" 2>/dev/null; done ) </dev/null >/dev/null 2>&1 &
  dsc_pw_toucher=$!
}
dsc_pw_unlock() { # dir
  kill "$dsc_pw_toucher" 2>/dev/null; wait "$dsc_pw_toucher" 2>/dev/null
  rmdir -- "$1/__dirlock" 2>/dev/null || true
}
dsc_du() { du -sb -- "$1" 2>/dev/null | cut -f1; }
dsc_record() { # name status before after max kind
  rec=$(printf '{"cache":"%s","kind":"%s","status":"%s","before":%s,"after":%s,"maxBytes":%s,"at":%s}' "$1" "$6" "$2" "$3" "$4" "$5" "$(date +%s)")
  printf '%s%s\\n' ${shQuote(CACHE_RESULT_MARKER)} "$rec"
  mkdir -p -- "$DSC_STATE/caches" && printf '%s\\n' "$rec" > "$DSC_STATE/caches/$1.json.tmp" && mv -f -- "$DSC_STATE/caches/$1.json.tmp" "$DSC_STATE/caches/$1.json"
}
dsc_cache() { # name dir kind maxBytes ageMinutes
  name=$1; dir=$2; kind=$3; max=$4; age=$5
  if [ ! -d "$dir" ] || [ -L "$dir" ]; then dsc_record "$name" absent 0 0 "$max" "$kind"; return 0; fi
  size=$(dsc_du "$dir"); before=$size
  if [ "$kind" = none ]; then
    st=measured; [ "$size" -gt "$max" ] && st=over-bound-no-mechanism
    dsc_record "$name" "$st" "$before" "$size" "$max" "$kind"; return 0
  fi
  case $kind in
    uv) locks="$dir/.lock"
      # uv's own prune takes uv's lock itself: run it before we hold that lock (never inside:
      # it would wait for us), only when no uv holds the lock now, and at most 10 minutes.
      if command -v uv >/dev/null 2>&1 && { [ ! -e "$dir/.lock" ] || flock -n "$dir/.lock" true; }; then
        timeout 600 uv cache prune --cache-dir "$dir" >&2 || true; size=$(dsc_du "$dir")
      fi
      DSC_BODY='if [ "$size" -gt "$max" ]; then find "$dir" -mindepth 1 -maxdepth 1 ! -name .lock ! -name CACHEDIR.TAG ! -name .gitignore -exec rm -rf -- {} +; fi
        dsc_du "$dir" > "$DSC_TMP"' ;;
    cargo) locks="$dir/.package-cache-mutate $dir/.package-cache"
      DSC_BODY='dsc_evict cargo "$dir" "$max" "$age"; dsc_du "$dir" > "$DSC_TMP"' ;;
    playwright) locks=""
      DSC_BODY='if dsc_pw_lock "$dir"; then dsc_evict playwright "$dir" "$max" 0; dsc_pw_unlock "$dir"; else exit 75; fi
        dsc_du "$dir" > "$DSC_TMP"' ;;
    *) locks=""
      DSC_BODY='dsc_evict "$kind" "$dir" "$max" "$age"; dsc_du "$dir" > "$DSC_TMP"' ;;
  esac
  DSC_TMP=$(mktemp); dsc_fd=""
  # shellcheck disable=SC2086
  if dsc_locked $locks; then
    size=$(cat "$DSC_TMP"); rm -f -- "$DSC_TMP"
    st=ok; [ "$size" -gt "$max" ] && st=over-bound
    dsc_record "$name" "$st" "$before" "$size" "$max" "$kind"
  else
    rc=$?; rm -f -- "$DSC_TMP"
    if [ "$rc" = 75 ]; then
      echo "dokku-shared-cache: cache $name: in use (lock held on \${locks:-\$dir/__dirlock}); skipped, nothing removed" >&2
      dsc_record "$name" skipped-in-use "$before" "$before" "$max" "$kind"
    else
      echo "dokku-shared-cache: cache $name: prune failed (exit $rc)" >&2
      dsc_record "$name" failed "$before" "$(dsc_du "$dir")" "$max" "$kind"
    fi
  fi
}`;

/** The cache pass: one `dsc_cache` call per directory (after {@link CACHE_PRUNE_FUNCTIONS_SH}). */
export function cachePruneCallsSh(targets: readonly CachePruneTarget[], stateDir: string): string {
    const calls = targets.map((t) =>
        [
            "dsc_cache",
            shQuote(t.name),
            shQuote(t.hostPath),
            shQuote(t.bound.prune),
            shQuote(dockerSize(t.bound.maxSize)),
            String(AGE_KINDS.includes(t.bound.prune) ? ageMinutes(t.bound.maxAge) : 0),
        ].join(" "),
    );
    return [`DSC_STATE=${shQuote(stateDir)}`, ...calls].join("\n");
}

/** A standalone script that bounds the given caches once (tests, the benchmark, `cachesPruneNow`). */
export function cachePruneScript(targets: readonly CachePruneTarget[], stateDir: string): string {
    return `set -u\n${CACHE_PRUNE_FUNCTIONS_SH}\n${cachePruneCallsSh(targets, stateDir)}\n`;
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
