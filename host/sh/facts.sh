# shellcheck shell=sh
# reads: DSC_CRON_FILE DSC_DAEMON_JSON DSC_DOKKU_CRON DSC_DOKKU_REC DSC_DOKKU_ROOT DSC_DOKKU_TIMER DSC_STATE_DIR DSC_TIMER_FILE
# sets: bx bytes c df dir dk dkoff dt engine f gc j n name root sched sep st vols vt
# defines: js
js() { printf '%s' "$1" | jq -R -s .; }
printf '{"caches":{'
sep=''
while [ $# -ge 2 ]; do
  name=$1
  dir=$2
  shift 2
  if [ -d "$dir" ] && [ ! -L "$dir" ]; then
    bytes=$(du -sb -- "$dir" 2>/dev/null | cut -f1)
    st=$(stat -c '%u:%g %a' -- "$dir")
    printf '%s%s:{"path":%s,"exists":true,"bytes":%s,"owner":%s,"mode":%s}' "$sep" "$(js "$name")" "$(js "$dir")" "${bytes:-0}" "$(js "${st% *}")" "$(js "${st#* }")"
  else
    printf '%s%s:{"path":%s,"exists":false}' "$sep" "$(js "$name")" "$(js "$dir")"
  fi
  sep=','
done
engine=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || engine=""
bx=$(docker buildx version 2>/dev/null | head -n 1) || bx=""
root=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null) || root=""
df=$(docker system df --format '{{json .}}' 2>/dev/null | jq -sc .) || df=null
[ -n "$df" ] || df=null
dk=$(dsc_disk) || dk=''
[ -n "$dk" ] || dk='[]'
printf '},"docker":{"engine":%s,"buildx":%s,"rootDir":%s,"df":%s},"disk":%s' "$(js "$engine")" "$(js "$bx")" "$(js "$root")" "$df" "$dk"
if [ -e "$DSC_TIMER_FILE" ]; then
  sched=systemd
elif [ -e "$DSC_CRON_FILE" ]; then
  sched=cron
else sched=none; fi
gc=$(jq -c '.builder.gc // null' "$DSC_DAEMON_JSON" 2>/dev/null) || gc=null
[ -n "$gc" ] || gc=null
printf ',"scheduler":"%s","daemonGc":%s' "$sched" "$gc"
# Read-only disk accounting (the end of the facts line): the shared-cache job's records, Dokku's
# cache volumes (names from `docker volume ls`, sizes by `du` of their mountpoints: Docker's CLI
# has no cheap per-volume size), leftover `<dokkuRoot>/<app>/cache` directories, Dokku's prune timer.
printf ',"lastPruned":{'
sep=''
for f in "$DSC_STATE_DIR"/caches/*.json; do
  [ -f "$f" ] || continue
  j=$(jq -c '{at, status, before, after}' "$f" 2>/dev/null) || continue
  n=$(basename -- "$f" .json)
  printf '%s%s:%s' "$sep" "$(js "$n")" "$j"
  sep=','
done
printf '},"volumes":['
sep=''
vols=$(docker volume ls --format '{{.Name}}' 2>/dev/null | grep -E '^(cache-|pack-cache-)' || true)
if [ -n "$vols" ]; then
  # Docker volume names match [a-zA-Z0-9][a-zA-Z0-9_.-]+: safe inside a JSON string as they are.
  # One inspect, one du for all of them.
  vt=$(mktemp)
  dt=$(mktemp)
  # shellcheck disable=SC2086 # split on purpose: one word per volume name
  docker volume inspect --format '{{.Name}} {{.Mountpoint}}' $vols >"$vt" 2>/dev/null || true
  cut -d' ' -f2- "$vt" | xargs -r -d '\n' du -sb -- >"$dt" 2>/dev/null || true
  awk 'NR == FNR { t = index($0, "\t"); sz[substr($0, t + 1)] = substr($0, 1, t - 1); next }
    { m = substr($0, length($1) + 2); b = (m in sz) ? sz[m] : "null"
      printf "%s{\"name\":\"%s\",\"bytes\":%s}", sep, $1, b; sep = "," }' "$dt" "$vt"
  rm -f -- "$vt" "$dt"
fi
printf '],"leftoverDirs":['
sep=''
for c in "$DSC_DOKKU_ROOT"/*/cache; do
  { [ -d "$c" ] && [ ! -L "$c" ]; } || continue
  printf '%s{"path":%s,"bytes":%s}' "$sep" "$(js "$c")" "$(du -sb -- "$c" | cut -f1)"
  sep=','
done
if [ -e "$DSC_DOKKU_TIMER" ]; then
  dk=systemd
elif [ -e "$DSC_DOKKU_CRON" ]; then
  dk=cron
else dk=none; fi
if [ -e "$DSC_DOKKU_REC" ]; then dkoff=true; else dkoff=false; fi
printf '],"dokkuPrune":{"found":"%s","disabledByUs":%s}}\n' "$dk" "$dkoff"
