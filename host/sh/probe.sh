# shellcheck shell=sh
# reads: BSTATE DSC_APPLIED_JQ DSC_BUILD_SEEN_JQ DSC_EVERY_APP IFS STATE dsc_extra
# sets: IFS P _ app b bo e f i ifs k known led list m nl pt rep sep ver
# defines: probe_one read_one
list=$(dokku --quiet apps:list 2>/dev/null </dev/null || true)
# Read once per run: the program refuses an unsupported Dokku before any write.
ver=$(dokku version 2>/dev/null </dev/null || true)
nl='
'
P=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
case "$P" in '' | *[!0-9]*) P=1 ;; esac
P=$((P * 2))
[ "$P" -le 8 ] || P=8
[ "$P" -ge 2 ] || P=2
umask 077
pt=''
if ! pt=$(mktemp -d "${TMPDIR:-/tmp}/dsc-probe.XXXXXX" 2>/dev/null) || ! mkfifo "$pt/slots" 2>/dev/null; then
  # No room for a temp dir (a full disk): the apps are not read this time (their converge reads
  # them anyway); each keeps the drift repair generation its ledger holds.
  [ -z "$pt" ] || rm -rf "$pt"
  echo "dokku-shared-cache: probe: no room for a temp dir in ${TMPDIR:-/tmp}; apps not read this time" >&2
  printf '{"apps":%s,"dokkuVersion":%s,"degraded":true%s,"state":{' "$(printf '%s
' "$list" | jq -R . | jq -sc 'map(select(. != ""))')" "$(printf '%s' "$ver" | jq -Rs .)" "$dsc_extra"
  sep=''
  for app in "$@"; do
    [ -n "$app" ] || continue
    rep=null
    if [ -n "$STATE" ] && [ -s "$STATE/apps/$app.json" ]; then rep=$(jq -r '.repair // 0' "$STATE/apps/$app.json" 2>/dev/null || echo 0); fi
    printf '%s%s:{"exists":true,"mounts":[],"env":{},"repair":%s,"unread":true}' "$sep" "$(printf '%s' "$app" | jq -R .)" "$rep"
    sep=','
  done
  printf '}}
'
  exit 0
fi
trap 'rm -rf "$pt"' EXIT
exec 9<>"$pt/slots"
i=0
while [ "$i" -lt "$P" ]; do
  echo >&9
  i=$((i + 1))
done
k=0
read_one() { # app, file: both reads, then the app's JSON into the file
  if m=$(dokku storage:list "$1" --format json 2>"$2.err") &&
    e=$(dokku config:export --format json "$1" 2>>"$2.err"); then
    rep=null
    led=null
    if [ -n "$STATE" ] && [ -s "$STATE/apps/$1.json" ]; then
      rep=$(jq -r '.repair // 0' "$STATE/apps/$1.json" 2>/dev/null || echo 0)
      # What the last converge applied (host/applied.ts): drift is the host differing from it.
      led=$(jq -c "$DSC_APPLIED_JQ" "$STATE/apps/$1.json" 2>/dev/null || echo null)
    fi
    b=''
    # Build-phase options of ours (host/build-options.ts): read only for apps whose ledger has some.
    # The builder the last converge resolved is in the ledger too (no call).
    if [ -n "$BSTATE" ] && [ -s "$BSTATE/apps/$1.json" ] && [ "$(jq '(.build // [] | length) + (if .builder then 1 else 0 end)' "$BSTATE/apps/$1.json" 2>/dev/null || echo 0)" != 0 ]; then
      bo=''
      if [ "$(jq '.build // [] | length' "$BSTATE/apps/$1.json")" != 0 ]; then
        bo=$(dokku docker-options:report "$1" --docker-options-build 2>>"$2.err") || {
          echo "$?" >"$2.rc"
          return 0
        }
      fi
      b=$(jq -c --arg cur "$bo" "$DSC_BUILD_SEEN_JQ" "$BSTATE/apps/$1.json")
      b=",\"build\":$b"
    fi
    printf '%s:{"exists":true,"mounts":%s,"env":%s,"repair":%s,"applied":%s%s}' "$(printf '%s' "$1" | jq -R .)" "$m" "$e" "$rep" "$led" "$b" >"$2"
  else
    echo "$?" >"$2.rc"
  fi
}
probe_one() {
  app=$1
  k=$((k + 1))
  f="$pt/$k.json"
  case "$nl$list$nl" in
    *"$nl$app$nl"*)
      if [ -n "$STATE" ] && [ ! -s "$STATE/apps/$app.json" ]; then
        # Never converged by this program: nothing of ours can have drifted, and
        # its converge reads the state anyway; skip the two reads.
        printf '%s:{"exists":true,"mounts":[],"env":{},"repair":null,"unread":true}' "$(printf '%s' "$app" | jq -R .)" >"$f"
        return 0
      fi
      read -r _ <&9
      {
        read_one "$app" "$f"
        echo >&9
      } &
      ;;
    *)
      printf '%s:{"exists":false,"mounts":[],"env":{}}' "$(printf '%s' "$app" | jq -R .)" >"$f"
      ;;
  esac
}
for app in "$@"; do
  if [ -n "$app" ]; then probe_one "$app"; fi
done
if [ "$DSC_EVERY_APP" = true ]; then
  # Every app Dokku lists, not only the stack's (verify).
  ifs=$IFS
  IFS=$nl
  set -f
  for app in $list; do
    case "$app" in '' | *[!a-z0-9.-]* | [.-]*) continue ;; esac
    for known in "$@"; do [ "$known" = "$app" ] && continue 2; done
    probe_one "$app"
  done
  IFS=$ifs
  set +f
fi
wait
i=1
while [ "$i" -le "$k" ]; do
  if [ -e "$pt/$i.json.rc" ]; then
    cat "$pt/$i.json.err" >&2
    exit "$(cat "$pt/$i.json.rc")"
  fi
  i=$((i + 1))
done
printf '{"apps":%s,"dokkuVersion":%s%s,"state":{' "$(printf '%s
' "$list" | jq -R . | jq -sc 'map(select(. != ""))')" "$(printf '%s' "$ver" | jq -Rs .)" "$dsc_extra"
i=1
while [ "$i" -le "$k" ]; do
  [ "$i" -eq 1 ] || printf ','
  cat "$pt/$i.json"
  i=$((i + 1))
done
printf '}}
'
exec 9>&-
rm -rf "$pt"
trap - EXIT
