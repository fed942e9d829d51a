# shellcheck shell=sh
# reads: STATE WANT dsc_vn
# sets: NAMED WANT
# Dokku >= 0.38: named storage entries (host/storage-entries.ts); 0.37: colon mounts.
NAMED=false
if [ "$dsc_vn" -ge 38000 ]; then NAMED=true; else WANT=$(printf '%s' "$WANT" | jq -c 'map(del(.e))'); fi
umask 077
mkdir -p -- "$STATE/apps" "$STATE/locks"
