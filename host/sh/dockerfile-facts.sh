# shellcheck shell=sh
# reads: DSC_CM_TYPE DSC_DAEMON_JSON DSC_DEFAULTS DSC_DOKKU_ROOT
# sets: app appenv b bc builder buildx client d dbin det df dfpath dsep du fb hostenv id repo root sel sep t v
# defines: js
js() { printf '%s' "$1" | jq -R -s .; }
dbin=docker
if [ -r "$DSC_DEFAULTS" ]; then
  b=$(sed -n 's/^[[:space:]]*\(export[[:space:]][[:space:]]*\)\{0,1\}DOCKER_BIN=["'"'"']\{0,1\}\([^"'"'"' ]*\).*/\2/p' "$DSC_DEFAULTS" | tail -n 1)
  [ -z "$b" ] || dbin=$b
  hostenv=$(sed -n 's/^[[:space:]]*\(export[[:space:]][[:space:]]*\)\{0,1\}DOCKER_BUILDKIT=["'"'"']\{0,1\}\([^"'"'"' ]*\).*/\2/p' "$DSC_DEFAULTS" | tail -n 1)
  if grep -Eq '^[[:space:]]*(export[[:space:]]+)?DOCKER_BUILDKIT=' "$DSC_DEFAULTS"; then hostenv=$(js "$hostenv"); else hostenv=null; fi
else hostenv=null; fi
client=$("$dbin" version --format '{{.Client.Version}}' 2>/dev/null) || client=""
buildx=""
for d in "$DSC_DOKKU_ROOT/.docker/cli-plugins" /usr/local/lib/docker/cli-plugins /usr/local/libexec/docker/cli-plugins /usr/lib/docker/cli-plugins /usr/libexec/docker/cli-plugins; do
  if [ -x "$d/docker-buildx" ]; then
    buildx="$d/docker-buildx"
    break
  fi
done
fb=$(jq -c '.features.buildkit // null' "$DSC_DAEMON_JSON" 2>/dev/null) || fb=null
[ -n "$fb" ] || fb=null
bc=$(docker system df -v --format '{{json .BuildCache}}' 2>/dev/null | jq -c 'if type == "array" then . else null end' 2>/dev/null) || bc=null
[ -n "$bc" ] || bc=null
# Docker's size for a cache mount can lag (seen: 0 B on 20.10.24 for 100 kB); its bytes are in the
# snapshot directory named by the record's ID: measure that, read-only.
root=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null) || root=""
du='{'
dsep=''
if [ "$bc" != null ] && [ -n "$root" ]; then
  for id in $(printf '%s' "$bc" | jq -r --arg t "$DSC_CM_TYPE" '.[]? | select(.CacheType == $t) | .ID'); do
    case "$id" in '' | *[!a-z0-9]*) continue ;; esac
    if [ -d "$root/overlay2/$id/diff" ]; then
      b=$(du -sb -- "$root/overlay2/$id/diff" 2>/dev/null | cut -f1)
      du="$du$dsep\"$id\":${b:-0}"
      dsep=','
    fi
  done
fi
du="$du}"
printf '{"client":%s,"buildx":%s,"hostEnv":%s,"daemonBuildkit":%s,"buildCache":%s,"snapshotBytes":%s,"apps":{' "$(js "$client")" "$(js "$buildx")" "$hostenv" "$fb" "$bc" "$du"
sep=''
while [ $# -ge 2 ]; do
  app=$1
  builder=$2
  shift 2
  if [ "$builder" = unknown ]; then
    sel=$(dokku builder:report "$app" --builder-computed-selected 2>/dev/null </dev/null | tr -d ' \n') || sel=""
    det=$(dokku builder:report "$app" --builder-detected 2>/dev/null </dev/null | tr -d ' \n') || det=""
    builder=${sel:-${det:-undetermined}}
  fi
  appenv=null
  df=null
  dfpath=""
  if [ "$builder" = dockerfile ]; then
    if v=$(dokku config:get "$app" DOCKER_BUILDKIT 2>/dev/null </dev/null); then appenv=$(js "$v"); fi
    dfpath=$(dokku builder-dockerfile:report "$app" --builder-dockerfile-computed-dockerfile-path 2>/dev/null </dev/null | tr -d '\n') || dfpath=""
    dfpath=${dfpath:-Dockerfile}
    repo=$DSC_DOKKU_ROOT/$app
    if [ -d "$repo" ] && t=$(git -c safe.directory="$repo" -C "$repo" show "HEAD:$dfpath" 2>/dev/null); then
      df=$(printf '%s' "$t" | base64 | tr -d '\n')
      df=$(js "$df")
    fi
  fi
  printf '%s%s:{"builder":%s,"appEnv":%s,"dockerfilePath":%s,"dockerfile":%s}' "$sep" "$(js "$app")" "$(js "$builder")" "$appenv" "$(js "$dfpath")" "$df"
  sep=','
done
printf '}}\n'
