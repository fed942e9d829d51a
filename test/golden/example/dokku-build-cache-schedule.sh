# dokku-shared-cache: run as `sh -s converge` or `sh -s remove` with this text on stdin.
case "${1:-}" in
converge)
{
DSC_GEN_DIR='/var/lib/dokku-shared-cache/gen'
DSC_GEN_FILE='/var/lib/dokku-shared-cache/gen/build-cache-schedule'
DSC_GEN='60d8e322d108fe2f'
dsc_gen_exit() {
  rc=$?
  if [ "$rc" = 0 ]; then
    { mkdir -p -- "$DSC_GEN_DIR" && printf '%s\n' "$DSC_GEN" >"$DSC_GEN_FILE.tmp" && mv -f -- "$DSC_GEN_FILE.tmp" "$DSC_GEN_FILE"; } || true
  fi
  exit "$rc"
}
trap dsc_gen_exit EXIT
set -eu
DSC_BIN='/var/lib/dokku-shared-cache/bin/dokku-shared-cache-prune'
DSC_UNIT='dokku-shared-cache-prune'
DSC_SERVICE_FILE='/etc/systemd/system/dokku-shared-cache-prune.service'
DSC_TIMER_FILE='/etc/systemd/system/dokku-shared-cache-prune.timer'
DSC_CRON_FILE='/etc/cron.d/dokku-shared-cache-prune'
DSC_MARK='DOKKU_SHARED_CACHE_RESULT '
DSC_STATE_DIR='/var/lib/dokku-shared-cache'
DSC_DOKKU_UNIT='docker-builder-prune'
DSC_DOKKU_REC='/var/lib/dokku-shared-cache/dokku-prune.disabled'
DSC_DOKKU_TIMER='/etc/systemd/system/docker-builder-prune.timer'
DSC_DOKKU_CRON='/etc/cron.d/docker-builder-prune'
DSC_DOKKU_SAVED='/var/lib/dokku-shared-cache/dokku-prune.cron'
DSC_SCRIPT='#!/bin/sh
# Installed by dokku-shared-cache. Prunes Docker'\''s build cache through the
# Docker daemon only: never touches files under /var/lib/docker, never stops
# containers, never restarts Docker. Regenerated on every pulumi up.
set -eu
DSC_MARK='\''DOKKU_SHARED_CACHE_RESULT '\''
DSC_CM_TYPE='\''exec.cachemount'\''
DSC_CM_MAX='\''20000000000'\''
DSC_DOKKU_UNIT='\''docker-builder-prune'\''
DSC_STATE_DIR='\''/var/lib/dokku-shared-cache'\''
DSC_PRUNE_LOCK='\''/var/lib/dokku-shared-cache/prune.lock'\''
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
# One prune at a time: the job runs again under its lock (the timer'\''s and cron'\''s runs take it too).
if [ "${DSC_PRUNE_LOCKED:-}" != 1 ]; then
  mkdir -p -- "$DSC_STATE_DIR"
  DSC_PRUNE_LOCKED=1 exec flock -w "${DSC_PRUNE_LOCK_WAIT:-7200}" "$DSC_PRUNE_LOCK" "$0" "$@"
fi
set +e
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
dsc_cache '\''pip'\'' '\''/var/lib/dokku/data/shared/pip'\'' '\''pip'\'' '\''2000000000'\'' 43200
dsc_cache '\''uv'\'' '\''/var/lib/dokku/data/shared/uv'\'' '\''uv'\'' '\''3000000000'\'' 0
dsc_cache '\''npm'\'' '\''/var/lib/dokku/data/shared/npm'\'' '\''npm'\'' '\''2000000000'\'' 43200
dsc_cache '\''ms-playwright'\'' '\''/var/lib/dokku/data/shared/ms-playwright'\'' '\''playwright'\'' '\''2000000000'\'' 0
dsc_cache '\''rust'\'' '\''/var/lib/dokku/data/shared/rust'\'' '\''cargo'\'' '\''3000000000'\'' 43200
dsc_cache '\''pip@untrusted'\'' '\''/var/lib/dokku/data/shared/groups/untrusted/pip'\'' '\''pip'\'' '\''2000000000'\'' 43200
set -e
if [ "${DSC_PRUNE_CACHES_ONLY:-}" = 1 ]; then exit 0; fi
# Never two build-cache prunes at once: wait while Dokku'\''s docker-builder-prune runs (its systemd
# service, or its cron line'\''s `docker builder prune`, or one typed by hand); still running after
# the wait (30 min): Docker'\''s build cache is not pruned this time.
dsc_dokku_prune_running() {
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$DSC_DOKKU_UNIT.service" 2>/dev/null; then return 0; fi
  pgrep -f '\''(^|/)docker builder prune'\'' >/dev/null 2>&1
}
waited=0
poll="${DSC_DOKKU_PRUNE_POLL:-10}"
while dsc_dokku_prune_running; do
  if [ "$waited" -ge "${DSC_DOKKU_PRUNE_WAIT:-1800}" ]; then
    echo "dokku-shared-cache: Dokku'\''s $DSC_DOKKU_UNIT still runs after ${waited}s; Docker'\''s build cache not pruned this time (never two prunes at once)" >&2
    exit 75
  fi
  [ "$waited" -eq 0 ] && echo "dokku-shared-cache: waiting for Dokku'\''s $DSC_DOKKU_UNIT to finish" >&2
  sleep "$poll"
  waited=$((waited + poll))
done
[ "$waited" -eq 0 ] || echo "dokku-shared-cache: Dokku'\''s $DSC_DOKKU_UNIT finished; waited ${waited}s" >&2
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
printf '\''%s{"variant":"%s","engine":"%s","buildx":"%s"}\n'\'' "$DSC_MARK" "$variant" "$engine" "$bx"'
DSC_SCHEDULE='daily'
DSC_SCHEDULE_JSON='"daily"'
DSC_RUN_DIR='/run/systemd/system'
DSC_SERVICE='[Unit]
Description=dokku-shared-cache: prune Docker build cache (through the daemon)
After=docker.service
Requires=docker.service

[Service]
Type=oneshot
Nice=10
IOSchedulingClass=idle
ExecStart=/var/lib/dokku-shared-cache/bin/dokku-shared-cache-prune'
DSC_TIMER='[Unit]
Description=dokku-shared-cache: prune Docker build cache daily

[Timer]
OnCalendar=*-*-* 03:17:00
RandomizedDelaySec=15m
Persistent=true

[Install]
WantedBy=timers.target'
DSC_CRON='# Installed by dokku-shared-cache (pulumi destroy removes it).
17 3 * * * root DSC_PRUNE_LOCKED=1 flock -n '\''/var/lib/dokku-shared-cache/prune.lock'\'' '\''/var/lib/dokku-shared-cache/bin/dokku-shared-cache-prune'\'' >> '\''/var/lib/dokku-shared-cache/prune.log'\'' 2>&1'
DSC_DOKKU_PRUNE='restore'
dsc_put() { # path mode content
  if [ -f "$1" ] && [ "$(cat -- "$1")" = "$3" ]; then return 0; fi
  mkdir -p -- "$(dirname -- "$1")"
  printf '%s\n' "$3" >"$1.dsc-tmp"
  chmod "$2" -- "$1.dsc-tmp"
  mv -f -- "$1.dsc-tmp" "$1"
  changed=true
}
dsc_unschedule() { # removes our timer and service, or our cron line
  if [ -e "$DSC_TIMER_FILE" ] || [ -e "$DSC_SERVICE_FILE" ]; then
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$DSC_UNIT.timer" 2>/dev/null || true; fi
    rm -f -- "$DSC_TIMER_FILE" "$DSC_SERVICE_FILE"
    if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload 2>/dev/null || true; fi
    changed=true
  fi
  if [ -e "$DSC_CRON_FILE" ]; then
    rm -f -- "$DSC_CRON_FILE"
    changed=true
  fi
}
# `dokkuPrune: disable`. Dokku v0.38.27 (plugins/builder/install-builder-prune, run by its
# install trigger) writes, where systemd runs, `docker-builder-prune.service` (oneshot
# `docker builder prune -f`, `[Install] WantedBy=docker.service`, enabled with
# `systemctl reenable`: it also runs each time Docker starts) and `docker-builder-prune.timer`
# (enabled and started; 04:05 daily); elsewhere `/etc/cron.d/docker-builder-prune` (its line
# lacks `-f`, dokku#7283). We disable the timer (and stop it) and the service's enablement
# (a prune already running finishes), or move the cron entry into `<stateDir>`; what was
# enabled / active is recorded, so that destroy (or `keep`) restores exactly that.
# Sets `$dokku` to what is there now: `absent`, `inactive` (installed, not enabled, by
# someone else), `disabled-by-us`.
# dsc_dokku_prune_restore puts back its timer/service or cron entry as they were if we disabled them.
dsc_dokku_prune_disable() { # turns Dokku's own build-cache prune off, recording how it was
  dokku=absent
  dsc_yes() { if "$@" 2>/dev/null; then echo yes; else echo no; fi; }
  if [ -e "$DSC_DOKKU_REC" ]; then
    dokku=disabled-by-us
  elif [ -e "$DSC_DOKKU_TIMER" ] && command -v systemctl >/dev/null 2>&1; then
    te=$(dsc_yes systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.timer")
    ta=$(dsc_yes systemctl is-active --quiet "$DSC_DOKKU_UNIT.timer")
    se=$(dsc_yes systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.service")
    if [ "$te$ta$se" = nonono ]; then
      dokku=inactive
    else
      mkdir -p -- "$DSC_STATE_DIR"
      printf 'systemd %s %s %s\n' "$te" "$ta" "$se" >"$DSC_DOKKU_REC"
      [ "$te$ta" = nono ] || systemctl disable --now "$DSC_DOKKU_UNIT.timer"
      [ "$se" = no ] || systemctl disable "$DSC_DOKKU_UNIT.service"
      changed=true
      dokku=disabled-by-us
    fi
  elif [ -e "$DSC_DOKKU_CRON" ]; then
    mkdir -p -- "$DSC_STATE_DIR"
    mv -f -- "$DSC_DOKKU_CRON" "$DSC_DOKKU_SAVED"
    echo cron >"$DSC_DOKKU_REC"
    changed=true
    dokku=disabled-by-us
  fi
}
dsc_dokku_prune_restore() { # puts Dokku's own build-cache prune back as it was; reports it
  if [ -e "$DSC_DOKKU_REC" ]; then
    read -r how te ta se <"$DSC_DOKKU_REC" || true
    if [ "$how" = systemd ] && command -v systemctl >/dev/null 2>&1; then
      [ "${te:-yes}" = yes ] && systemctl enable "$DSC_DOKKU_UNIT.timer"
      [ "${ta:-yes}" = yes ] && systemctl start "$DSC_DOKKU_UNIT.timer"
      [ "${se:-no}" = yes ] && systemctl enable "$DSC_DOKKU_UNIT.service"
    fi
    if [ "$how" = cron ] && [ -e "$DSC_DOKKU_SAVED" ] && [ ! -e "$DSC_DOKKU_CRON" ]; then mv -f -- "$DSC_DOKKU_SAVED" "$DSC_DOKKU_CRON"; fi
    rm -f -- "$DSC_DOKKU_REC" "$DSC_DOKKU_SAVED"
    changed=true
  fi
  if [ -e "$DSC_DOKKU_TIMER" ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.timer" 2>/dev/null || systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.service" 2>/dev/null; then dokku=active; else dokku=inactive; fi
  elif [ -e "$DSC_DOKKU_TIMER" ] || [ -e "$DSC_DOKKU_CRON" ]; then dokku=active; else dokku=absent; fi
}
changed=false
dsc_put "$DSC_BIN" 0755 "$DSC_SCRIPT"
if [ "$DSC_SCHEDULE" = off ]; then
  # Only the script (for a one-off prune); no timer or cron entry.
  scheduler=none
  dsc_unschedule
elif [ -d "$DSC_RUN_DIR" ] && command -v systemctl >/dev/null 2>&1; then
  scheduler=systemd
  dsc_put "$DSC_SERVICE_FILE" 0644 "$DSC_SERVICE"
  dsc_put "$DSC_TIMER_FILE" 0644 "$DSC_TIMER"
  if [ -e "$DSC_CRON_FILE" ]; then
    rm -f -- "$DSC_CRON_FILE"
    changed=true
  fi
  if [ "$changed" = true ]; then systemctl daemon-reload; fi
  if ! systemctl is-enabled --quiet "$DSC_UNIT.timer" 2>/dev/null || ! systemctl is-active --quiet "$DSC_UNIT.timer" 2>/dev/null; then
    systemctl enable --now "$DSC_UNIT.timer"
    changed=true
  fi
else
  scheduler=cron
  dsc_put "$DSC_CRON_FILE" 0644 "$DSC_CRON"
fi
if [ "$DSC_DOKKU_PRUNE" = disable ]; then dsc_dokku_prune_disable; else dsc_dokku_prune_restore; fi
variant=$(DSC_PRUNE_DETECT_ONLY=1 "$DSC_BIN")
printf '%s{"scheduler":"%s","variant":"%s","changed":%s,"schedule":%s,"dokkuPrune":"%s"}\n' "$DSC_MARK" "$scheduler" "$variant" "$changed" "$DSC_SCHEDULE_JSON" "$dokku"
} </dev/null
;;
remove)
{
DSC_GEN_ID='build-cache-schedule'
DSC_GEN_FILE='/var/lib/dokku-shared-cache/gen/build-cache-schedule'
DSC_GEN='60d8e322d108fe2f'
if [ -f "$DSC_GEN_FILE" ] && [ "$(cat -- "$DSC_GEN_FILE")" != "$DSC_GEN" ]; then
  echo "dokku-shared-cache: not undoing $DSC_GEN_ID: a newer run (generation $(cat -- "$DSC_GEN_FILE")) owns it; this delete belongs to a replaced resource" >&2
  exit 0
fi
dsc_gen_exit() {
  rc=$?
  if [ "$rc" = 0 ]; then rm -f -- "$DSC_GEN_FILE"; fi
  exit "$rc"
}
trap dsc_gen_exit EXIT
set -eu
DSC_BIN='/var/lib/dokku-shared-cache/bin/dokku-shared-cache-prune'
DSC_UNIT='dokku-shared-cache-prune'
DSC_SERVICE_FILE='/etc/systemd/system/dokku-shared-cache-prune.service'
DSC_TIMER_FILE='/etc/systemd/system/dokku-shared-cache-prune.timer'
DSC_CRON_FILE='/etc/cron.d/dokku-shared-cache-prune'
DSC_MARK='DOKKU_SHARED_CACHE_RESULT '
DSC_STATE_DIR='/var/lib/dokku-shared-cache'
DSC_DOKKU_UNIT='docker-builder-prune'
DSC_DOKKU_REC='/var/lib/dokku-shared-cache/dokku-prune.disabled'
DSC_DOKKU_TIMER='/etc/systemd/system/docker-builder-prune.timer'
DSC_DOKKU_CRON='/etc/cron.d/docker-builder-prune'
DSC_DOKKU_SAVED='/var/lib/dokku-shared-cache/dokku-prune.cron'
dsc_unschedule() { # removes our timer and service, or our cron line
  if [ -e "$DSC_TIMER_FILE" ] || [ -e "$DSC_SERVICE_FILE" ]; then
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$DSC_UNIT.timer" 2>/dev/null || true; fi
    rm -f -- "$DSC_TIMER_FILE" "$DSC_SERVICE_FILE"
    if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload 2>/dev/null || true; fi
    changed=true
  fi
  if [ -e "$DSC_CRON_FILE" ]; then
    rm -f -- "$DSC_CRON_FILE"
    changed=true
  fi
}
# `dokkuPrune: disable`. Dokku v0.38.27 (plugins/builder/install-builder-prune, run by its
# install trigger) writes, where systemd runs, `docker-builder-prune.service` (oneshot
# `docker builder prune -f`, `[Install] WantedBy=docker.service`, enabled with
# `systemctl reenable`: it also runs each time Docker starts) and `docker-builder-prune.timer`
# (enabled and started; 04:05 daily); elsewhere `/etc/cron.d/docker-builder-prune` (its line
# lacks `-f`, dokku#7283). We disable the timer (and stop it) and the service's enablement
# (a prune already running finishes), or move the cron entry into `<stateDir>`; what was
# enabled / active is recorded, so that destroy (or `keep`) restores exactly that.
# Sets `$dokku` to what is there now: `absent`, `inactive` (installed, not enabled, by
# someone else), `disabled-by-us`.
# dsc_dokku_prune_restore puts back its timer/service or cron entry as they were if we disabled them.
dsc_dokku_prune_disable() { # turns Dokku's own build-cache prune off, recording how it was
  dokku=absent
  dsc_yes() { if "$@" 2>/dev/null; then echo yes; else echo no; fi; }
  if [ -e "$DSC_DOKKU_REC" ]; then
    dokku=disabled-by-us
  elif [ -e "$DSC_DOKKU_TIMER" ] && command -v systemctl >/dev/null 2>&1; then
    te=$(dsc_yes systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.timer")
    ta=$(dsc_yes systemctl is-active --quiet "$DSC_DOKKU_UNIT.timer")
    se=$(dsc_yes systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.service")
    if [ "$te$ta$se" = nonono ]; then
      dokku=inactive
    else
      mkdir -p -- "$DSC_STATE_DIR"
      printf 'systemd %s %s %s\n' "$te" "$ta" "$se" >"$DSC_DOKKU_REC"
      [ "$te$ta" = nono ] || systemctl disable --now "$DSC_DOKKU_UNIT.timer"
      [ "$se" = no ] || systemctl disable "$DSC_DOKKU_UNIT.service"
      changed=true
      dokku=disabled-by-us
    fi
  elif [ -e "$DSC_DOKKU_CRON" ]; then
    mkdir -p -- "$DSC_STATE_DIR"
    mv -f -- "$DSC_DOKKU_CRON" "$DSC_DOKKU_SAVED"
    echo cron >"$DSC_DOKKU_REC"
    changed=true
    dokku=disabled-by-us
  fi
}
dsc_dokku_prune_restore() { # puts Dokku's own build-cache prune back as it was; reports it
  if [ -e "$DSC_DOKKU_REC" ]; then
    read -r how te ta se <"$DSC_DOKKU_REC" || true
    if [ "$how" = systemd ] && command -v systemctl >/dev/null 2>&1; then
      [ "${te:-yes}" = yes ] && systemctl enable "$DSC_DOKKU_UNIT.timer"
      [ "${ta:-yes}" = yes ] && systemctl start "$DSC_DOKKU_UNIT.timer"
      [ "${se:-no}" = yes ] && systemctl enable "$DSC_DOKKU_UNIT.service"
    fi
    if [ "$how" = cron ] && [ -e "$DSC_DOKKU_SAVED" ] && [ ! -e "$DSC_DOKKU_CRON" ]; then mv -f -- "$DSC_DOKKU_SAVED" "$DSC_DOKKU_CRON"; fi
    rm -f -- "$DSC_DOKKU_REC" "$DSC_DOKKU_SAVED"
    changed=true
  fi
  if [ -e "$DSC_DOKKU_TIMER" ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.timer" 2>/dev/null || systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.service" 2>/dev/null; then dokku=active; else dokku=inactive; fi
  elif [ -e "$DSC_DOKKU_TIMER" ] || [ -e "$DSC_DOKKU_CRON" ]; then dokku=active; else dokku=absent; fi
}
changed=false
dsc_unschedule
dsc_dokku_prune_restore
rm -f -- "$DSC_BIN"
printf '%s{"removed":%s}\n' "$DSC_MARK" "$changed"
} </dev/null
;;
*) echo "dokku-shared-cache: usage: sh -s converge|remove (script on stdin)" >&2; exit 2 ;;
esac
