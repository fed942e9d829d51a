# shellcheck shell=sh
# reads: DSC_REPAIR LEDGER
# sets: -
case "$DSC_REPAIR" in
  '' | *[!0-9]*) ;;
  *) jq -c --argjson r "$DSC_REPAIR" '.repair = $r' "$LEDGER" >"$LEDGER.tmp" && mv -f -- "$LEDGER.tmp" "$LEDGER" ;;
esac
