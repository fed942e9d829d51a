# shellcheck shell=sh
# reads: DSC_CACHE_MARK
# sets: -
# defines: dsc_record
dsc_record() { # name status before after max kind: the result line only
  printf '%s{"cache":"%s","kind":"%s","status":"%s","before":%s,"after":%s,"maxBytes":%s,"at":%s}\n' "$DSC_CACHE_MARK" "$1" "$6" "$2" "$3" "$4" "$5" "$(date +%s)"
}
