# shellcheck shell=sh
# reads: APP BPLAN DEPLOY_WAIT DSC_BUSY LED LEDGER NAMED PARTLY PLAN UNREADABLE
# sets: CHANGES LED k kv
# defines: save_ledger
# Something to write or a restart pending, and a deploy of this app running now: wait for
# it first (host/deploy-wait.ts; on Dokku 0.38 its builds:list also sets DSC_HAS_BUILDS, which
# app-restart.sh reads). The plan stays valid: a deploy changes none of our mounts or keys.
if { [ "$(plan '.changes')" != 0 ] || [ "$(printf '%s' "$LED" | jq -r '.pendingRestart // false')" = true ] || [ "$(printf '%s' "$BPLAN" | jq -r '(.add | length) + (.remove | length)')" != 0 ]; } &&
  ! dsc_wait_deploys "$(($(date +%s) + DEPLOY_WAIT))" "changing the app's mounts and env"; then
  echo "dokku-shared-cache: app $APP: skipped: a deploy of the app is still running after ${DEPLOY_WAIT}s ($DSC_BUSY). Nothing was changed on this app; the next pulumi up converges it (or raise deployWaitSeconds)." >&2
  exit 10
fi
save_ledger() { # $1: jq filter over {plan, led}
  printf '%s' "$PLAN" | jq -c --argjson led "$LED" "$1" >"$LEDGER.tmp"
  mv -f -- "$LEDGER.tmp" "$LEDGER"
  LED=$(cat -- "$LEDGER")
}
# Record what we are about to add (and keep what we added before) before touching the app.
save_ledger '{mounts: ((.ledger.mounts + $led.mounts) | unique_by([.h, .c, (.e // "")])), gc: (($led.gc // []) + (.gc // []) | unique), env: ($led.env + .ledger.env), pendingRestart: ($led.pendingRestart // false), repair: ($led.repair // 0), build: ($led.build // [])}'
CHANGES=$(plan '.changes')
if [ "$CHANGES" != 0 ]; then
  save_ledger '$led + {pendingRestart: true}'
fi
if [ "$NAMED" = true ]; then dsc_named_writes; else dsc_colon_writes; fi
set --
for kv in $(plan '(.set + .restore) | to_entries[] | .key + "=" + (.value | @base64)'); do set -- "$@" "$kv"; done
if [ "$#" -gt 0 ]; then dsc_dokku "setting env $(plan '(.set + .restore) | keys | join(" ")') (dokku config:set)" "$PARTLY $UNREADABLE" --quiet config:set --encoded --no-restart "$APP" "$@" >/dev/null; fi
set --
for k in $(plan '.unset[]'); do set -- "$@" "$k"; done
if [ "$#" -gt 0 ]; then dsc_dokku "unsetting env $* (dokku config:unset)" "$PARTLY $UNREADABLE" --quiet config:unset --no-restart "$APP" "$@" >/dev/null; fi
# The ledger now holds exactly what we own.
save_ledger '.ledger + {pendingRestart: ($led.pendingRestart // false), repair: ($led.repair // 0), build: ($led.build // [])}'
