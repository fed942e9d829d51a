# shellcheck shell=sh
# reads: APP DSC_MIN_VN DSC_REFUSAL_POST DSC_REFUSAL_PRE
# sets: DOKKU_VERSION dsc_vn
DOKKU_VERSION=$(dokku version 2>/dev/null </dev/null | grep -o '[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*' | head -n 1) || DOKKU_VERSION=""
dsc_vn=$(printf '%s\n' "$DOKKU_VERSION" | awk -F. 'NF == 3 { print $1 * 1000000 + $2 * 1000 + $3; next } { print -1 }')
if [ "$dsc_vn" -lt "$DSC_MIN_VN" ]; then
  printf 'dokku-shared-cache: app %s: %s%s%s\n' "$APP" "$DSC_REFUSAL_PRE" "${DOKKU_VERSION:-of unknown version}" "$DSC_REFUSAL_POST" >&2
  exit 9
fi
