# shellcheck shell=sh
# reads: -
# sets: DSC_REPAIR
# The drift repair generation the command text carries (`sh -s converge N`), if any.
DSC_REPAIR=${2:-}
