# shellcheck shell=sh
# reads: DSC_BIN DSC_MARK
# sets: after before
before=$(docker system df --format '{{json .}}' 2>/dev/null | jq -r 'select(.Type == "Build Cache") | .Size' || true)
"$DSC_BIN"
after=$(docker system df --format '{{json .}}' 2>/dev/null | jq -r 'select(.Type == "Build Cache") | .Size' || true)
printf '%s{"buildCacheBefore":"%s","buildCacheAfter":"%s"}\n' "$DSC_MARK" "$before" "$after"
