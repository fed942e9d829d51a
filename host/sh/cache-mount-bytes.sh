# shellcheck shell=sh
# reads: DSC_CM_TYPE
# sets: cmb cmid cmroot cmtotal
# defines: dsc_cache_mount_bytes
dsc_cache_mount_bytes() {
  cmroot=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null) || cmroot=""
  cmtotal=0
  if [ -n "$cmroot" ]; then
    for cmid in $(docker system df -v --format '{{json .BuildCache}}' 2>/dev/null | jq -r --arg t "$DSC_CM_TYPE" 'if type == "array" then .[] | select(.CacheType == $t) | .ID else empty end' 2>/dev/null); do
      case "$cmid" in '' | *[!a-z0-9]*) continue ;; esac
      [ -d "$cmroot/overlay2/$cmid/diff" ] || continue
      cmb=$(du -sb -- "$cmroot/overlay2/$cmid/diff" 2>/dev/null | cut -f1)
      cmtotal=$((cmtotal + ${cmb:-0}))
    done
  fi
  echo "$cmtotal"
}
