# shellcheck shell=sh
# reads: DSC_BIN
# sets: -
DSC_PRUNE_CACHES_ONLY=1 "$DSC_BIN"
