# shellcheck shell=sh
# reads: AFTER APP BPLAN LED LEDGER PARTLY
# sets: LED o
# defines: bled bplan
bled() { # $1: jq filter over the ledger, with $b = BPLAN
  printf '%s' "$LED" | jq -c --argjson b "$BPLAN" "$1" >"$LEDGER.tmp"
  mv -f -- "$LEDGER.tmp" "$LEDGER"
  LED=$(cat -- "$LEDGER")
}
bplan() { printf '%s' "$BPLAN" | jq -r "$1"; }
if [ "$(bplan '(.add | length) + (.remove | length)')" != 0 ]; then
  bled '. + {build: (((.build // []) + $b.ledger) | unique)}'
  if [ "$AFTER" = rebuild ]; then bled '. + {pendingRestart: true}'; fi
  bplan '.add[]' | while IFS= read -r o; do
    [ -n "$o" ] || continue
    dsc_dokku "adding the build option $o (dokku docker-options:add)" "$PARTLY" docker-options:add "$APP" build "$o"
  done
  bplan '.remove[]' | while IFS= read -r o; do
    [ -n "$o" ] || continue
    dsc_dokku "removing the build option $o (dokku docker-options:remove)" "$PARTLY" docker-options:remove "$APP" build "$o"
  done
fi
bled '. + {build: $b.ledger, builder: $b.builder}'
