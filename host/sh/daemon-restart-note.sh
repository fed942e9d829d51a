# shellcheck shell=sh
# reads: -
# sets: -
# defines: dsc_restart_note
dsc_restart_note() { # what changed: the advice both daemon.json changes end with, on stderr
  echo "dokku-shared-cache: $1 dockerd does not reload builder.gc on SIGHUP (contract §7); it applies after Docker restarts. This program never restarts Docker: do it in a maintenance window (systemctl restart docker; containers stop unless live-restore is on)." >&2
}
