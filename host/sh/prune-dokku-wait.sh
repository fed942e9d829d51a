# shellcheck shell=sh
# reads: DSC_DOKKU_UNIT
# sets: poll waited
# defines: dsc_dokku_prune_running
set -e
if [ "${DSC_PRUNE_CACHES_ONLY:-}" = 1 ]; then exit 0; fi
# Never two build-cache prunes at once: wait while Dokku's docker-builder-prune runs (its systemd
# service, or its cron line's `docker builder prune`, or one typed by hand); still running after
# the wait (30 min): Docker's build cache is not pruned this time.
dsc_dokku_prune_running() {
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$DSC_DOKKU_UNIT.service" 2>/dev/null; then return 0; fi
  pgrep -f '(^|/)docker builder prune' >/dev/null 2>&1
}
waited=0
poll="${DSC_DOKKU_PRUNE_POLL:-10}"
while dsc_dokku_prune_running; do
  if [ "$waited" -ge "${DSC_DOKKU_PRUNE_WAIT:-1800}" ]; then
    echo "dokku-shared-cache: Dokku's $DSC_DOKKU_UNIT still runs after ${waited}s; Docker's build cache not pruned this time (never two prunes at once)" >&2
    exit 75
  fi
  [ "$waited" -eq 0 ] && echo "dokku-shared-cache: waiting for Dokku's $DSC_DOKKU_UNIT to finish" >&2
  sleep "$poll"
  waited=$((waited + poll))
done
[ "$waited" -eq 0 ] || echo "dokku-shared-cache: Dokku's $DSC_DOKKU_UNIT finished; waited ${waited}s" >&2
