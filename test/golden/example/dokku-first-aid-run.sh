# dokku-shared-cache: run as `sh -s converge` or `sh -s remove` with this text on stdin.
case "${1:-}" in
converge)
{
set -u
MIN='1000000000'
FLOOR='67108864'
DSC_MARK='DOKKU_SHARED_CACHE_RESULT '
DSC_REC='/var/lib/dokku-shared-cache/first-aid'
dsc_prune='#!/bin/sh
# Installed by dokku-shared-cache. Prunes Docker'\''s build cache through the
# Docker daemon only: never touches files under /var/lib/docker, never stops
# containers, never restarts Docker. Regenerated on every pulumi up.
set -eu
DSC_MARK='\''DOKKU_SHARED_CACHE_RESULT '\''
DSC_CM_TYPE='\''exec.cachemount'\''
DSC_CM_MAX='\''20000000000'\''
DSC_DOKKU_UNIT='\''docker-builder-prune'\''
dsc_variant() { # from bxn, enn (dsc_detect): the first row of PRUNE_VARIANT_TABLE that holds
  if [ "$bxn" -lt 0 ]; then variant=legacy
  elif [ "$bxn" -ge 0 ] && [ "$bxn" -lt 18 ]; then variant=buildx-keep
  elif [ "$enn" -ge 28000 ]; then variant=buildx-max
  else variant=buildx-reserved
  fi
}
dsc_num() {
  printf '\''%s\n'\'' "$1" | sed -n '\''s/^[^0-9]*\([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p'\'' | {
    read -r a b || true
    if [ -n "${a:-}" ]; then echo $((a * 1000 + b)); else echo -1; fi
  }
}
dsc_detect() {
  engine=$(docker version --format '\''{{.Server.Version}}'\'' 2>/dev/null) || engine=""
  bx=$(docker buildx version 2>/dev/null | awk '\''/buildx/ {print $2; exit}'\'') || bx=""
  bxn=$(dsc_num "$bx")
  enn=$(dsc_num "$engine")
  dsc_variant
}
dsc_detect
if [ "${DSC_PRUNE_DETECT_ONLY:-}" = 1 ]; then
  echo "$variant"
  exit 0
fi
total=0
dsc_run() {
  echo "dokku-shared-cache: $*" >&2
  out=$("$@" 2>&1) || {
    printf '\''%s\n'\'' "$out" >&2
    echo "dokku-shared-cache: prune failed: $*" >&2
    exit 4
  }
  printf '\''%s\n'\'' "$out"
}
case "$variant" in
  legacy)
    dsc_run '\''docker'\'' '\''builder'\'' '\''prune'\'' '\''--force'\'' '\''--all'\'' '\''--filter'\'' '\''until=168h'\''
    dsc_run '\''docker'\'' '\''builder'\'' '\''prune'\'' '\''--force'\'' '\''--all'\'' '\''--keep-storage'\'' '\''20000000000'\''
    ;;
  buildx-keep)
    dsc_run '\''docker'\'' '\''buildx'\'' '\''prune'\'' '\''--force'\'' '\''--all'\'' '\''--filter'\'' '\''until=168h'\''
    dsc_run '\''docker'\'' '\''buildx'\'' '\''prune'\'' '\''--force'\'' '\''--all'\'' '\''--keep-storage'\'' '\''20000000000'\''
    ;;
  buildx-max)
    dsc_run '\''docker'\'' '\''buildx'\'' '\''prune'\'' '\''--force'\'' '\''--all'\'' '\''--filter'\'' '\''until=168h'\''
    dsc_run '\''docker'\'' '\''buildx'\'' '\''prune'\'' '\''--force'\'' '\''--all'\'' '\''--max-used-space'\'' '\''20000000000'\''
    ;;
  buildx-reserved)
    dsc_run '\''docker'\'' '\''buildx'\'' '\''prune'\'' '\''--force'\'' '\''--all'\'' '\''--filter'\'' '\''until=168h'\''
    dsc_run '\''docker'\'' '\''buildx'\'' '\''prune'\'' '\''--force'\'' '\''--all'\'' '\''--reserved-space'\'' '\''20000000000'\''
    ;;
esac
dsc_cache_mount_bytes() {
  cmroot=$(docker info --format '\''{{.DockerRootDir}}'\'' 2>/dev/null) || cmroot=""
  cmtotal=0
  if [ -n "$cmroot" ]; then
    for cmid in $(docker system df -v --format '\''{{json .BuildCache}}'\'' 2>/dev/null | jq -r --arg t "$DSC_CM_TYPE" '\''if type == "array" then .[] | select(.CacheType == $t) | .ID else empty end'\'' 2>/dev/null); do
      case "$cmid" in '\'''\'' | *[!a-z0-9]*) continue ;; esac
      [ -d "$cmroot/overlay2/$cmid/diff" ] || continue
      cmb=$(du -sb -- "$cmroot/overlay2/$cmid/diff" 2>/dev/null | cut -f1)
      cmtotal=$((cmtotal + ${cmb:-0}))
    done
  fi
  echo "$cmtotal"
}
dsc_prune_cache_mounts() {
  case "$variant" in
    legacy) dsc_run '\''docker'\'' '\''builder'\'' '\''prune'\'' '\''--force'\'' '\''--filter'\'' '\''type=exec.cachemount'\'' ;;
    *) dsc_run '\''docker'\'' '\''buildx'\'' '\''prune'\'' '\''--force'\'' '\''--filter'\'' '\''type=exec.cachemount'\'' ;;
  esac
}
cm=$(dsc_cache_mount_bytes)
if [ "$cm" -gt "$DSC_CM_MAX" ]; then
  echo "dokku-shared-cache: BuildKit cache mounts hold $cm bytes, over $DSC_CM_MAX: pruning them" >&2
  dsc_prune_cache_mounts
fi
printf '\''%s{"variant":"%s","engine":"%s","buildx":"%s"}\n'\'' "$DSC_MARK" "$variant" "$engine" "$bx"
'
dsc_caches='set -u
DSC_STATE='\''/var/lib/dokku-shared-cache'\''
DSC_CACHE_MARK='\''DOKKU_SHARED_CACHE_CACHE '\''
dsc_files() { # dir sub...
  d=$1
  shift
  for s in "$@"; do [ -d "$d/$s" ] && find "$d/$s" -type f -printf '\''%T@ %s %p\n'\''; done
  return 0
}
dsc_dirs() { # dir glob...: each matching directory as one unit
  d=$1
  shift
  for g in "$@"; do
    for u in $d/$g; do
      { [ -d "$u" ] && [ ! -L "$u" ]; } || continue
      printf '\''%s %s %s\n'\'' "$(stat -c %Y -- "$u")" "$(du -sb -- "$u" | cut -f1)" "$u"
    done
  done
}
dsc_units_pip() { dsc_files "$1" http-v2 http wheels; }
dsc_units_npm() { dsc_files "$1" _cacache/content-v2 _cacache/index-v5 _logs; }
dsc_units_evict_oldest() { find "$1" -mindepth 1 -type f -printf '\''%T@ %s %p\n'\''; }
dsc_units_cargo() {
  dsc_files "$1" registry/cache
  dsc_dirs "$1" '\''registry/src/*/*'\'' '\''git/checkouts/*'\'' '\''git/db/*'\''
}
dsc_units_playwright() {
  # Revision directories (chromium-1140, firefox-1466, ...), without the newest of each browser.
  dsc_dirs "$1" '\''*-[0-9]*'\'' | awk '\''{
    n = split($3, parts, "/"); base = parts[n]; name = base; sub(/-[0-9]+$/, "", name)
    rev = substr(base, length(name) + 2) + 0; line[NR] = $0; nm[NR] = name; rv[NR] = rev
    if (!(name in max) || rev > max[name]) max[name] = rev
  } END { for (i = 1; i <= NR; i++) if (rv[i] < max[nm[i]]) print line[i] }'\''
}
dsc_pw_lock() { # dir: takes Playwright'\''s __dirlock as its lockfile does (mkdir, mtime kept fresh); 75 if held
  l="$1/__dirlock"
  if ! mkdir -- "$l" 2>/dev/null; then
    now=$(date +%s)
    m=$(stat -c %Y -- "$l" 2>/dev/null || echo "$now")
    [ $((now - m)) -gt 60 ] || return 75
    echo "dokku-shared-cache: $l is $((now - m))s old (stale: Playwright refreshes it every 5s); taking it over" >&2
    rm -rf -- "$l"
    mkdir -- "$l" 2>/dev/null || return 75
  fi
  (while [ -d "$l" ]; do
    sleep 5
    touch -c -- "$l" 2>/dev/null
  done) </dev/null >/dev/null 2>&1 &
  dsc_pw_toucher=$!
}
dsc_pw_unlock() { # dir
  kill "$dsc_pw_toucher" 2>/dev/null
  wait "$dsc_pw_toucher" 2>/dev/null
  rmdir -- "$1/__dirlock" 2>/dev/null || true
}
dsc_du() { du -sb -- "$1" 2>/dev/null | cut -f1; }
dsc_record() { # name status before after max kind
  rec=$(printf '\''{"cache":"%s","kind":"%s","status":"%s","before":%s,"after":%s,"maxBytes":%s,"at":%s}'\'' "$1" "$6" "$2" "$3" "$4" "$5" "$(date +%s)")
  printf '\''%s%s\n'\'' "$DSC_CACHE_MARK" "$rec"
  mkdir -p -- "$DSC_STATE/caches" && printf '\''%s\n'\'' "$rec" >"$DSC_STATE/caches/$1.json.tmp" && mv -f -- "$DSC_STATE/caches/$1.json.tmp" "$DSC_STATE/caches/$1.json"
}
dsc_cache() { # name dir kind maxBytes ageMinutes
  name=$1
  dir=$2
  kind=$3
  max=$4
  age=$5
  if [ ! -d "$dir" ] || [ -L "$dir" ]; then
    dsc_record "$name" absent 0 0 "$max" "$kind"
    return 0
  fi
  size=$(dsc_du "$dir")
  before=$size
  if [ "$kind" = none ]; then
    st=measured
    [ "$size" -gt "$max" ] && st=over-bound-no-mechanism
    dsc_record "$name" "$st" "$before" "$size" "$max" "$kind"
    return 0
  fi
  case $kind in
    uv)
      locks="$dir/.lock"
      # uv'\''s own prune takes uv'\''s lock itself: run it before we hold that lock (never inside:
      # it would wait for us), only when no uv holds the lock now, and at most 10 minutes.
      if command -v uv >/dev/null 2>&1 && { [ ! -e "$dir/.lock" ] || flock -n "$dir/.lock" true; }; then
        timeout 600 uv cache prune --cache-dir "$dir" >&2 || true
        size=$(dsc_du "$dir")
      fi
      DSC_BODY=dsc_body_uv
      ;;
    cargo)
      locks="$dir/.package-cache-mutate $dir/.package-cache"
      DSC_BODY=dsc_body_cargo
      ;;
    playwright)
      locks=""
      DSC_BODY=dsc_body_playwright
      ;;
    *)
      locks=""
      DSC_BODY=dsc_body_evict
      ;;
  esac
  DSC_TMP=$(mktemp)
  dsc_fd=""
  # shellcheck disable=SC2086 # split on purpose: $locks lists the lock files, one word each
  if dsc_locked $locks; then
    size=$(cat "$DSC_TMP")
    rm -f -- "$DSC_TMP"
    st=ok
    [ "$size" -gt "$max" ] && st=over-bound
    dsc_record "$name" "$st" "$before" "$size" "$max" "$kind"
  else
    rc=$?
    rm -f -- "$DSC_TMP"
    if [ "$rc" = 75 ]; then
      echo "dokku-shared-cache: cache $name: in use (lock held on ${locks:-$dir/__dirlock}); skipped, nothing removed" >&2
      dsc_record "$name" skipped-in-use "$before" "$before" "$max" "$kind"
    else
      echo "dokku-shared-cache: cache $name: prune failed (exit $rc)" >&2
      dsc_record "$name" failed "$before" "$(dsc_du "$dir")" "$max" "$kind"
    fi
  fi
}
dsc_locked() { # lockfile... : runs the function named by $DSC_BODY in a subshell holding flock -n on each (fd 8, 9); 75 if busy
  if [ $# -eq 0 ]; then
    ("$DSC_BODY")
    return $?
  fi
  l=$1
  shift
  if [ ! -e "$l" ]; then
    dsc_locked "$@"
    return $?
  fi
  if [ -z "${dsc_fd:-}" ]; then dsc_fd=9; else dsc_fd=8; fi
  (
    if [ "$dsc_fd" = 9 ]; then exec 9<"$l"; else exec 8<"$l"; fi
    flock -n "$dsc_fd" || exit 75
    dsc_locked "$@"
  )
}
# What runs under a cache'\''s locks (dsc_locked), by kind: each reads dir, size, max, age, kind
# (dsc_cache'\''s) and writes the cache'\''s size after it to $DSC_TMP.
dsc_body_uv() { # over the bound: emptied as `uv cache clean` does (all but .lock, CACHEDIR.TAG, .gitignore)
  if [ "$size" -gt "$max" ]; then find "$dir" -mindepth 1 -maxdepth 1 ! -name .lock ! -name CACHEDIR.TAG ! -name .gitignore -exec rm -rf -- {} +; fi
  dsc_du "$dir" >"$DSC_TMP"
}
dsc_body_cargo() {
  dsc_evict cargo "$dir" "$max" "$age"
  dsc_du "$dir" >"$DSC_TMP"
}
dsc_body_playwright() {
  if dsc_pw_lock "$dir"; then
    dsc_evict playwright "$dir" "$max" 0
    dsc_pw_unlock "$dir"
  else exit 75; fi
  dsc_du "$dir" >"$DSC_TMP"
}
dsc_body_evict() {
  dsc_evict "$kind" "$dir" "$max" "$age"
  dsc_du "$dir" >"$DSC_TMP"
}
dsc_evict() { # kind dir maxBytes ageMinutes(0 = none); size from $size
  cutoff=0
  [ "$4" -gt 0 ] && cutoff=$(($(date +%s) - $4 * 60))
  # Oldest first; awk picks the units to go (while over the bound or older than the cutoff),
  # one rm for all of them.
  "dsc_units_$(printf '\''%s'\'' "$1" | tr - _)" "$2" | sort -n | awk -v size="$size" -v max="$3" -v cutoff="$cutoff" '\''{
    t = int($1); s = $2; p = substr($0, length($1) + length($2) + 3)
    if (size <= max && t >= cutoff) exit
    printf "%s%c", p, 0; size -= s
  }'\'' | xargs -0 -r rm -rf --
  return 0
}
dsc_record() { # name status before after max kind: the result line only
  printf '\''%s{"cache":"%s","kind":"%s","status":"%s","before":%s,"after":%s,"maxBytes":%s,"at":%s}\n'\'' "$DSC_CACHE_MARK" "$1" "$6" "$2" "$3" "$4" "$5" "$(date +%s)"
}
dsc_cache '\''pip'\'' '\''/var/lib/dokku/data/shared/pip'\'' '\''pip'\'' '\''2000000000'\'' 43200
dsc_cache '\''uv'\'' '\''/var/lib/dokku/data/shared/uv'\'' '\''uv'\'' '\''3000000000'\'' 0
dsc_cache '\''npm'\'' '\''/var/lib/dokku/data/shared/npm'\'' '\''npm'\'' '\''2000000000'\'' 43200
dsc_cache '\''ms-playwright'\'' '\''/var/lib/dokku/data/shared/ms-playwright'\'' '\''playwright'\'' '\''2000000000'\'' 0
dsc_cache '\''rust'\'' '\''/var/lib/dokku/data/shared/rust'\'' '\''cargo'\'' '\''3000000000'\'' 43200
dsc_cache '\''pip@untrusted'\'' '\''/var/lib/dokku/data/shared/groups/untrusted/pip'\'' '\''pip'\'' '\''2000000000'\'' 43200
'
dsc_lock='/var/lib/dokku-shared-cache/prune.lock'
DSC_DOKKU_LIB='/var/lib/dokku'
DSC_SHARED_ROOT='/var/lib/dokku/data/shared'
DSC_STATE_DIR='/var/lib/dokku-shared-cache'
dsc_disk() {
  dsc_droot=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null) || dsc_droot=""
  dsc_rows=''
  for dsc_lp in "docker ${dsc_droot:-/var/lib/docker}" "dokku $DSC_DOKKU_LIB" "shared $DSC_SHARED_ROOT" "state $DSC_STATE_DIR"; do
    dsc_l=${dsc_lp%% *}
    dsc_p=${dsc_lp#* }
    while [ ! -e "$dsc_p" ] && [ "$dsc_p" != / ]; do dsc_p=$(dirname -- "$dsc_p"); done
    dsc_dev=$(stat -c %d -- "$dsc_p" 2>/dev/null) || dsc_dev=''
    dsc_line=$(df -P -B1 -- "$dsc_p" 2>/dev/null | awk 'NR == 2 { m = $6; for (i = 7; i <= NF; i++) m = m " " $i; print $2 "\t" $4 "\t" m }') || dsc_line=''
    [ -n "$dsc_line" ] || continue
    dsc_rows="$dsc_rows$dsc_l	$dsc_p	${dsc_dev:-$dsc_p}	$dsc_line
"
  done
  printf '%s' "$dsc_rows" | jq -R -s -c '[split("\n")[] | select(. != "") | split("\t")
    | {label: .[0], path: .[1], dev: .[2], sizeBytes: (.[3] | tonumber), availBytes: (.[4] | tonumber), mount: .[5]}]
    | reduce .[] as $r ([]; if any(.[]; .dev == $r.dev)
        then map(if .dev == $r.dev then .labels += [$r.label] | .paths += [$r.path]
          | if ($r.mount | length) < (.mount | length) then .mount = $r.mount else . end else . end)
        else . + [{dev: $r.dev, mount: $r.mount, sizeBytes: $r.sizeBytes, availBytes: $r.availBytes, labels: [$r.label], paths: [$r.path]}] end)
    | map(del(.dev))'
}
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
} </dev/null
;;
remove) ;;
*) echo "dokku-shared-cache: usage: sh -s converge|remove (script on stdin)" >&2; exit 2 ;;
esac
