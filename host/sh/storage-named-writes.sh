# shellcheck shell=sh
# reads: APP CREATED LED MISSING PARTLY STATE
# sets: CREATED c e h i m n out ro what
# defines: dsc_entries_lock dsc_entry_create dsc_named_writes
dsc_entry_create() { # name path: the marker first (ours even if the create is cut short: gc), its path once Dokku has it
  : >"$STATE/entries/$1"
  dsc_dokku "creating storage entry $1 for $2 (dokku storage:create)" "$PARTLY" storage:create "$1" "$2" >/dev/null
  printf '%s' "$2" >"$STATE/entries/$1"
  CREATED="$CREATED $1 "
}
dsc_entries_lock() { exec 8>"$STATE/locks/entries" && flock 8; }
# Dokku >= 0.38: entries. Creating and destroying entries hold the host-wide lock (fd 8), so that
# two apps never create one entry twice and an entry is destroyed only between other apps'
# creates; attaching and detaching are the app's own (Dokku 0.38.27 keeps attachments per app)
# and run without it, in parallel with other apps.
dsc_named_writes() {
  plan '.detach[] | .e + " " + .c' | while IFS=' ' read -r e c; do
    [ -n "$e" ] || continue
    out=$(dokku storage:unmount "$APP" "$e" --container-dir "$c" 2>&1 </dev/null) || {
      case "$out" in *"is not mounted"*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "detaching storage entry $e from $c (dokku storage:unmount)" "$PARTLY" ;; esac
    }
  done
  # Our colon mounts go first (a migration never leaves two mounts at one container path).
  plan '.unmount[]' | while IFS= read -r m; do
    [ -n "$m" ] || continue
    out=$(dokku storage:unmount "$APP" "$m" 2>&1 </dev/null) || {
      case "$out" in *"Mount path does not exist."*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "unmounting $m (dokku storage:unmount)" "$PARTLY" ;; esac
    }
  done
  n=$(plan '.attach | length')
  if [ "$MISSING" != "" ]; then
    dsc_entries_lock
    i=0
    while [ "$i" -lt "$n" ]; do
      e=$(plan ".attach[$i].e")
      h=$(plan ".attach[$i].h")
      i=$((i + 1))
      case "$CREATED" in *" $e "*) continue ;; esac
      case "$MISSING" in *" $e "*)
        # Another app of this run may have made it since the gate read the list: its marker says so.
        dsc_entry_made "$e" "$h" && continue
        dsc_entry_create "$e" "$h"
        ;;
      esac
    done
    exec 8>&-
  fi
  i=0
  while [ "$i" -lt "$n" ]; do
    e=$(plan ".attach[$i].e")
    h=$(plan ".attach[$i].h")
    c=$(plan ".attach[$i].c")
    ro=$(plan ".attach[$i].ro")
    i=$((i + 1))
    set -- storage:mount "$APP" "$e" --container-dir "$c"
    if [ "$ro" = true ]; then set -- "$@" --volume-readonly; fi
    what="attaching storage entry $e at $c (dokku storage:mount)"
    out=$(dokku "$@" 2>&1 </dev/null) || {
      case "$out" in
        *"is already mounted at"*) ;;
        *"does not exist; create it first"*)
          # Dokku 0.38.27 plugins/storage/subcommands.go CommandMount: the entry our marker
          # stands for is gone (destroyed behind our back, or an earlier storage:create failed).
          # Under the lock: another app may be making it again right now; then the mount works.
          case "$CREATED" in *" $e "*) printf '%s\n' "$out" | dsc_fail 1 "$what" "$PARTLY" ;; esac
          dsc_entries_lock
          out=$(dokku "$@" 2>&1 </dev/null) || {
            case "$out" in *"does not exist; create it first"*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "$what" "$PARTLY" ;; esac
            dsc_entry_create "$e" "$h"
            dsc_dokku "$what" "$PARTLY" "$@" >/dev/null
          }
          exec 8>&-
          ;;
        *) printf '%s\n' "$out" | dsc_fail 1 "$what" "$PARTLY" ;;
      esac
    }
  done
  # Entries no app uses any more: ours (marker) and the legacy-* entries of our colon mounts.
  if [ "$(printf '%s' "$LED" | jq '(.gc // []) | length')" != 0 ]; then dsc_entries_lock; fi
  for e in $(printf '%s' "$LED" | jq -r '(.gc // [])[]'); do
    case "$e" in legacy-*) ;; *) [ -e "$STATE/entries/$e" ] || continue ;; esac
    out=$(dokku --force storage:destroy "$e" 2>&1 </dev/null) || {
      case "$out" in
        *"is still mounted by app"*) continue ;;
        *"does not exist"*) ;;
        *) printf '%s\n' "$out" | dsc_fail 1 "destroying the unused storage entry $e (dokku storage:destroy; its directory is kept)" "$PARTLY" ;;
      esac
    }
    rm -f -- "$STATE/entries/$e"
  done
  exec 8>&-
}
