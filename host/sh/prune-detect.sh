# shellcheck shell=sh
# reads: variant
# sets: a b bx bxn engine enn
# defines: dsc_detect dsc_num
dsc_num() {
  printf '%s\n' "$1" | sed -n 's/^[^0-9]*\([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p' | {
    read -r a b || true
    if [ -n "${a:-}" ]; then echo $((a * 1000 + b)); else echo -1; fi
  }
}
dsc_detect() {
  engine=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || engine=""
  bx=$(docker buildx version 2>/dev/null | awk '/buildx/ {print $2; exit}') || bx=""
  bxn=$(dsc_num "$bx")
  enn=$(dsc_num "$engine")
  dsc_variant
}
dsc_detect
if [ "${DSC_PRUNE_DETECT_ONLY:-}" = 1 ]; then
  echo "$variant"
  exit 0
fi
