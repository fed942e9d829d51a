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
    CACHE_RESULT_MARKER,
    CachePruneTarget,
    cachePruneCallsSh,
} from "./cache-prune";
import { pruneScript } from "./build-cache";
import { RESULT_MARKER } from "./result";
import { shQuote } from "./shell";

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
    return `dsc_disk() {
  dsc_droot=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null) || dsc_droot=""
  dsc_rows=''
  for dsc_lp in "docker \${dsc_droot:-/var/lib/docker}" ${shQuote(`dokku ${p.dokkuLib ?? DOKKU_LIB_ROOT}`)} ${shQuote(`shared ${p.sharedRoot}`)} ${shQuote(`state ${p.stateDir}`)}; do
    dsc_l=\${dsc_lp%% *}; dsc_p=\${dsc_lp#* }
    while [ ! -e "$dsc_p" ] && [ "$dsc_p" != / ]; do dsc_p=$(dirname -- "$dsc_p"); done
    dsc_dev=$(stat -c %d -- "$dsc_p" 2>/dev/null) || dsc_dev=''
    dsc_line=$(df -P -B1 -- "$dsc_p" 2>/dev/null | awk 'NR == 2 { m = $6; for (i = 7; i <= NF; i++) m = m " " $i; print $2 "\\t" $4 "\\t" m }') || dsc_line=''
    [ -n "$dsc_line" ] || continue
    dsc_rows="$dsc_rows$dsc_l	$dsc_p	\${dsc_dev:-$dsc_p}	$dsc_line
"
  done
  printf '%s' "$dsc_rows" | jq -R -s -c '[split("\\n")[] | select(. != "") | split("\\t")
    | {label: .[0], path: .[1], dev: .[2], sizeBytes: (.[3] | tonumber), availBytes: (.[4] | tonumber), mount: .[5]}]
    | reduce .[] as $r ([]; if any(.[]; .dev == $r.dev)
        then map(if .dev == $r.dev then .labels += [$r.label] | .paths += [$r.path]
          | if ($r.mount | length) < (.mount | length) then .mount = $r.mount else . end else . end)
        else . + [{dev: $r.dev, mount: $r.mount, sizeBytes: $r.sizeBytes, availBytes: $r.availBytes, labels: [$r.label], paths: [$r.path]}] end)
    | map(del(.dev))'
}`;
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
    const caches = `set -u\n${CACHE_PRUNE_FUNCTIONS_SH}
dsc_record() { # name status before after max kind: the result line only
  printf '%s{"cache":"%s","kind":"%s","status":"%s","before":%s,"after":%s,"maxBytes":%s,"at":%s}\\n' ${shQuote(CACHE_RESULT_MARKER)} "$1" "$6" "$2" "$3" "$4" "$5" "$(date +%s)"
}
${cachePruneCallsSh(o.caches, o.stateDir)}\n`;
    const rec = firstAidRecord(o.stateDir);
    return `set -u
gen=\${2:-0}
case "$gen" in ''|*[!0-9]*) gen=0 ;; esac
MIN=${o.minFree}
FLOOR=${floor}
${diskFunctionSh(o)}
dsc_bc() { docker system df --format '{{json .}}' 2>/dev/null | jq -r 'select(.Type == "Build Cache") | .Size' 2>/dev/null || true; }
dsc_record_gen() {
  { mkdir -p -- ${shQuote(o.stateDir)} && printf '%s\\n' "$gen" > ${shQuote(rec + ".tmp")} && mv -f -- ${shQuote(rec + ".tmp")} ${shQuote(rec)}; } 2>/dev/null ||
    echo "dokku-shared-cache: first aid: could not record generation $gen in ${rec} (next up runs the check again)" >&2
}
before=$(dsc_disk)
[ -n "$before" ] || before='[]'
low=$(printf '%s' "$before" | jq -c --argjson min "$MIN" '[.[] | select(.availBytes < $min)]')
if [ "$low" = '[]' ]; then
  printf '%s{"ran":false,"generation":%s,"freedBytes":0,"disk":%s,"buildCacheBefore":"","buildCacheAfter":""}\\n' ${shQuote(RESULT_MARKER)} "$gen" "$(printf '%s' "$before" | jq -c 'map(. + {availBefore: .availBytes})')"
  dsc_record_gen
  exit 0
fi
printf '%s' "$low" | jq -r --argjson min "$MIN" '.[] | "dokku-shared-cache: first aid: \\(.mount) (\\(.labels | join(", "))) has \\(.availBytes) bytes free, below disk.minFree (\\($min)); pruning before anything is written"' >&2
bcb=$(dsc_bc)
# Docker's build cache first, through the daemon, to the stack's bound; then the shared caches.
dsc_prune=${shQuote(prune)}
dsc_caches=${shQuote(caches)}
dsc_lock=${shQuote(o.stateDir + "/prune.lock")}
dsc_step() { # script: one pass, behind the prune job's lock when it is installed
  if [ -e "$dsc_lock" ]; then flock -w 600 "$dsc_lock" sh -c "$1" dokku-shared-cache-first-aid; else sh -c "$1" dokku-shared-cache-first-aid; fi
}
dsc_step "$dsc_prune" >&2; prc=$?
dsc_step "$dsc_caches"; crc=$?
if [ "$prc" != 0 ]; then
  # At 100 % dockerd can fail for want of room for BuildKit's own metadata (a bbolt file it
  # grows; seen on dockerd 20.10: "write …/buildkit/metadata_v2.db: no space left on device"):
  # once more, now that the shared-cache pass may have freed some.
  echo "dokku-shared-cache: first aid: Docker's build-cache prune exited $prc; once more after the shared-cache pass" >&2
  dsc_step "$dsc_prune" >&2; prc=$?
fi
[ "$prc" = 0 ] || echo "dokku-shared-cache: first aid: Docker's build-cache prune exited $prc" >&2
[ "$crc" = 0 ] || echo "dokku-shared-cache: first aid: the shared-cache pass exited $crc" >&2
bca=$(dsc_bc)
after=$(dsc_disk)
[ -n "$after" ] || after='[]'
disk=$(jq -n -c --argjson b "$before" --argjson a "$after" '$a | map(. as $x | $x + {availBefore: ([$b[] | select(.mount == $x.mount) | .availBytes][0] // $x.availBytes)})')
freed=$(printf '%s' "$disk" | jq '[.[] | .availBytes - .availBefore | if . > 0 then . else 0 end] | add // 0')
printf '%s{"ran":true,"generation":%s,"freedBytes":%s,"disk":%s,"buildCacheBefore":"%s","buildCacheAfter":"%s"}\\n' ${shQuote(RESULT_MARKER)} "$gen" "$freed" "$disk" "$bcb" "$bca"
printf '%s' "$disk" | jq -r --argjson freed "$freed" '"dokku-shared-cache: first aid freed \\($freed) bytes: " + (map("\\(.mount) (\\(.labels | join(", "))) \\(.availBefore) -> \\(.availBytes) bytes free") | join("; "))' >&2
still=$(printf '%s' "$disk" | jq -c --argjson floor "$FLOOR" '[.[] | select(.availBytes < $floor)]')
if [ "$still" != '[]' ]; then
  {
    printf '%s' "$still" | jq -r '.[] | "dokku-shared-cache: NO SPACE LEFT: \\(.mount) (\\(.labels | join(", ")): \\(.paths | join(", "))) has \\(.availBytes) bytes free of \\(.sizeBytes) after first aid; nothing was written on the host"'
    echo "dokku-shared-cache: what holds Docker's space (docker system df):"
    docker system df 2>&1 | sed 's/^/  /'
    if printf '%s' "$still" | jq -e 'any(.[]; .labels | index("docker"))' >/dev/null; then
      echo "dokku-shared-cache: run this on the host to free all of Docker's build cache (past the stack's bound; the next builds are cold), then pulumi up again:"
      echo "  docker builder prune --all --force"
    else
      echo "dokku-shared-cache: the shared caches are at their bounds; run this on the host to see what else fills it, free it by hand, then pulumi up again:"
      printf '%s' "$still" | jq -r '.[] | "  du -xsh \\(.mount)/* | sort -h | tail"'
    fi
  } >&2
  exit 4
fi
dsc_record_gen
printf '%s' "$disk" | jq -r --argjson min "$MIN" '.[] | select(.availBytes < $min) | "dokku-shared-cache: first aid: \\(.mount) still has only \\(.availBytes) bytes free (disk.minFree \\($min)); continuing"' >&2
exit 0
`;
}

/** The first aid's result line, if it printed one. */
export function parseFirstAid(stdout: string): FirstAidResult | undefined {
    const line = stdout
        .split("\n")
        .filter((l) => l.startsWith(RESULT_MARKER))
        .pop();
    return line ? (JSON.parse(line.slice(RESULT_MARKER.length)) as FirstAidResult) : undefined;
}
