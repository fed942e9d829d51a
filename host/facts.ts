/**
 * The host report's script (`npm run verify`): the probe, then read-only
 * facts about the cache directories, Docker's build cache, disks, the prune
 * schedule and daemon.json's builder GC; two JSON lines, and their parser.
 * Nothing here writes to the host.
 */
import { DesiredState } from "../model/desired-state";
import { DOKKU_PRUNE_UNIT, UNIT_NAME } from "./build-cache";
import {
    DockerfileFacts,
    dockerfileCandidates,
    dockerfileFactsScript,
    parseDockerfileFacts,
} from "./dockerfile-cache";
import { diskFunctionSh } from "./disk";
import { DiskFs } from "../rules/disk";
import { Observed, parseProbe, probeScript } from "./probe";
import { shQuote } from "./shell";

/** What the second half of the report script prints. */
export interface HostFacts {
    caches: Record<
        string,
        { exists: boolean; bytes?: number; owner?: string; mode?: string; path: string }
    >;
    docker: {
        engine: string;
        /** The first line of `docker buildx version`, "" without buildx. */
        buildx: string;
        rootDir: string;
        /** `docker system df --format '{{json .}}'` rows, or null when Docker did not answer. */
        df: { Type: string; Size: string; Reclaimable: string; TotalCount: string }[] | null;
    };
    /** Free space per file system: Docker's data root, /var/lib/dokku, the shared root, the state dir (host/disk.ts). */
    disk: DiskFs[];
    scheduler: "systemd" | "cron" | "none";
    daemonGc: Record<string, unknown> | null;
    /** The last run of the shared-cache pass per cache (`<stateDir>/caches/<name>.json`). */
    lastPruned?: Record<string, { at: number; status: string; before: number; after: number }>;
    /** Dokku's own build caches: herokuish `cache-<app>` and pack `pack-cache-*` volumes. */
    volumes?: { name: string; bytes: number | null }[];
    /** Leftover per-app cache directories (`$DOKKU_ROOT/<app>/cache`, dokku#7685). */
    leftoverDirs?: { path: string; bytes: number }[];
    /** Dokku's `docker-builder-prune` (Dokku ≥ 0.35): where it is, and whether we disabled it. */
    dokkuPrune?: { found: "systemd" | "cron" | "none"; disabledByUs: boolean };
}

/** Read-only facts about caches, Docker and disks; one JSON line. */
export function factsScript(
    d: Pick<DesiredState, "dirs" | "hostPaths" | "stateDir" | "sharedRoot">,
): string {
    const caches = d.dirs.map((c) => `${shQuote(c.name)} ${shQuote(c.hostPath)}`).join(" ");
    const p = d.hostPaths;
    return `set -u
js() { printf '%s' "$1" | jq -R -s .; }
printf '{"caches":{'
sep=''
set -- ${caches}
while [ $# -ge 2 ]; do
  name=$1; dir=$2; shift 2
  if [ -d "$dir" ] && [ ! -L "$dir" ]; then
    bytes=$(du -sb -- "$dir" 2>/dev/null | cut -f1); st=$(stat -c '%u:%g %a' -- "$dir")
    printf '%s%s:{"path":%s,"exists":true,"bytes":%s,"owner":%s,"mode":%s}' "$sep" "$(js "$name")" "$(js "$dir")" "\${bytes:-0}" "$(js "\${st% *}")" "$(js "\${st#* }")"
  else
    printf '%s%s:{"path":%s,"exists":false}' "$sep" "$(js "$name")" "$(js "$dir")"
  fi
  sep=','
done
engine=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || engine=""
bx=$(docker buildx version 2>/dev/null | head -n 1) || bx=""
root=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null) || root=""
df=$(docker system df --format '{{json .}}' 2>/dev/null | jq -sc .) || df=null
[ -n "$df" ] || df=null
${diskFunctionSh({ sharedRoot: d.sharedRoot, stateDir: d.stateDir })}
dk=$(dsc_disk) || dk=''
[ -n "$dk" ] || dk='[]'
printf '},"docker":{"engine":%s,"buildx":%s,"rootDir":%s,"df":%s},"disk":%s' "$(js "$engine")" "$(js "$bx")" "$(js "$root")" "$df" "$dk"
if [ -e ${shQuote(`${p.systemdUnitDir}/${UNIT_NAME}.timer`)} ]; then sched=systemd
elif [ -e ${shQuote(`${p.cronDir}/${UNIT_NAME}`)} ]; then sched=cron
else sched=none; fi
gc=$(jq -c '.builder.gc // null' ${shQuote(p.daemonJson)} 2>/dev/null) || gc=null
[ -n "$gc" ] || gc=null
printf ',"scheduler":"%s","daemonGc":%s' "$sched" "$gc"
${accountingSh(d)}
`;
}

/**
 * Read-only disk accounting (the end of the facts line): the shared-cache job's records, Dokku's
 * cache volumes (names from \`docker volume ls\`, sizes by \`du\` of their mountpoints: Docker's CLI
 * has no cheap per-volume size), leftover \`<dokkuRoot>/<app>/cache\` directories, Dokku's prune timer.
 */
function accountingSh(d: Pick<DesiredState, "hostPaths" | "stateDir">): string {
    const p = d.hostPaths;
    const rec = shQuote(d.stateDir + "/caches");
    return `printf ',"lastPruned":{'
sep=''
for f in ${rec}/*.json; do
  [ -f "$f" ] || continue
  j=$(jq -c '{at, status, before, after}' "$f" 2>/dev/null) || continue
  n=$(basename -- "$f" .json)
  printf '%s%s:%s' "$sep" "$(js "$n")" "$j"; sep=','
done
printf '},"volumes":['
sep=''
vols=$(docker volume ls --format '{{.Name}}' 2>/dev/null | grep -E '^(cache-|pack-cache-)' || true)
if [ -n "$vols" ]; then
  # Docker volume names match [a-zA-Z0-9][a-zA-Z0-9_.-]+: safe inside a JSON string as they are.
  # One inspect, one du for all of them.
  vt=$(mktemp); dt=$(mktemp)
  # shellcheck disable=SC2086
  docker volume inspect --format '{{.Name}} {{.Mountpoint}}' $vols > "$vt" 2>/dev/null || true
  cut -d' ' -f2- "$vt" | xargs -r -d '\\n' du -sb -- > "$dt" 2>/dev/null || true
  awk 'NR == FNR { t = index($0, "\\t"); sz[substr($0, t + 1)] = substr($0, 1, t - 1); next }
    { m = substr($0, length($1) + 2); b = (m in sz) ? sz[m] : "null"
      printf "%s{\\"name\\":\\"%s\\",\\"bytes\\":%s}", sep, $1, b; sep = "," }' "$dt" "$vt"
  rm -f -- "$vt" "$dt"
fi
printf '],"leftoverDirs":['
sep=''
for c in ${shQuote(p.dokkuRoot ?? "/home/dokku")}/*/cache; do
  [ -d "$c" ] && [ ! -L "$c" ] || continue
  printf '%s{"path":%s,"bytes":%s}' "$sep" "$(js "$c")" "$(du -sb -- "$c" | cut -f1)"; sep=','
done
if [ -e ${shQuote(`${p.systemdUnitDir}/${DOKKU_PRUNE_UNIT}.timer`)} ]; then dk=systemd
elif [ -e ${shQuote(`${p.cronDir}/${DOKKU_PRUNE_UNIT}`)} ]; then dk=cron
else dk=none; fi
if [ -e ${shQuote(d.stateDir + "/dokku-prune.disabled")} ]; then dkoff=true; else dkoff=false; fi
printf '],"dokkuPrune":{"found":"%s","disabledByUs":%s}}\\n' "$dk" "$dkoff"`;
}

/**
 * The whole report script: the probe (app list, mounts, env of the stack's
 * apps, and of every host app with `everyApp`, for `discover`) then the
 * facts; two JSON lines.
 */
export function reportScript(d: DesiredState, everyApp: boolean): string {
    // The probe in a subshell: on a full disk it answers without its temp dir and ends with
    // `exit 0`, which must not end the report before the facts (free space per file system).
    return `(
${probeScript(
    d.apps.map((a) => a.name),
    everyApp,
    "",
    d.stateDir,
)}
)
${factsScript(d)}${dockerfileReportSh(d)}`;
}

/** The third line, for Dockerfile apps (host/dockerfile-cache.ts); "" when the stack has none. */
function dockerfileReportSh(d: DesiredState): string {
    const apps = dockerfileCandidates(d.apps);
    if (apps.length === 0) return "";
    return `\n${dockerfileFactsScript(apps, {
        dokkuRoot: d.hostPaths.dokkuRoot ?? "/home/dokku",
        daemonJson: d.hostPaths.daemonJson,
    })}`;
}

export function parseReportOutput(stdout: string): {
    observed: Observed;
    facts: HostFacts;
    dockerfile?: DockerfileFacts;
} {
    const lines = stdout.split("\n").filter((l) => l.trim() !== "");
    if (lines.length < 2) throw new Error("unexpected report output: " + stdout.slice(0, 200));
    return {
        observed: parseProbe(lines[0]),
        facts: JSON.parse(lines[1]) as HostFacts,
        ...(lines[2] ? { dockerfile: parseDockerfileFacts(lines[2]) } : {}),
    };
}
