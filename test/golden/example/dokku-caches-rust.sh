# dokku-shared-cache: run as `sh -s converge` or `sh -s remove` with this text on stdin.
case "${1:-}" in
converge)
{
DSC_GEN_DIR='/var/lib/dokku-shared-cache/gen'
DSC_GEN_FILE='/var/lib/dokku-shared-cache/gen/dir-rust'
DSC_GEN='9022dbbf3a0bc577'
dsc_gen_exit() {
  rc=$?
  if [ "$rc" = 0 ]; then
    { mkdir -p -- "$DSC_GEN_DIR" && printf '%s\n' "$DSC_GEN" >"$DSC_GEN_FILE.tmp" && mv -f -- "$DSC_GEN_FILE.tmp" "$DSC_GEN_FILE"; } || true
  fi
  exit "$rc"
}
trap dsc_gen_exit EXIT
set -eu
d='/var/lib/dokku/data/shared/rust'
DSC_OWNER='0:0'
DSC_STAT_MODE='755'
DSC_MODE='0755'
DSC_CACHE='rust'
DSC_MARK='DOKKU_SHARED_CACHE_RESULT '
if [ -L "$d" ]; then
  echo "dokku-shared-cache: $d is a symlink; refusing to use it as a shared cache" >&2
  exit 3
fi
if [ -e "$d" ] && [ ! -d "$d" ]; then
  echo "dokku-shared-cache: $d exists and is not a directory" >&2
  exit 3
fi
created=false
if [ ! -d "$d" ]; then
  mkdir -p -- "$d" || {
    echo "dokku-shared-cache: cannot create shared cache directory $d (disk full, read-only file system or permission denied?); nothing else was changed" >&2
    exit 4
  }
  created=true
fi
changed=false
fix() {
  "$@" || {
    echo "dokku-shared-cache: cannot set owner/mode of $d ($1 failed: read-only file system or permission denied?)" >&2
    exit 4
  }
  changed=true
}
if [ "$(stat -c '%u:%g' -- "$d")" != "$DSC_OWNER" ]; then fix chown "$DSC_OWNER" -- "$d"; fi
if [ "$(stat -c '%a' -- "$d")" != "$DSC_STAT_MODE" ]; then fix chmod "$DSC_MODE" -- "$d"; fi
printf '%s{"cache":"%s","path":"%s","created":%s,"changed":%s}\n' "$DSC_MARK" "$DSC_CACHE" "$d" "$created" "$changed"
} </dev/null
;;
remove)
{
DSC_GEN_ID='dir-rust'
DSC_GEN_FILE='/var/lib/dokku-shared-cache/gen/dir-rust'
DSC_GEN='9022dbbf3a0bc577'
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
echo 'dokku-shared-cache: kept /var/lib/dokku/data/shared/rust and its data (set purgeRemovedCaches: true to delete removed caches)'
} </dev/null
;;
*) echo "dokku-shared-cache: usage: sh -s converge|remove (script on stdin)" >&2; exit 2 ;;
esac
