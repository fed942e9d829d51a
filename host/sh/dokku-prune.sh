# shellcheck shell=sh
# reads: DSC_DOKKU_CRON DSC_DOKKU_REC DSC_DOKKU_SAVED DSC_DOKKU_TIMER DSC_DOKKU_UNIT DSC_STATE_DIR
# sets: changed dokku how se ta te
# defines: dsc_dokku_prune_disable dsc_dokku_prune_restore dsc_yes
# `dokkuPrune: disable`. Dokku v0.38.27 (plugins/builder/install-builder-prune, run by its
# install trigger) writes, where systemd runs, `docker-builder-prune.service` (oneshot
# `docker builder prune -f`, `[Install] WantedBy=docker.service`, enabled with
# `systemctl reenable`: it also runs each time Docker starts) and `docker-builder-prune.timer`
# (enabled and started; 04:05 daily); elsewhere `/etc/cron.d/docker-builder-prune` (its line
# lacks `-f`, dokku#7283). We disable the timer (and stop it) and the service's enablement
# (a prune already running finishes), or move the cron entry into `<stateDir>`; what was
# enabled / active is recorded, so that destroy (or `keep`) restores exactly that.
# Sets `$dokku` to what is there now: `absent`, `inactive` (installed, not enabled, by
# someone else), `disabled-by-us`.
# dsc_dokku_prune_restore puts back its timer/service or cron entry as they were if we disabled them.
dsc_dokku_prune_disable() { # turns Dokku's own build-cache prune off, recording how it was
  dokku=absent
  dsc_yes() { if "$@" 2>/dev/null; then echo yes; else echo no; fi; }
  if [ -e "$DSC_DOKKU_REC" ]; then
    dokku=disabled-by-us
  elif [ -e "$DSC_DOKKU_TIMER" ] && command -v systemctl >/dev/null 2>&1; then
    te=$(dsc_yes systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.timer")
    ta=$(dsc_yes systemctl is-active --quiet "$DSC_DOKKU_UNIT.timer")
    se=$(dsc_yes systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.service")
    if [ "$te$ta$se" = nonono ]; then
      dokku=inactive
    else
      mkdir -p -- "$DSC_STATE_DIR"
      printf 'systemd %s %s %s\n' "$te" "$ta" "$se" >"$DSC_DOKKU_REC"
      [ "$te$ta" = nono ] || systemctl disable --now "$DSC_DOKKU_UNIT.timer"
      [ "$se" = no ] || systemctl disable "$DSC_DOKKU_UNIT.service"
      changed=true
      dokku=disabled-by-us
    fi
  elif [ -e "$DSC_DOKKU_CRON" ]; then
    mkdir -p -- "$DSC_STATE_DIR"
    mv -f -- "$DSC_DOKKU_CRON" "$DSC_DOKKU_SAVED"
    echo cron >"$DSC_DOKKU_REC"
    changed=true
    dokku=disabled-by-us
  fi
}
dsc_dokku_prune_restore() { # puts Dokku's own build-cache prune back as it was; reports it
  if [ -e "$DSC_DOKKU_REC" ]; then
    read -r how te ta se <"$DSC_DOKKU_REC" || true
    if [ "$how" = systemd ] && command -v systemctl >/dev/null 2>&1; then
      [ "${te:-yes}" = yes ] && systemctl enable "$DSC_DOKKU_UNIT.timer"
      [ "${ta:-yes}" = yes ] && systemctl start "$DSC_DOKKU_UNIT.timer"
      [ "${se:-no}" = yes ] && systemctl enable "$DSC_DOKKU_UNIT.service"
    fi
    if [ "$how" = cron ] && [ -e "$DSC_DOKKU_SAVED" ] && [ ! -e "$DSC_DOKKU_CRON" ]; then mv -f -- "$DSC_DOKKU_SAVED" "$DSC_DOKKU_CRON"; fi
    rm -f -- "$DSC_DOKKU_REC" "$DSC_DOKKU_SAVED"
    changed=true
  fi
  if [ -e "$DSC_DOKKU_TIMER" ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.timer" 2>/dev/null || systemctl is-enabled --quiet "$DSC_DOKKU_UNIT.service" 2>/dev/null; then dokku=active; else dokku=inactive; fi
  elif [ -e "$DSC_DOKKU_TIMER" ] || [ -e "$DSC_DOKKU_CRON" ]; then dokku=active; else dokku=absent; fi
}
