# shellcheck shell=sh
# reads: -
# sets: changed
# defines: dsc_put
dsc_put() { # path mode content
  if [ -f "$1" ] && [ "$(cat -- "$1")" = "$3" ]; then return 0; fi
  mkdir -p -- "$(dirname -- "$1")"
  printf '%s\n' "$3" >"$1.dsc-tmp"
  chmod "$2" -- "$1.dsc-tmp"
  mv -f -- "$1.dsc-tmp" "$1"
  changed=true
}
