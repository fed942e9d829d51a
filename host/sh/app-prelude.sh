# shellcheck shell=sh
# reads: APP STATE
# sets: ERR LEDGER t
LEDGER="$STATE/apps/$APP.json"
ERR="$STATE/apps/.$APP.err"
for t in dokku jq flock base64; do
  command -v "$t" >/dev/null 2>&1 || {
    echo "dokku-shared-cache: '$t' is required on the host" >&2
    exit 127
  }
done
# Supported Dokku versions are checked, before any write (see dokku-version.ts).
