# shellcheck shell=sh
# reads: DSC_CRON_FILE DSC_SERVICE_FILE DSC_TIMER_FILE DSC_UNIT
# sets: changed
# defines: dsc_unschedule
dsc_unschedule() { # removes our timer and service, or our cron line
  if [ -e "$DSC_TIMER_FILE" ] || [ -e "$DSC_SERVICE_FILE" ]; then
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$DSC_UNIT.timer" 2>/dev/null || true; fi
    rm -f -- "$DSC_TIMER_FILE" "$DSC_SERVICE_FILE"
    if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload 2>/dev/null || true; fi
    changed=true
  fi
  if [ -e "$DSC_CRON_FILE" ]; then
    rm -f -- "$DSC_CRON_FILE"
    changed=true
  fi
}
