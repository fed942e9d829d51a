# shellcheck shell=sh
# reads: APP DOKKU_VERSION DSC_ENV_GUARD_JQ DSC_ENV_UNREADABLE_JQ DSC_NAMED_PLAN_JQ DSC_PLAN_JQ ERR LEDGER MARK NAMED NOTHING_YET REMOVE WANT WENV
# sets: CUR ENVJ LED PLAN c msg rc
# defines: plan
# storage:list doubles as the existence check: an unknown app exits 20.
rc=0
CUR=$(dokku storage:list "$APP" --format json 2>"$ERR" </dev/null) || rc=$?
if [ "$rc" = 20 ]; then
  rm -f -- "$ERR"
  if [ "$REMOVE" = true ]; then
    rm -f -- "$LEDGER"
    printf '%s{"app":"%s","missing":true,"changes":0,"restarted":false}\n' "$MARK" "$APP"
    exit 0
  fi
  echo "dokku-shared-cache: app '$APP' does not exist on this Dokku host (dokku apps:exists exit 20); create it (dokku apps:create $APP) or remove it from the stack's apps" >&2
  exit 20
elif [ "$rc" != 0 ]; then
  dsc_fail "$rc" "reading its mounts (dokku storage:list)" "$NOTHING_YET" <"$ERR"
fi
rm -f -- "$ERR"
rc=0
ENVJ=$(dokku config:export --format json "$APP" 2>"$ERR" </dev/null) || rc=$?
if [ "$rc" != 0 ]; then
  # godotenv's parse errors (v1.5.1, v1.2.0): Dokku can no longer read the app's ENV file.
  if grep -q -e 'unterminated quoted value' -e 'unexpected character' -e "Can't separate key from value" -e 'token too long' -- "$ERR"; then
    jq -rn --arg app "$APP" --arg ver "$DOKKU_VERSION" --arg said "$(sed -n 's/^ !     //p' -- "$ERR" | head -n 1)" "$DSC_ENV_UNREADABLE_JQ" >&2
    rm -f -- "$ERR"
    exit 7
  fi
  dsc_fail "$rc" "reading its env (dokku config:export)" "$NOTHING_YET" <"$ERR"
fi
rm -f -- "$ERR"
# Before its JSON, config:export prints "-----> Deleting invalid key …" for keys Dokku rejects.
ENVJ=$(printf '%s\n' "$ENVJ" | tail -n 1)
if [ -s "$LEDGER" ]; then LED=$(cat -- "$LEDGER"); else LED='{"mounts":[],"env":{}}'; fi
PLAN=$(jq -cn --argjson cur "$CUR" --argjson env "$ENVJ" --argjson want "$WANT" --argjson wenv "$WENV" --argjson led "$LED" "$DSC_PLAN_JQ")
if [ "$NAMED" = true ]; then
  PLAN=$(jq -cn --argjson base "$PLAN" --argjson cur "$CUR" --argjson want "$WANT" --argjson led "$LED" "$DSC_NAMED_PLAN_JQ")
fi
plan() { printf '%s' "$PLAN" | jq -r "$1"; }
if [ "$(plan '.conflict | length')" != 0 ]; then
  plan '.conflict[]' | while IFS= read -r c; do echo "dokku-shared-cache: $APP: $c" >&2; done
  echo "dokku-shared-cache: $APP: nothing was changed on this app; resolve the conflict and run again" >&2
  exit 3
fi
# Dokku rewrites the whole ENV file on every config write, and its parser
# (godotenv) does not read every value back: check every value the write
# would leave, by the host's rules (DOKKU_VERSION, read above), before writing anything.
if [ "$(plan '(.set + .restore | length) + (.unset | length)')" != 0 ]; then
  msg=$(jq -rn --argjson env "$ENVJ" --argjson plan "$PLAN" --arg app "$APP" --arg ver "$DOKKU_VERSION" "$DSC_ENV_GUARD_JQ")
  if [ -n "$msg" ]; then
    printf '%s\n' "$msg" >&2
    exit 7
  fi
fi
