# shellcheck shell=sh
# reads: DSC_CACHE DSC_MARK DSC_MODE DSC_OWNER DSC_STAT_MODE d
# sets: changed created
# defines: fix
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
