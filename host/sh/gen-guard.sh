# shellcheck shell=sh
# reads: DSC_GEN DSC_GEN_FILE DSC_GEN_ID
# sets: rc
# defines: dsc_gen_exit
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
