# shellcheck shell=sh
# reads: DSC_BIN DSC_MARK
# sets: changed
changed=false
dsc_unschedule
dsc_dokku_prune_restore
rm -f -- "$DSC_BIN"
printf '%s{"removed":%s}\n' "$DSC_MARK" "$changed"
