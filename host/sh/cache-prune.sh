# shellcheck shell=sh
# reads: DSC_CACHE_MARK DSC_STATE
# sets: DSC_BODY DSC_TMP age before cutoff d dir dsc_fd dsc_pw_toucher g kind l locks m max name now rc rec s size st u
# defines: dsc_body_cargo dsc_body_evict dsc_body_playwright dsc_body_uv dsc_cache dsc_dirs dsc_du dsc_evict dsc_files dsc_locked dsc_pw_lock dsc_pw_unlock dsc_record dsc_units_cargo dsc_units_evict_oldest dsc_units_npm dsc_units_pip dsc_units_playwright
dsc_files() { # dir sub...
  d=$1
  shift
  for s in "$@"; do [ -d "$d/$s" ] && find "$d/$s" -type f -printf '%T@ %s %p\n'; done
  return 0
}
dsc_dirs() { # dir glob...: each matching directory as one unit
  d=$1
  shift
  for g in "$@"; do
    for u in $d/$g; do
      { [ -d "$u" ] && [ ! -L "$u" ]; } || continue
      printf '%s %s %s\n' "$(stat -c %Y -- "$u")" "$(du -sb -- "$u" | cut -f1)" "$u"
    done
  done
}
dsc_units_pip() { dsc_files "$1" http-v2 http wheels; }
dsc_units_npm() { dsc_files "$1" _cacache/content-v2 _cacache/index-v5 _logs; }
dsc_units_evict_oldest() { find "$1" -mindepth 1 -type f -printf '%T@ %s %p\n'; }
dsc_units_cargo() {
  dsc_files "$1" registry/cache
  dsc_dirs "$1" 'registry/src/*/*' 'git/checkouts/*' 'git/db/*'
}
dsc_units_playwright() {
  # Revision directories (chromium-1140, firefox-1466, ...), without the newest of each browser.
  dsc_dirs "$1" '*-[0-9]*' | awk '{
    n = split($3, parts, "/"); base = parts[n]; name = base; sub(/-[0-9]+$/, "", name)
    rev = substr(base, length(name) + 2) + 0; line[NR] = $0; nm[NR] = name; rv[NR] = rev
    if (!(name in max) || rev > max[name]) max[name] = rev
  } END { for (i = 1; i <= NR; i++) if (rv[i] < max[nm[i]]) print line[i] }'
}
dsc_pw_lock() { # dir: takes Playwright's __dirlock as its lockfile does (mkdir, mtime kept fresh); 75 if held
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
  rec=$(printf '{"cache":"%s","kind":"%s","status":"%s","before":%s,"after":%s,"maxBytes":%s,"at":%s}' "$1" "$6" "$2" "$3" "$4" "$5" "$(date +%s)")
  printf '%s%s\n' "$DSC_CACHE_MARK" "$rec"
  mkdir -p -- "$DSC_STATE/caches" && printf '%s\n' "$rec" >"$DSC_STATE/caches/$1.json.tmp" && mv -f -- "$DSC_STATE/caches/$1.json.tmp" "$DSC_STATE/caches/$1.json"
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
      # uv's own prune takes uv's lock itself: run it before we hold that lock (never inside:
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
# What runs under a cache's locks (dsc_locked), by kind: each reads dir, size, max, age, kind
# (dsc_cache's) and writes the cache's size after it to $DSC_TMP.
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
  "dsc_units_$(printf '%s' "$1" | tr - _)" "$2" | sort -n | awk -v size="$size" -v max="$3" -v cutoff="$cutoff" '{
    t = int($1); s = $2; p = substr($0, length($1) + length($2) + 3)
    if (size <= max && t >= cutoff) exit
    printf "%s%c", p, 0; size -= s
  }' | xargs -0 -r rm -rf --
  return 0
}
