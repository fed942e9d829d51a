# shellcheck shell=sh
# reads: DSC_APPLIED LEDGER
# sets: -
# What this converge applied: drift is the host differing from it (host/applied.ts).
jq -c --argjson a "$DSC_APPLIED" '.applied = $a' "$LEDGER" >"$LEDGER.tmp" && mv -f -- "$LEDGER.tmp" "$LEDGER"
