# shellcheck shell=sh
# reads: DSC_FA_REC
# sets: dsc_dk dsc_extra dsc_fa
dsc_dk=$(dsc_disk) || dsc_dk=''
[ -n "$dsc_dk" ] || dsc_dk=null
dsc_fa=$(cat -- "$DSC_FA_REC" 2>/dev/null) || dsc_fa=0
case "$dsc_fa" in '' | *[!0-9]*) dsc_fa=0 ;; esac
dsc_extra=$(printf ',"disk":%s,"firstAid":%s' "$dsc_dk" "$dsc_fa")
