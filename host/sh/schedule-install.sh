# shellcheck shell=sh
# reads: DSC_BIN DSC_CRON DSC_CRON_FILE DSC_DOKKU_PRUNE DSC_MARK DSC_RUN_DIR DSC_SCHEDULE DSC_SCHEDULE_JSON DSC_SCRIPT DSC_SERVICE DSC_SERVICE_FILE DSC_TIMER DSC_TIMER_FILE DSC_UNIT dokku
# sets: changed scheduler variant
changed=false
dsc_put "$DSC_BIN" 0755 "$DSC_SCRIPT"
if [ "$DSC_SCHEDULE" = off ]; then
  # Only the script (for a one-off prune); no timer or cron entry.
  scheduler=none
  dsc_unschedule
elif [ -d "$DSC_RUN_DIR" ] && command -v systemctl >/dev/null 2>&1; then
  scheduler=systemd
  dsc_put "$DSC_SERVICE_FILE" 0644 "$DSC_SERVICE"
  dsc_put "$DSC_TIMER_FILE" 0644 "$DSC_TIMER"
  if [ -e "$DSC_CRON_FILE" ]; then
    rm -f -- "$DSC_CRON_FILE"
    changed=true
  fi
  if [ "$changed" = true ]; then systemctl daemon-reload; fi
  if ! systemctl is-enabled --quiet "$DSC_UNIT.timer" 2>/dev/null || ! systemctl is-active --quiet "$DSC_UNIT.timer" 2>/dev/null; then
    systemctl enable --now "$DSC_UNIT.timer"
    changed=true
  fi
else
  scheduler=cron
  dsc_put "$DSC_CRON_FILE" 0644 "$DSC_CRON"
fi
if [ "$DSC_DOKKU_PRUNE" = disable ]; then dsc_dokku_prune_disable; else dsc_dokku_prune_restore; fi
variant=$(DSC_PRUNE_DETECT_ONLY=1 "$DSC_BIN")
printf '%s{"scheduler":"%s","variant":"%s","changed":%s,"schedule":%s,"dokkuPrune":"%s"}\n' "$DSC_MARK" "$scheduler" "$variant" "$changed" "$DSC_SCHEDULE_JSON" "$dokku"
