# shellcheck shell=sh
# reads: d
# sets: -
if [ -d "$d" ] && [ ! -L "$d" ]; then
  rm -rf -- "$d"
  echo "dokku-shared-cache: purged $d"
fi
