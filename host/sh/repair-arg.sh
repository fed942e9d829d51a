# shellcheck shell=sh
# reads: -
# sets: DSC_REPAIR
# The number of drift repairs the command text carries (`sh -s converge N`), if any.
DSC_REPAIR=${2:-}
