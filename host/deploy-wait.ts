/**
 * Deploys in flight: an app's converge never writes to an app, and never
 * restarts it, while Dokku deploys it. Read in dokku/dokku v0.38.27 (and
 * v0.37.10 where noted):
 *
 * - A deploy (`git push` → git-hook, `git:from-image`, `git:sync --build`,
 *   `ps:rebuild`) runs the git plugin's receive-app (plugins/git/functions
 *   git_receive_app), which takes the app's deploy lock with
 *   `acquire_app_deploy_lock APP exclusive` (plugins/common/functions):
 *   `flock -n` on `$DOKKU_LIB_ROOT/data/apps/APP/.deploy.lock` — not under
 *   /home/dokku/APP — and fails at once ("APP currently has a deploy lock in
 *   place. Exiting...") when another process holds it; it writes the build
 *   id into the file and removes the file when done (release_advisory_lock).
 *   The same in v0.37.10.
 * - Nothing else takes that lock: `ps:restart` (plugins/ps/ps.go Restart:
 *   the `deploy` trigger with the running image tag), `config:set`
 *   (plugins/config/config.go SetMany: rewrites the ENV file; with
 *   `--no-restart` no `release-and-deploy`) and `storage:mount`/`unmount`
 *   (plugins/storage) run while a deploy holds it. So the converge itself
 *   must not take the lock either: holding it would make a `git push` fail.
 * - `apps:lock` only creates the file and `apps:locked` / `apps:report
 *   --app-locked` only test that the file exists (plugins/apps
 *   subcommands.go, functions.go appIsLocked): a file left by an interrupted
 *   deploy reads as locked but blocks no deploy (the next one's `flock -n`
 *   succeeds).
 * - 0.38 records every deploy (plugins/builds, docs/advanced-usage/builds.md):
 *   the `dokku` entry point starts a record (kind `build` for git-hook,
 *   git:*, ps:rebuild; `deploy` for ps:restart, config-redeploy) before the
 *   lock is taken, and `builds:list APP --status running --format json`
 *   lists the app's records whose process is alive (a dead one displays as
 *   `abandoned`, builds.go DisplayStatus). That is the question asked here
 *   on 0.38; on 0.37 (no builds plugin) the lock file's existence is.
 * - A deploy reads the app's env and mounts when it starts each container
 *   (scheduler-docker-local/bin/scheduler-deploy-process-container:
 *   docker-args-deploy, docker-args-process-deploy), and git_build rewrites
 *   the ENV file itself (`config_set --no-restart APP GIT_REV=…`): Dokku's
 *   config writes are read-modify-write without a lock, so two at once can
 *   lose one's keys.
 *
 * Hence the converge waits (at most `deployWaitSeconds`) for a running
 * deploy before its reads and writes, waits again before its restart, and
 * checks its env again when a deploy ran between its write and its restart.
 */

/** Exit code of a converge that skipped (part of) its work because the app was deploying. */
export const DEPLOY_BUSY_EXIT = 10;

/**
 * Shell defining `dsc_deploying` (prints the app's running deploys on one
 * line, or nothing) and `dsc_wait_deploys DEADLINE WHAT` (waits until none
 * runs or the epoch second DEADLINE passes; returns 1 then, with the deploys
 * in `$DSC_BUSY`; sets `DSC_SAW_DEPLOY=true` when it waited). Needs `APP`,
 * `dsc_vn` (the version gate) and `DEPLOY_WAIT`.
 */
export function deployWaitSh(): string {
    return `DSC_SAW_DEPLOY=false
DSC_BUSY=
dsc_record_alive() { # pid start: the record's process, not a later process or thread given its pid
  # Dokku 0.38.27 calls a record running while kill(pid, 0) succeeds (plugins/builds/builds.go
  # CheckPIDAlive), but never finalizes a ps:restart's record (only deploys release the deploy
  # lock, plugins/common/functions release_app_deploy_lock): once its pid is reused (seen on the
  # real Dokku: a pulumi thread, pid_max 32768) it reads as a deploy running for ever. A record's
  # process started by the time the record was written; a reused pid started later.
  [ -r /proc/self/stat ] || return 0 # no /proc: take Dokku's word
  [ -r "/proc/$1/stat" ] || return 1
  [ "$2" -gt 0 ] 2>/dev/null || return 0
  dsc_st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20)
  dsc_bt=$(awk '$1 == "btime" { print $2 }' /proc/stat 2>/dev/null)
  dsc_hz=$(getconf CLK_TCK 2>/dev/null) || dsc_hz=100
  case "$dsc_st$dsc_bt$dsc_hz" in '' | *[!0-9]*) return 0 ;; esac
  [ $((dsc_bt + dsc_st / dsc_hz)) -le $(($2 + 5)) ]
}
dsc_deploying() { # the app's running deploys, one line; nothing when none (or Dokku cannot say)
  if [ "$dsc_vn" -ge 38000 ]; then
    dsc_j=$(dokku builds:list "$APP" --format json --status running 2>/dev/null </dev/null) || return 0
    # pid, start (epoch seconds), description; one line per record Dokku calls running
    dsc_recs=$(printf '%s\\n' "$dsc_j" | tail -n 1 | jq -r 'if type == "array" then .[] | "\\(.pid // 0) \\((.started_at // "" | sub("\\\\.[0-9]+"; "") | try fromdateiso8601 catch 0) | floor) \\(.source // "?") \\(.kind // "build") \\(.id // "?") (pid \\(.pid // "?"), started \\(.started_at // "?" | sub("\\\\.[0-9]+"; "")))" else empty end' 2>/dev/null) || dsc_recs=
    printf '%s\\n' "$dsc_recs" | while read -r dsc_pid dsc_at dsc_what; do
      [ -n "$dsc_pid" ] || continue
      dsc_record_alive "$dsc_pid" "$dsc_at" || continue
      printf '%s\\n' "$dsc_what"
    done | awk 'NR > 1 { printf ", " } { printf "%s", $0 } END { if (NR) print "" }'
  elif [ "$(dokku apps:report "$APP" --app-locked 2>/dev/null </dev/null || true)" = true ]; then
    echo "Dokku's deploy lock file is in place (dokku apps:report $APP --app-locked; an interrupted deploy can leave it behind: dokku apps:unlock $APP)"
  fi
}
dsc_wait_deploys() { # deadline what
  DSC_BUSY=$(dsc_deploying)
  [ -n "$DSC_BUSY" ] || return 0
  DSC_SAW_DEPLOY=true
  dsc_t0=$(date +%s)
  echo "dokku-shared-cache: app $APP: a deploy is running ($DSC_BUSY); waiting for it to finish before $2 (at most \${DEPLOY_WAIT}s in all, stack key deployWaitSeconds)" >&2
  while [ -n "$DSC_BUSY" ]; do
    [ "$(date +%s)" -lt "$1" ] || return 1
    sleep 2
    DSC_BUSY=$(dsc_deploying)
  done
  echo "dokku-shared-cache: app $APP: the deploy finished (waited $(($(date +%s) - dsc_t0))s); going on with $2" >&2
}
`;
}
