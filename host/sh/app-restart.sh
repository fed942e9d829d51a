# shellcheck shell=sh
# reads: AFTER APP BPLAN DEPLOY_WAIT DSC_BUSY DSC_HAS_BUILDS ERR LED LEDGER MARK PARTLY PLAN REMOVE REPAIR SLOTS STATE UNREADABLE WENV
# sets: DSC_SAW_DEPLOY ENV2 LOST dsc_deadline dsc_deployed got i kv out rc restarted
restarted=false
if [ "$(printf '%s' "$LED" | jq -r '.pendingRestart')" = true ]; then
  # Is the app deployed? Dokku 0.38.27 plugins/ps/ps.go Restart only warns "has not been
  # deployed" (exit 0) when plugins/common/common.go IsDeployed says no, the same answer as
  # ps:report --deployed (plugins/ps/report.go reportDeployed); ps:rebuild exits 1 there. So a
  # rebuild asks first, and so does a restart when deploy-wait.sh's builds:list showed Dokku
  # 0.38 keeping no build record of the app (every deploy and ps:restart starts one: the dokku
  # entry point, dokku_setup_build_capture; an app deployed before 0.38 has none but is
  # deployed): one ps:report in place of a second builds:list and a ps:restart that would only
  # warn. With build records, or on 0.37 (no builds plugin), ps:restart itself says.
  dsc_deployed=
  if [ "$AFTER" = rebuild ] || { [ "$AFTER" = restart ] && [ "$DSC_HAS_BUILDS" = false ]; }; then
    dsc_deployed=$(dokku ps:report "$APP" --deployed 2>/dev/null </dev/null || true)
  fi
  if { [ "$AFTER" = restart ] && [ "$dsc_deployed" != false ]; } || { [ "$AFTER" = rebuild ] && [ "$dsc_deployed" = true ]; }; then
    # Never over a deploy (host/deploy-wait.ts): with a slot held, ask
    # whether the app is deploying; if so, give the slot back and wait.
    dsc_deadline=$(($(date +%s) + DEPLOY_WAIT))
    DSC_SAW_DEPLOY=false
    while :; do
      while :; do
        i=1
        got=false
        while [ "$i" -le "$SLOTS" ]; do
          exec 9>"$STATE/locks/restart.$i"
          if flock -n 9; then
            got=true
            break
          fi
          exec 9>&-
          i=$((i + 1))
        done
        [ "$got" = true ] && break
        sleep 1
      done
      dsc_deploying
      [ -z "$DSC_BUSY" ] && break
      exec 9>&-
      DSC_SAW_DEPLOY=true
      if ! dsc_wait_deploys "$dsc_deadline" "the $AFTER"; then
        echo "dokku-shared-cache: app $APP: the app's mounts and env are in place, but a deploy of the app is still running after ${DEPLOY_WAIT}s ($DSC_BUSY); the $AFTER was not run over it and stays pending: the next pulumi up runs it (or raise deployWaitSeconds)." >&2
        exit 10
      fi
    done
    if [ "$DSC_SAW_DEPLOY" = true ] && [ "$WENV" != '{}' ]; then
      # The deploy rewrote the ENV file (git_build's GIT_REV) around our write:
      # Dokku's config writes are read-modify-write, so check ours is still there.
      rc=0
      ENV2=$(dokku config:export --format json "$APP" 2>"$ERR" </dev/null) || rc=$?
      [ "$rc" = 0 ] || dsc_fail "$rc" "reading its env again after a deploy (dokku config:export)" "$PARTLY"
      rm -f -- "$ERR"
      LOST=$(printf '%s\n' "$ENV2" | tail -n 1 | jq -c --argjson wenv "$WENV" '. as $env | [$wenv | to_entries[] | select(($env[.key] // null) != .value)]')
      set --
      for kv in $(printf '%s' "$LOST" | jq -r '.[] | .key + "=" + (.value | @base64)'); do set -- "$@" "$kv"; done
      if [ "$#" -gt 0 ]; then
        echo "dokku-shared-cache: app $APP: a deploy's own config write (GIT_REV) lost env $(printf '%s' "$LOST" | jq -r 'map(.key) | join(" ")') set by this run; setting it again before the $AFTER" >&2
        dsc_dokku "setting env again after a deploy (dokku config:set)" "$PARTLY $UNREADABLE" --quiet config:set --encoded --no-restart "$APP" "$@" >/dev/null
      fi
    fi
    rc=0
    out=$(dokku "ps:$AFTER" "$APP" 2>&1 </dev/null) || rc=$?
    exec 9>&-
    if [ "$rc" != 0 ]; then
      # pendingRestart stays in the ledger: the next run retries it.
      printf '%s\n' "$out" >&2
      case "$out" in
        *"has a deploy lock in place"*)
          echo "dokku-shared-cache: app $APP: the $AFTER was refused: Dokku says the app has a deploy lock in place (a deploy is running, or an interrupted one left it: dokku apps:unlock $APP). The app's mounts and env are in place; the $AFTER stays pending and the next pulumi up retries it." >&2
          ;;
        *)
          echo "dokku-shared-cache: app $APP: the $AFTER (dokku ps:$AFTER) failed with exit $rc; Dokku says: \"$(printf '%s\n' "$out" | dsc_words)\" (its output is above). The app's mounts and env are in place; the $AFTER stays pending and the next pulumi up retries it. Fix the cause (a failed health check: dokku logs $APP, dokku checks:report $APP) or run dokku ps:$AFTER $APP yourself." >&2
          ;;
      esac
      exit 8
    fi
    case "$out" in *"has not been deployed"*) ;; *)
      printf '%s\n' "$out"
      restarted=true
      ;;
    esac
  fi
  save_ledger '$led + {pendingRestart: false}'
fi
if [ "$REMOVE" = true ] && [ "$(printf '%s' "$LED" | jq -r '(.mounts | length) + (.env | length) + (.build // [] | length)')" = 0 ]; then
  rm -f -- "$LEDGER"
fi
if [ -n "$REPAIR" ]; then save_ledger "\$led + {repair: $REPAIR}"; fi
printf '%s' "$PLAN" | jq -c --arg app "$APP" --argjson restarted "$restarted" --arg mark "$MARK" --argjson b "$BPLAN" \
  '$mark + ({app: $app, changes, storage: (if has("attach") then "entries" else "colon" end), mounted: (.mount + [(.attach // [])[] | select(.re | not) | .h + ":" + .c + (if .ro then ":ro" else "" end)]), remounted: [.remount[].new], unmounted: (.unmount + [(.detach // [])[] | select(.re | not) | .h + ":" + .c]), migrated: (.migrated // []), envSet: (.set | keys), envRestored: (.restore | keys), envUnset: .unset, restarted: $restarted, builder: $b.builder, buildAdded: $b.add, buildRemoved: $b.remove} | tojson)' -r
