# shellcheck shell=sh
# reads: DSC_PRUNE_LOCK DSC_STATE_DIR
# sets: -
# One prune at a time: the job runs again under its lock (the timer's and cron's runs take it too).
if [ "${DSC_PRUNE_LOCKED:-}" != 1 ]; then
  mkdir -p -- "$DSC_STATE_DIR"
  DSC_PRUNE_LOCKED=1 exec flock -w "${DSC_PRUNE_LOCK_WAIT:-7200}" "$DSC_PRUNE_LOCK" "$0" "$@"
fi
set +e
