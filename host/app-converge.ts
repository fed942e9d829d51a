/**
 * Script generation: desired state in, POSIX `sh` text out. This is what the
 * program runs on your host. Every interpolated value goes through
 * {@link shQuote}. Scripts need `dokku`, `jq` (a dependency of the Dokku
 * package), `flock` and `base64` on the host.
 *
 * Each app's script reads the current state first (`storage:list --format
 * json`, `config:export --format json`), computes the difference in one `jq`
 * program, and writes only that. What it adds is recorded in a ledger on the
 * host (`<stateDir>/apps/<app>.json`) *before* it is added, so that removal
 * undoes exactly what this program added even when it runs with stale inputs
 * (Pulumi runs `delete` with the stored old state) or after an interrupted run.
 */
import { AfterChange } from "../config/types";
import { AppDesired } from "../model/desired-state";
import { buildApplySh, buildReadSh } from "./build-options";
import { DEFAULT_DEPLOY_WAIT_SECONDS } from "../config/defaults";
import { DEPLOY_BUSY_EXIT, deployWaitSh } from "./deploy-wait";
import { dokkuVersionGateSh } from "./dokku-version";
import { ENV_GUARD_JQ, ENV_UNREADABLE_JQ } from "./env-safety";
import {
    MOUNT_JQ_DEFS,
    NAMED_PLAN_JQ,
    namedWritesSh,
    storageGateSh,
    wantedMounts,
} from "./storage-entries";
import { RESULT_MARKER } from "./result";
import { shQuote } from "./shell";

export interface AppScriptOptions {
    stateDir: string;
    afterChange: AfterChange;
    maxParallelRestarts: number;
    /**
     * Repair generation recorded in the ledger on success: the number of
     * drift repairs so far (see program.ts). Undefined = leave it alone.
     */
    repair?: number;
    /**
     * How long (seconds) to wait for a deploy of the app that is running
     * when the converge starts, and again before its restart (see
     * host/deploy-wait.ts). Default {@link DEFAULT_DEPLOY_WAIT_SECONDS}.
     */
    deployWaitSeconds?: number;
}

/**
 * The jq program that computes what to change. Inputs (as --argjson): `cur`
 * (storage:list JSON, 0.37 or 0.38 shape), `env` (config:export JSON),
 * `want` (mounts), `wenv` (env), `led` (ledger). Output: the plan.
 */
export const PLAN_JQ = `
${MOUNT_JQ_DEFS}
def owned(m): any($led.mounts[]; .h == m.h and .c == m.c);
def wanted(m): any($want[]; .h == m.host_path and .c == m.container_path);
($cur | map(select(.host_path != null))) as $cur
| [ $want[] as $w
    | ($cur | map(select(.host_path == $w.h and .container_path == $w.c))) as $same
    | ($cur | map(select(.container_path == $w.c and .host_path != $w.h))) as $clash
    | if ($clash | length) > 0 then {conflict: ("container path " + $w.c + " is already mounted from " + ($clash[0].host_path) + " (not by dokku-shared-cache)")}
      elif ($same | length) == 0 then {mount: ($w.h + ":" + $w.c + (if $w.ro then ":ro" else "" end))}
      elif (ro($same[0]) != $w.ro) then
        (if owned($w) then {remount: {old: spec($same[0]), new: ($w.h + ":" + $w.c + (if $w.ro then ":ro" else "" end))}}
         else {conflict: ($w.h + ":" + $w.c + " is already mounted by someone else with other options (" + spec($same[0]) + ")")} end)
      else empty end ] as $m
| [ $led.mounts[] as $l | select(any($want[]; .h == $l.h and .c == $l.c) | not)
    | $cur[] | select(.host_path == $l.h and .container_path == $l.c) | spec(.) ] as $unmount
| [ $wenv | to_entries[] | select(($env[.key] // null) != .value) ] as $set
| [ $led.env | to_entries[] | .key as $k | select($wenv | has($k) | not)
    | select(($env[$k] // null) == .value.ours) ] as $gone
| {
    conflict: [ $m[] | .conflict // empty ],
    mount: [ $m[] | .mount // empty ],
    remount: [ $m[] | .remount // empty ],
    unmount: $unmount,
    set: ($set | from_entries),
    restore: ([ $gone[] | select(.value.prev != null) | {key, value: .value.prev} ] | from_entries),
    unset: [ $gone[] | select(.value.prev == null) | .key ],
    ledger: {
      mounts: [ $want[] | . as $w | select(owned($w) or (any($cur[]; .host_path == $w.h and .container_path == $w.c) | not)) ],
      env: ([ $wenv | to_entries[] | .key as $k
        | if ($led.env | has($k)) then {key, value: {ours: .value, prev: $led.env[$k].prev}}
          elif ($env[$k] // null) == .value then empty
          else {key, value: {ours: .value, prev: ($env[$k] // null)}} end ] | from_entries),
      pendingRestart: ($led.pendingRestart // false)
    }
  }
| .changes = ((.mount | length) + (.remount | length) + (.unmount | length) + (.set | length) + (.restore | length) + (.unset | length))
`;

/**
 * Shell for reporting a failed `dokku` call as one paragraph: the app, what
 * failed, Dokku's own words (its ` !     ` lines, else its last line, colours
 * stripped) and what to do. Needs `APP` and `ERR` (a file for Dokku's
 * stderr). `dsc_dokku WHAT ADVICE ARGS...` runs `dokku ARGS...` (stdout passes
 * through, stdin from /dev/null) and on failure exits with Dokku's exit code.
 */
export const DOKKU_FAILURE_SH = `NOTHING_YET="Nothing was changed on this app; fix the cause and run pulumi up again."
PARTLY="This run's earlier changes to the app are recorded; fix the cause and run pulumi up again."
UNREADABLE="If Dokku cannot parse the app's ENV file, every config command of the app fails until the value it names is fixed (check with: dokku config:export $APP)."
dsc_words() { # stdin: Dokku's output; prints its message on one line, each \` !\` line once
  # (a failed deploy on 0.38.27 prints its " !" lines twice, the second time each prefixed
  # once more (" !      !     Failure in …"); seen in test/dokku/restart-failure.test.ts)
  esc=$(printf '\\033')
  sed "s/$esc\\[[0-9;]*[A-Za-z]//g" | awk '/^ !     / { while (sub(/^ !     /, "")) continue; if (!seen[$0]++) m = m (m == "" ? "" : " ") $0; next } NF { l = $0 } END { gsub(/^[ \\t]+/, "", l); print (m != "" ? m : (l != "" ? l : "(nothing)")) }'
}
dsc_fail() { # rc what todo; stdin: Dokku's output
  echo "dokku-shared-cache: app $APP: $2 failed with exit $1; Dokku says: \\"$(dsc_words)\\". $3" >&2
  rm -f -- "$ERR"
  exit "$1"
}
dsc_dokku() { # what todo dokku-args...
  w=$1; t=$2; shift 2
  r=0; dokku "$@" 2>"$ERR" </dev/null || r=$?
  if [ "$r" != 0 ]; then dsc_fail "$r" "$w" "$t" <"$ERR"; fi
  rm -f -- "$ERR"
}`;

/**
 * The converge script for one app: mounts what is missing, sets only env
 * values that differ (one `config:set --no-restart --encoded`), removes what
 * this program added earlier and no longer wants, then restarts (or
 * rebuilds) the app only when something changed and it has been deployed,
 * holding one of `maxParallelRestarts` host-wide slots. With empty `mounts`
 * and `env` it is the removal script.
 */
export function appScript(
    app: Pick<AppDesired, "name" | "mounts" | "env"> &
        Partial<Pick<AppDesired, "builder" | "group" | "buildOptions">>,
    opts: AppScriptOptions,
    mode: "converge" | "remove" = "converge",
): string {
    const want = JSON.stringify(wantedMounts(app.mounts, app.group));
    const wenv = JSON.stringify(app.env);
    const onMissing =
        mode === "remove"
            ? `  rm -f -- "$LEDGER"
  printf '%s{"app":"%s","missing":true,"changes":0,"restarted":false}\\n' "$MARK" "$APP"
  exit 0`
            : `  echo "dokku-shared-cache: app '$APP' does not exist on this Dokku host (dokku apps:exists exit 20); create it (dokku apps:create $APP) or remove it from the stack's apps" >&2
  exit 20`;
    return `set -euf
# dokku-shared-cache ${mode} of one app. Reads first; writes only the difference.
APP=${shQuote(app.name)}
STATE=${shQuote(opts.stateDir)}
AFTER=${shQuote(opts.afterChange)}
SLOTS=${shQuote(String(opts.maxParallelRestarts))}
DEPLOY_WAIT=${shQuote(String(Math.trunc(opts.deployWaitSeconds ?? DEFAULT_DEPLOY_WAIT_SECONDS)))}
WANT=${shQuote(want)}
WENV=${shQuote(wenv)}
# Build-phase docker-options (host/build-options.ts): the stack's builder, the options a buildpack build gets.
DECL_BUILDER=${shQuote(app.builder ?? "unknown")}
WBUILD_H=${shQuote(JSON.stringify(mode === "converge" ? (app.buildOptions?.herokuish ?? []) : []))}
WBUILD_P=${shQuote(JSON.stringify(mode === "converge" ? (app.buildOptions?.pack ?? []) : []))}
MARK=${shQuote(RESULT_MARKER)}
LEDGER="$STATE/apps/$APP.json"
ERR="$STATE/apps/.$APP.err"
for t in dokku jq flock base64; do
  command -v "$t" >/dev/null 2>&1 || { echo "dokku-shared-cache: '$t' is required on the host" >&2; exit 127; }
done
# Supported Dokku versions are checked, before any write (see dokku-version.ts).
${dokkuVersionGateSh()}
# Dokku >= 0.38: named storage entries (host/storage-entries.ts); 0.37: colon mounts.
NAMED=false; if [ "$dsc_vn" -ge 38000 ]; then NAMED=true; else WANT=$(printf '%s' "$WANT" | jq -c 'map(del(.e))'); fi
umask 077
mkdir -p -- "$STATE/apps" "$STATE/locks"
${DOKKU_FAILURE_SH}
${deployWaitSh()}# storage:list doubles as the existence check: an unknown app exits 20.
rc=0; CUR=$(dokku storage:list "$APP" --format json 2>"$ERR" </dev/null) || rc=$?
if [ "$rc" = 20 ]; then
  rm -f -- "$ERR"
${onMissing}
elif [ "$rc" != 0 ]; then
  dsc_fail "$rc" "reading its mounts (dokku storage:list)" "$NOTHING_YET" <"$ERR"
fi
rm -f -- "$ERR"
rc=0; ENVJ=$(dokku config:export --format json "$APP" 2>"$ERR" </dev/null) || rc=$?
if [ "$rc" != 0 ]; then
  # godotenv's parse errors (v1.5.1, v1.2.0): Dokku can no longer read the app's ENV file.
  if grep -q -e 'unterminated quoted value' -e 'unexpected character' -e "Can't separate key from value" -e 'token too long' -- "$ERR"; then
    jq -rn --arg app "$APP" --arg ver "$DOKKU_VERSION" --arg said "$(sed -n 's/^ !     //p' -- "$ERR" | head -n 1)" ${shQuote(ENV_UNREADABLE_JQ)} >&2
    rm -f -- "$ERR"; exit 7
  fi
  dsc_fail "$rc" "reading its env (dokku config:export)" "$NOTHING_YET" <"$ERR"
fi
rm -f -- "$ERR"
# Before its JSON, config:export prints "-----> Deleting invalid key …" for keys Dokku rejects.
ENVJ=$(printf '%s\n' "$ENVJ" | tail -n 1)
if [ -s "$LEDGER" ]; then LED=$(cat -- "$LEDGER"); else LED='{"mounts":[],"env":{}}'; fi
PLAN=$(jq -cn --argjson cur "$CUR" --argjson env "$ENVJ" --argjson want "$WANT" --argjson wenv "$WENV" --argjson led "$LED" ${shQuote(PLAN_JQ)})
if [ "$NAMED" = true ]; then
  PLAN=$(jq -cn --argjson base "$PLAN" --argjson cur "$CUR" --argjson want "$WANT" --argjson led "$LED" ${shQuote(NAMED_PLAN_JQ)})
fi
plan() { printf '%s' "$PLAN" | jq -r "$1"; }
if [ "$(plan '.conflict | length')" != 0 ]; then
  plan '.conflict[]' | while IFS= read -r c; do echo "dokku-shared-cache: $APP: $c" >&2; done
  echo "dokku-shared-cache: $APP: nothing was changed on this app; resolve the conflict and run again" >&2
  exit 3
fi
# Dokku rewrites the whole ENV file on every config write, and its parser
# (godotenv) does not read every value back: check every value the write
# would leave, by the host's rules (DOKKU_VERSION, read above), before writing anything.
if [ "$(plan '(.set + .restore | length) + (.unset | length)')" != 0 ]; then
  msg=$(jq -rn --argjson env "$ENVJ" --argjson plan "$PLAN" --arg app "$APP" --arg ver "$DOKKU_VERSION" ${shQuote(ENV_GUARD_JQ)})
  if [ -n "$msg" ]; then printf '%s\\n' "$msg" >&2; exit 7; fi
fi
${storageGateSh()}
${buildReadSh()}# Something to write or a restart pending, and a deploy of this app running now: wait for
# it first (host/deploy-wait.ts). The plan stays valid: a deploy changes none of our mounts or keys.
if { [ "$(plan '.changes')" != 0 ] || [ "$(printf '%s' "$LED" | jq -r '.pendingRestart // false')" = true ] || [ "$(printf '%s' "$BPLAN" | jq -r '(.add | length) + (.remove | length)')" != 0 ]; } &&
  ! dsc_wait_deploys "$(($(date +%s) + DEPLOY_WAIT))" "changing the app's mounts and env"; then
  echo "dokku-shared-cache: app $APP: skipped: a deploy of the app is still running after \${DEPLOY_WAIT}s ($DSC_BUSY). Nothing was changed on this app; the next pulumi up converges it (or raise deployWaitSeconds)." >&2
  exit ${DEPLOY_BUSY_EXIT}
fi
save_ledger() { # $1: jq filter over {plan, led}
  printf '%s' "$PLAN" | jq -c --argjson led "$LED" "$1" > "$LEDGER.tmp"
  mv -f -- "$LEDGER.tmp" "$LEDGER"
  LED=$(cat -- "$LEDGER")
}
# Record what we are about to add (and keep what we added before) before touching the app.
save_ledger '{mounts: ((.ledger.mounts + $led.mounts) | unique_by([.h, .c, (.e // "")])), gc: (($led.gc // []) + (.gc // []) | unique), env: ($led.env + .ledger.env), pendingRestart: ($led.pendingRestart // false), repair: ($led.repair // 0), build: ($led.build // [])}'
CHANGES=$(plan '.changes')
if [ "$CHANGES" != 0 ]; then
  save_ledger '$led + {pendingRestart: true}'
fi
if [ "$NAMED" = true ]; then
${namedWritesSh()}
else
plan '.remount[] | .old + " " + .new' | while IFS=' ' read -r old new; do
  [ -n "$old" ] || continue
  dsc_dokku "remounting $old as $new (dokku storage:unmount)" "$PARTLY" storage:unmount "$APP" "$old"
  dsc_dokku "remounting $old as $new (dokku storage:mount)" "$PARTLY" storage:mount "$APP" "$new"
done
plan '.mount[]' | while IFS= read -r m; do
  [ -n "$m" ] || continue
  out=$(dokku storage:mount "$APP" "$m" 2>&1 </dev/null) || {
    case "$out" in *"Mount path already exists."*) ;; *) printf '%s\\n' "$out" | dsc_fail 1 "mounting $m (dokku storage:mount)" "$PARTLY" ;; esac
  }
done
plan '.unmount[]' | while IFS= read -r m; do
  [ -n "$m" ] || continue
  out=$(dokku storage:unmount "$APP" "$m" 2>&1 </dev/null) || {
    case "$out" in *"Mount path does not exist."*) ;; *) printf '%s\\n' "$out" | dsc_fail 1 "unmounting $m (dokku storage:unmount)" "$PARTLY" ;; esac
  }
done
fi
set --
for kv in $(plan '(.set + .restore) | to_entries[] | .key + "=" + (.value | @base64)'); do set -- "$@" "$kv"; done
if [ "$#" -gt 0 ]; then dsc_dokku "setting env $(plan '(.set + .restore) | keys | join(" ")') (dokku config:set)" "$PARTLY $UNREADABLE" --quiet config:set --encoded --no-restart "$APP" "$@" >/dev/null; fi
set --
for k in $(plan '.unset[]'); do set -- "$@" "$k"; done
if [ "$#" -gt 0 ]; then dsc_dokku "unsetting env $* (dokku config:unset)" "$PARTLY $UNREADABLE" --quiet config:unset --no-restart "$APP" "$@" >/dev/null; fi
# The ledger now holds exactly what we own.
save_ledger '.ledger + {pendingRestart: ($led.pendingRestart // false), repair: ($led.repair // 0), build: ($led.build // [])}'
${buildApplySh()}restarted=false
if [ "$(printf '%s' "$LED" | jq -r '.pendingRestart')" = true ]; then
  # ps:restart on a never-deployed app only warns (exit 0), so no ps:report
  # call is needed for it; ps:rebuild exits 1 there, so rebuild checks first.
  if [ "$AFTER" = restart ] || { [ "$AFTER" = rebuild ] && [ "$(dokku ps:report "$APP" --deployed 2>/dev/null || true)" = true ]; }; then
    # Never over a deploy (host/deploy-wait.ts): with a slot held, ask
    # whether the app is deploying; if so, give the slot back and wait.
    dsc_deadline=$(($(date +%s) + DEPLOY_WAIT)); DSC_SAW_DEPLOY=false
    while :; do
      while :; do
        i=1; got=false
        while [ "$i" -le "$SLOTS" ]; do
          exec 9>"$STATE/locks/restart.$i"
          if flock -n 9; then got=true; break; fi
          exec 9>&-
          i=$((i + 1))
        done
        [ "$got" = true ] && break
        sleep 1
      done
      DSC_BUSY=$(dsc_deploying); [ -z "$DSC_BUSY" ] && break
      exec 9>&-; DSC_SAW_DEPLOY=true
      if ! dsc_wait_deploys "$dsc_deadline" "the $AFTER"; then
        echo "dokku-shared-cache: app $APP: the app's mounts and env are in place, but a deploy of the app is still running after \${DEPLOY_WAIT}s ($DSC_BUSY); the $AFTER was not run over it and stays pending: the next pulumi up runs it (or raise deployWaitSeconds)." >&2
        exit ${DEPLOY_BUSY_EXIT}
      fi
    done
    if [ "$DSC_SAW_DEPLOY" = true ] && [ "$WENV" != '{}' ]; then
      # The deploy rewrote the ENV file (git_build's GIT_REV) around our write:
      # Dokku's config writes are read-modify-write, so check ours is still there.
      rc=0; ENV2=$(dokku config:export --format json "$APP" 2>"$ERR" </dev/null) || rc=$?
      [ "$rc" = 0 ] || dsc_fail "$rc" "reading its env again after a deploy (dokku config:export)" "$PARTLY"
      rm -f -- "$ERR"
      LOST=$(printf '%s\\n' "$ENV2" | tail -n 1 | jq -c --argjson wenv "$WENV" '. as $env | [$wenv | to_entries[] | select(($env[.key] // null) != .value)]')
      set --
      for kv in $(printf '%s' "$LOST" | jq -r '.[] | .key + "=" + (.value | @base64)'); do set -- "$@" "$kv"; done
      if [ "$#" -gt 0 ]; then
        echo "dokku-shared-cache: app $APP: a deploy's own config write (GIT_REV) lost env $(printf '%s' "$LOST" | jq -r 'map(.key) | join(" ")') set by this run; setting it again before the $AFTER" >&2
        dsc_dokku "setting env again after a deploy (dokku config:set)" "$PARTLY $UNREADABLE" --quiet config:set --encoded --no-restart "$APP" "$@" >/dev/null
      fi
    fi
    rc=0; out=$(dokku "ps:$AFTER" "$APP" 2>&1 </dev/null) || rc=$?
    exec 9>&-
    if [ "$rc" != 0 ]; then
      # pendingRestart stays in the ledger: the next run retries it.
      printf '%s\\n' "$out" >&2
      case "$out" in
        *"has a deploy lock in place"*)
          echo "dokku-shared-cache: app $APP: the $AFTER was refused: Dokku says the app has a deploy lock in place (a deploy is running, or an interrupted one left it: dokku apps:unlock $APP). The app's mounts and env are in place; the $AFTER stays pending and the next pulumi up retries it." >&2 ;;
        *)
          echo "dokku-shared-cache: app $APP: the $AFTER (dokku ps:$AFTER) failed with exit $rc; Dokku says: \\"$(printf '%s\\n' "$out" | dsc_words)\\" (its output is above). The app's mounts and env are in place; the $AFTER stays pending and the next pulumi up retries it. Fix the cause (a failed health check: dokku logs $APP, dokku checks:report $APP) or run dokku ps:$AFTER $APP yourself." >&2 ;;
      esac
      exit 8
    fi
    case "$out" in *"has not been deployed"*) ;; *) printf '%s\\n' "$out"; restarted=true ;; esac
  fi
  save_ledger '$led + {pendingRestart: false}'
fi
if [ ${mode === "remove" ? "true" : "false"} = true ] && [ "$(printf '%s' "$LED" | jq -r '(.mounts | length) + (.env | length) + (.build // [] | length)')" = 0 ]; then
  rm -f -- "$LEDGER"
fi
${
    mode === "converge" && opts.repair !== undefined
        ? `save_ledger '$led + {repair: ${Math.trunc(opts.repair)}}'\n`
        : ""
}printf '%s' "$PLAN" | jq -c --arg app "$APP" --argjson restarted "$restarted" --arg mark "$MARK" --argjson b "$BPLAN" \\
  '$mark + ({app: $app, changes, storage: (if has("attach") then "entries" else "colon" end), mounted: (.mount + [(.attach // [])[] | select(.re | not) | .h + ":" + .c + (if .ro then ":ro" else "" end)]), remounted: [.remount[].new], unmounted: (.unmount + [(.detach // [])[] | select(.re | not) | .h + ":" + .c]), migrated: (.migrated // []), envSet: (.set | keys), envRestored: (.restore | keys), envUnset: .unset, restarted: $restarted, builder: $b.builder, buildAdded: $b.add, buildRemoved: $b.remove} | tojson)' -r
`;
}

/**
 * The converge script recording the drift repair generation the command
 * text carries (`sh -s converge N`, see components/app-caches.ts) in the
 * app's ledger when it succeeds. The generation is kept out of the script
 * so that the script text does not depend on `detectDrift`: with detection
 * off the command keeps its last text (ignoreChanges), and turning it on or
 * off changes no input.
 */
export function withRepairGeneration(converge: string): string {
    return `DSC_REPAIR=\${2:-}
${converge}case "$DSC_REPAIR" in
  '' | *[!0-9]*) ;;
  *) jq -c --argjson r "$DSC_REPAIR" '.repair = $r' "$LEDGER" > "$LEDGER.tmp" && mv -f -- "$LEDGER.tmp" "$LEDGER" ;;
esac
`;
}
