# shellcheck shell=sh
# reads: APP DEPLOY_WAIT dsc_vn
# sets: DSC_BUSY DSC_HAS_BUILDS DSC_SAW_DEPLOY dsc_at dsc_bt dsc_hz dsc_j dsc_pid dsc_recs dsc_st dsc_t0 dsc_what
# defines: dsc_deploying dsc_record_alive dsc_wait_deploys
DSC_SAW_DEPLOY=false
DSC_BUSY=
# true/false once Dokku 0.38 listed the app's build records (app-restart.sh); empty: not known
DSC_HAS_BUILDS=
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
dsc_deploying() { # sets DSC_BUSY: the app's running deploys, one line; empty when none (or Dokku cannot say)
  DSC_BUSY=
  if [ "$dsc_vn" -ge 38000 ]; then
    # Every record, not --status running: the same call also says whether the app has any
    # (DSC_HAS_BUILDS). Dokku 0.38.27 plugins/builds/subcommands.go CommandList: with no filter,
    # the live-running records first (never cut), then up to the retention (default 20, at
    # least 1) newest others; --status running keeps those whose display_status is "running"
    # (matchesStatus), i.e. status running and kill(pid, 0) alive (builds.go DisplayStatus,
    # CheckPIDAlive): that filter is the select below, on the field Dokku computed.
    dsc_j=$(dokku builds:list "$APP" --format json 2>/dev/null </dev/null) || return 0
    dsc_j=$(printf '%s\n' "$dsc_j" | tail -n 1)
    case $(printf '%s\n' "$dsc_j" | jq -r 'if type == "array" then length > 0 else empty end' 2>/dev/null) in
      true) DSC_HAS_BUILDS=true ;;
      false) [ "$DSC_HAS_BUILDS" = true ] || DSC_HAS_BUILDS=false ;;
    esac
    # pid, start (epoch seconds), description; one line per record Dokku calls running
    dsc_recs=$(printf '%s\n' "$dsc_j" | jq -r 'if type == "array" then .[] | select((.display_status // .status) == "running") | "\(.pid // 0) \((.started_at // "" | sub("\\.[0-9]+"; "") | try fromdateiso8601 catch 0) | floor) \(.source // "?") \(.kind // "build") \(.id // "?") (pid \(.pid // "?"), started \(.started_at // "?" | sub("\\.[0-9]+"; "")))" else empty end' 2>/dev/null) || dsc_recs=
    DSC_BUSY=$(printf '%s\n' "$dsc_recs" | while read -r dsc_pid dsc_at dsc_what; do
      [ -n "$dsc_pid" ] || continue
      dsc_record_alive "$dsc_pid" "$dsc_at" || continue
      printf '%s\n' "$dsc_what"
    done | awk 'NR > 1 { printf ", " } { printf "%s", $0 } END { if (NR) print "" }')
  elif [ "$(dokku apps:report "$APP" --app-locked 2>/dev/null </dev/null || true)" = true ]; then
    DSC_BUSY="Dokku's deploy lock file is in place (dokku apps:report $APP --app-locked; an interrupted deploy can leave it behind: dokku apps:unlock $APP)"
  fi
}
dsc_wait_deploys() { # deadline what
  dsc_deploying
  [ -n "$DSC_BUSY" ] || return 0
  DSC_SAW_DEPLOY=true
  dsc_t0=$(date +%s)
  echo "dokku-shared-cache: app $APP: a deploy is running ($DSC_BUSY); waiting for it to finish before $2 (at most ${DEPLOY_WAIT}s in all, stack key deployWaitSeconds)" >&2
  while [ -n "$DSC_BUSY" ]; do
    [ "$(date +%s)" -lt "$1" ] || return 1
    sleep 2
    dsc_deploying
  done
  echo "dokku-shared-cache: app $APP: the deploy finished (waited $(($(date +%s) - dsc_t0))s); going on with $2" >&2
}
