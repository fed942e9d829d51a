/**
 * Bounding the shared caches: the shell the scheduled prune job (host/build-cache.ts) runs for
 * each cache directory, by the safest mechanism that cache has. Pure text; every value shQuote'd.
 *
 * Per kind, what runs and what protects an app installing from the cache at that moment:
 * - `uv`: uv holds a lock on `<cache>/.lock` while it uses the cache, and `uv cache clean` /
 *   `uv cache prune` wait for it (astral-sh/uv PR #16342, "When a process is running and another
 *   calls uv cache clean or uv cache prune we currently deadlock"; uv's locks are flock(2) on
 *   Unix). Deleting single entries under `archive-v0` breaks installs that link to them
 *   (astral-sh/uv#6147), so there is no oldest-first eviction: we take `flock -n` on `.lock`
 *   (a busy cache is skipped and reported), run `uv cache prune` when uv is on the host, and
 *   when still over the bound empty the cache as `uv cache clean` does (all but `.lock`,
 *   `CACHEDIR.TAG`, `.gitignore`), under that lock.
 * - `npm`: cacache writes content to a temp file and renames it into `content-v2` (atomic), and
 *   verifies integrity on read; content that is gone is a cache miss and is fetched again.
 *   Content files go oldest first (mtime), then `npm cache verify` (cacache's GC, which drops
 *   index entries whose content is gone) when npm is on the host. No lock exists to take.
 * - `pip`: pip writes its HTTP and wheel cache files to a temp file and replaces (atomic); a
 *   missing file is a miss (pip docs, "Caching"). Files go oldest first; no lock exists.
 * - `cargo`: Cargo locks `CARGO_HOME` with `.package-cache` (downloads) and
 *   `.package-cache-mutate` (builds reading sources, Cargo ≥ 1.74's cache GC); we take both
 *   with `flock -n` and skip a busy cache. Units: `registry/cache/*` crate files,
 *   `registry/src/*` and `git/checkouts/*` directories, `git/db/*`; all re-created on demand
 *   (The Cargo Book, "Cargo Home": "can be deleted"). `bin/`, config and credentials: never.
 * - `playwright`: `playwright install` holds `__dirlock` (a directory lock) in the browsers
 *   path; a cache with it is skipped. Whole browser revision directories (`chromium-1140`) go
 *   oldest first, only for size, and the newest revision of each browser always stays. An app
 *   pinned to an evicted revision must run `playwright install` again.
 * - `evict-oldest`: files oldest first, for a cache the stack says tolerates it.
 * - `none`: measured and reported only.
 */
import { CacheBound, CachePruneKind } from "../config/types";
import { dockerSize } from "../config/size-units";
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
dsc_units_npm() { dsc_files "$1" _cacache/content-v2 _logs; }
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
  if [ $# -eq 0 ]; then eval "$DSC_BODY"; return $?; fi
  l=$1; shift
  if [ ! -e "$l" ]; then dsc_locked "$@"; return $?; fi
  if [ -z "\${dsc_fd:-}" ]; then dsc_fd=9; else dsc_fd=8; fi
  (
    eval "exec $dsc_fd<\\"\\$l\\""
    flock -n "$dsc_fd" || exit 75
    dsc_locked "$@"
  )
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
  if [ "$kind" = playwright ] && [ -e "$dir/__dirlock" ]; then
    echo "dokku-shared-cache: cache $name: playwright install in progress ($dir/__dirlock); skipped" >&2
    dsc_record "$name" skipped-in-use "$before" "$size" "$max" "$kind"; return 0
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
    cargo) locks="$dir/.package-cache $dir/.package-cache-mutate"
      DSC_BODY='dsc_evict cargo "$dir" "$max" "$age"; dsc_du "$dir" > "$DSC_TMP"' ;;
    npm) locks=""
      DSC_BODY='dsc_evict npm "$dir" "$max" "$age"
        if command -v npm >/dev/null 2>&1 && [ -d "$dir/_cacache" ]; then npm cache verify --cache "$dir" >&2 || true; fi
        dsc_du "$dir" > "$DSC_TMP"' ;;
    playwright) locks=""
      DSC_BODY='dsc_evict playwright "$dir" "$max" 0; dsc_du "$dir" > "$DSC_TMP"' ;;
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
      echo "dokku-shared-cache: cache $name: in use (lock held on $locks); skipped, nothing removed" >&2
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
