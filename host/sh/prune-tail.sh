# shellcheck shell=sh
# reads: DSC_CM_MAX DSC_MARK bx engine variant
# sets: cm
cm=$(dsc_cache_mount_bytes)
if [ "$cm" -gt "$DSC_CM_MAX" ]; then
  echo "dokku-shared-cache: BuildKit cache mounts hold $cm bytes, over $DSC_CM_MAX: pruning them" >&2
  dsc_prune_cache_mounts
fi
printf '%s{"variant":"%s","engine":"%s","buildx":"%s"}\n' "$DSC_MARK" "$variant" "$engine" "$bx"
