/**
 * The read-only probe script, run while the program runs (at preview and up):
 * the app list (for `discover`) and each managed app's mounts and env (for
 * drift detection, since `remote.Command` has no refresh), and its parser.
 * Pure; io/ssh.ts sends it.
 */
import { APPLIED_JQ, AppliedRecord } from "./applied";
import { BUILD_SEEN_JQ } from "./build-options";
import { DiskPaths, diskFunctionSh, firstAidRecord } from "./disk";
import { DiskFs } from "../rules/disk";
import { shQuote } from "./shell";

export interface ObservedApp {
    exists: boolean;
    mounts: {
        host_path: string;
        container_path: string;
        readonly?: boolean;
        volume_options?: string;
    }[];
    env: Record<string, string>;
    /** Drift repairs recorded in this program's ledger on the host; null when it never converged this app. */
    repair?: number | null;
    /**
     * What the last converge applied, from the app's ledger (host/applied.ts); null or absent
     * when the ledger has none (drift is then judged against the stack).
     */
    applied?: AppliedRecord | null;
    /** True when mounts and env were not read (the program never converged this app). */
    unread?: boolean;
    /**
     * Build-phase docker-options this program added (its ledger, host/build-options.ts) and
     * those of them the host no longer lists; `builder` as the last converge resolved it.
     * Absent when the ledger holds none (nothing of ours to check).
     */
    build?: { builder: string | null; ours: string[]; missing: string[] };
}

export interface Observed {
    apps: string[];
    /** What `dokku version` printed (absent from probes that did not read it). */
    dokkuVersion?: string;
    state: Record<string, ObservedApp>;
    /** Free space per file system (host/disk.ts), when the probe was asked for it. */
    disk?: DiskFs[] | null;
    /** The generation the first aid last recorded on the host (0: never). */
    firstAid?: number;
    /** True when the host had no room for the probe's temp dir: apps were not read (unread). */
    degraded?: boolean;
}

/**
 * Read-only script: one JSON document on stdout. Only `dokku` reads. With
 * `everyApp`, it also reads the state of every app the host lists (names
 * that are not valid Dokku 0.38 app names are listed but never read).
 *
 * The two reads of each app run in the background, at most twice the host's
 * CPU count (2..8) apps at once: each `dokku` call is a bash process with
 * plugin triggers (tens of ms of CPU), so one after another they were most of
 * a no-op `pulumi up` (see bench/results.md). Each app's JSON goes to a file
 * in a private temp dir (removed on exit) and the document is assembled in
 * the order asked; a failed read fails the whole probe with its message.
 */
export function probeScript(
    apps: readonly string[],
    everyApp = false,
    stateDir = "",
    /** Where to find the ledgers for the build-option reads (`verify` passes it without `stateDir`). */
    buildStateDir = stateDir,
    /** Also read free space and the first aid's generation (host/disk.ts). */
    disk?: DiskPaths,
): string {
    const explicit = apps.length ? apps.map(shQuote).join(" ") : "''";
    // Read first, before anything that needs a temp file: on a full disk this is what counts.
    const diskSh = disk
        ? `${diskFunctionSh(disk)}
dsc_dk=$(dsc_disk) || dsc_dk=''
[ -n "$dsc_dk" ] || dsc_dk=null
dsc_fa=$(cat -- ${shQuote(firstAidRecord(disk.stateDir))} 2>/dev/null) || dsc_fa=0
case "$dsc_fa" in ''|*[!0-9]*) dsc_fa=0 ;; esac
dsc_extra=$(printf ',"disk":%s,"firstAid":%s' "$dsc_dk" "$dsc_fa")`
        : "dsc_extra=''";
    return `set -eu
${diskSh}
STATE=${shQuote(stateDir)}
BSTATE=${shQuote(buildStateDir)}
list=$(dokku --quiet apps:list 2>/dev/null || true)
# Read once per run: the program refuses an unsupported Dokku before any write.
ver=$(dokku version 2>/dev/null </dev/null || true)
nl='
'
P=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
case "$P" in ''|*[!0-9]*) P=1 ;; esac
P=$((P * 2)); [ "$P" -le 8 ] || P=8; [ "$P" -ge 2 ] || P=2
umask 077
pt=''
if ! pt=$(mktemp -d "\${TMPDIR:-/tmp}/dsc-probe.XXXXXX" 2>/dev/null) || ! mkfifo "$pt/slots" 2>/dev/null; then
  # No room for a temp dir (a full disk): the apps are not read this time (their converge reads
  # them anyway); each keeps the drift repair generation its ledger holds.
  [ -z "$pt" ] || rm -rf "$pt"
  echo "dokku-shared-cache: probe: no room for a temp dir in \${TMPDIR:-/tmp}; apps not read this time" >&2
  printf '{"apps":%s,"dokkuVersion":%s,"degraded":true%s,"state":{' "$(printf '%s\n' "$list" | jq -R . | jq -sc 'map(select(. != ""))')" "$(printf '%s' "$ver" | jq -Rs .)" "$dsc_extra"
  sep=''
  for app in ${explicit}; do
    [ -n "$app" ] || continue
    rep=null
    if [ -n "$STATE" ] && [ -s "$STATE/apps/$app.json" ]; then rep=$(jq -r '.repair // 0' "$STATE/apps/$app.json" 2>/dev/null || echo 0); fi
    printf '%s%s:{"exists":true,"mounts":[],"env":{},"repair":%s,"unread":true}' "$sep" "$(printf '%s' "$app" | jq -R .)" "$rep"
    sep=','
  done
  printf '}}\n'
  exit 0
fi
trap 'rm -rf "$pt"' EXIT
exec 9<>"$pt/slots"
i=0
while [ "$i" -lt "$P" ]; do echo >&9; i=$((i + 1)); done
k=0
read_one() { # app, file: both reads, then the app's JSON into the file
  if m=$(dokku storage:list "$1" --format json 2>"$2.err") &&
    e=$(dokku config:export --format json "$1" 2>>"$2.err"); then
    rep=null; led=null
    if [ -n "$STATE" ] && [ -s "$STATE/apps/$1.json" ]; then
      rep=$(jq -r '.repair // 0' "$STATE/apps/$1.json" 2>/dev/null || echo 0)
      # What the last converge applied (host/applied.ts): drift is the host differing from it.
      led=$(jq -c ${shQuote(APPLIED_JQ)} "$STATE/apps/$1.json" 2>/dev/null || echo null)
    fi
    b=''
    # Build-phase options of ours (host/build-options.ts): read only for apps whose ledger has some.
    # The builder the last converge resolved is in the ledger too (no call).
    if [ -n "$BSTATE" ] && [ -s "$BSTATE/apps/$1.json" ] && [ "$(jq '(.build // [] | length) + (if .builder then 1 else 0 end)' "$BSTATE/apps/$1.json" 2>/dev/null || echo 0)" != 0 ]; then
      bo=''
      if [ "$(jq '.build // [] | length' "$BSTATE/apps/$1.json")" != 0 ]; then
        bo=$(dokku docker-options:report "$1" --docker-options-build 2>>"$2.err") || { echo "$?" >"$2.rc"; return 0; }
      fi
      b=$(jq -c --arg cur "$bo" ${shQuote(BUILD_SEEN_JQ)} "$BSTATE/apps/$1.json")
      b=",\\"build\\":$b"
    fi
    printf '%s:{"exists":true,"mounts":%s,"env":%s,"repair":%s,"applied":%s%s}' "$(printf '%s' "$1" | jq -R .)" "$m" "$e" "$rep" "$led" "$b" >"$2"
  else
    echo "$?" >"$2.rc"
  fi
}
probe_one() {
  app=$1
  k=$((k + 1))
  f="$pt/$k.json"
  case "$nl$list$nl" in
    *"$nl$app$nl"*)
    if [ -n "$STATE" ] && [ ! -s "$STATE/apps/$app.json" ]; then
      # Never converged by this program: nothing of ours can have drifted, and
      # its converge reads the state anyway; skip the two reads.
      printf '%s:{"exists":true,"mounts":[],"env":{},"repair":null,"unread":true}' "$(printf '%s' "$app" | jq -R .)" >"$f"
      return 0
    fi
    read -r _ <&9
    { read_one "$app" "$f"; echo >&9; } &
    ;;
    *)
    printf '%s:{"exists":false,"mounts":[],"env":{}}' "$(printf '%s' "$app" | jq -R .)" >"$f"
    ;;
  esac
}
for app in ${explicit}; do
  if [ -n "$app" ]; then probe_one "$app"; fi
done
${
    everyApp
        ? `ifs=$IFS
IFS=$nl
set -f
for app in $list; do
  case "$app" in ''|*[!a-z0-9.-]*|[.-]*) continue ;; esac
  for known in ${explicit}; do [ "$known" = "$app" ] && continue 2; done
  probe_one "$app"
done
IFS=$ifs
set +f`
        : ""
}
wait
i=1
while [ "$i" -le "$k" ]; do
  if [ -e "$pt/$i.json.rc" ]; then
    cat "$pt/$i.json.err" >&2
    exit "$(cat "$pt/$i.json.rc")"
  fi
  i=$((i + 1))
done
printf '{"apps":%s,"dokkuVersion":%s%s,"state":{' "$(printf '%s\n' "$list" | jq -R . | jq -sc 'map(select(. != ""))')" "$(printf '%s' "$ver" | jq -Rs .)" "$dsc_extra"
i=1
while [ "$i" -le "$k" ]; do
  [ "$i" -eq 1 ] || printf ','
  cat "$pt/$i.json"
  i=$((i + 1))
done
printf '}}\n'
exec 9>&-
rm -rf "$pt"
trap - EXIT
`;
}

export function parseProbe(stdout: string): Observed {
    const o = JSON.parse(stdout) as Observed;
    if (!Array.isArray(o.apps) || typeof o.state !== "object")
        throw new Error("unexpected probe output");
    return o;
}
