# shellcheck shell=sh
# reads: DSC_MARK DSC_REC DSC_STATE_DIR FLOOR MIN dsc_caches dsc_lock dsc_prune
# sets: after bca bcb before crc disk freed gen low prc still
# defines: dsc_bc dsc_record_gen dsc_step
gen=${2:-0}
case "$gen" in '' | *[!0-9]*) gen=0 ;; esac
dsc_bc() { docker system df --format '{{json .}}' 2>/dev/null | jq -r 'select(.Type == "Build Cache") | .Size' 2>/dev/null || true; }
dsc_record_gen() {
  { mkdir -p -- "$DSC_STATE_DIR" && printf '%s\n' "$gen" >"$DSC_REC.tmp" && mv -f -- "$DSC_REC.tmp" "$DSC_REC"; } 2>/dev/null ||
    echo "dokku-shared-cache: first aid: could not record generation $gen in $DSC_REC (next up runs the check again)" >&2
}
before=$(dsc_disk)
[ -n "$before" ] || before='[]'
low=$(printf '%s' "$before" | jq -c --argjson min "$MIN" '[.[] | select(.availBytes < $min)]')
if [ "$low" = '[]' ]; then
  printf '%s{"ran":false,"generation":%s,"freedBytes":0,"disk":%s,"buildCacheBefore":"","buildCacheAfter":""}\n' "$DSC_MARK" "$gen" "$(printf '%s' "$before" | jq -c 'map(. + {availBefore: .availBytes})')"
  dsc_record_gen
  exit 0
fi
printf '%s' "$low" | jq -r --argjson min "$MIN" '.[] | "dokku-shared-cache: first aid: \(.mount) (\(.labels | join(", "))) has \(.availBytes) bytes free, below disk.minFree (\($min)); pruning before anything is written"' >&2
bcb=$(dsc_bc)
# Docker's build cache first, through the daemon, to the stack's bound; then the shared caches.
dsc_step() { # script: one pass, behind the prune job's lock when it is installed
  if [ -e "$dsc_lock" ]; then flock -w 600 "$dsc_lock" sh -c "$1" dokku-shared-cache-first-aid; else sh -c "$1" dokku-shared-cache-first-aid; fi
}
dsc_step "$dsc_prune" >&2
prc=$?
dsc_step "$dsc_caches"
crc=$?
if [ "$prc" != 0 ]; then
  # At 100 % dockerd can fail for want of room for BuildKit's own metadata (a bbolt file it
  # grows; seen on dockerd 20.10: "write …/buildkit/metadata_v2.db: no space left on device"):
  # once more, now that the shared-cache pass may have freed some.
  echo "dokku-shared-cache: first aid: Docker's build-cache prune exited $prc; once more after the shared-cache pass" >&2
  dsc_step "$dsc_prune" >&2
  prc=$?
fi
[ "$prc" = 0 ] || echo "dokku-shared-cache: first aid: Docker's build-cache prune exited $prc" >&2
[ "$crc" = 0 ] || echo "dokku-shared-cache: first aid: the shared-cache pass exited $crc" >&2
bca=$(dsc_bc)
after=$(dsc_disk)
[ -n "$after" ] || after='[]'
disk=$(jq -n -c --argjson b "$before" --argjson a "$after" '$a | map(. as $x | $x + {availBefore: ([$b[] | select(.mount == $x.mount) | .availBytes][0] // $x.availBytes)})')
freed=$(printf '%s' "$disk" | jq '[.[] | .availBytes - .availBefore | if . > 0 then . else 0 end] | add // 0')
printf '%s{"ran":true,"generation":%s,"freedBytes":%s,"disk":%s,"buildCacheBefore":"%s","buildCacheAfter":"%s"}\n' "$DSC_MARK" "$gen" "$freed" "$disk" "$bcb" "$bca"
printf '%s' "$disk" | jq -r --argjson freed "$freed" '"dokku-shared-cache: first aid freed \($freed) bytes: " + (map("\(.mount) (\(.labels | join(", "))) \(.availBefore) -> \(.availBytes) bytes free") | join("; "))' >&2
still=$(printf '%s' "$disk" | jq -c --argjson floor "$FLOOR" '[.[] | select(.availBytes < $floor)]')
if [ "$still" != '[]' ]; then
  {
    printf '%s' "$still" | jq -r '.[] | "dokku-shared-cache: NO SPACE LEFT: \(.mount) (\(.labels | join(", ")): \(.paths | join(", "))) has \(.availBytes) bytes free of \(.sizeBytes) after first aid; nothing was written on the host"'
    echo "dokku-shared-cache: what holds Docker's space (docker system df):"
    docker system df 2>&1 | sed 's/^/  /'
    if printf '%s' "$still" | jq -e 'any(.[]; .labels | index("docker"))' >/dev/null; then
      echo "dokku-shared-cache: run this on the host to free all of Docker's build cache (past the stack's bound; the next builds are cold), then pulumi up again:"
      echo "  docker builder prune --all --force"
    else
      echo "dokku-shared-cache: the shared caches are at their bounds; run this on the host to see what else fills it, free it by hand, then pulumi up again:"
      printf '%s' "$still" | jq -r '.[] | "  du -xsh \(.mount)/* | sort -h | tail"'
    fi
  } >&2
  exit 4
fi
dsc_record_gen
printf '%s' "$disk" | jq -r --argjson min "$MIN" '.[] | select(.availBytes < $min) | "dokku-shared-cache: first aid: \(.mount) still has only \(.availBytes) bytes free (disk.minFree \($min)); continuing"' >&2
exit 0
