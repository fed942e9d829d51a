# shellcheck shell=sh
# reads: DSC_GEN DSC_GEN_DIR DSC_GEN_FILE
# sets: rc
# defines: dsc_gen_exit
dsc_gen_exit() {
  rc=$?
  if [ "$rc" = 0 ]; then
    { mkdir -p -- "$DSC_GEN_DIR" && printf '%s\n' "$DSC_GEN" >"$DSC_GEN_FILE.tmp" && mv -f -- "$DSC_GEN_FILE.tmp" "$DSC_GEN_FILE"; } || true
  fi
  exit "$rc"
}
trap dsc_gen_exit EXIT
