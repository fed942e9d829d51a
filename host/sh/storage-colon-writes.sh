# shellcheck shell=sh
# reads: APP PARTLY
# sets: m new old out
# defines: dsc_colon_writes
dsc_colon_writes() { # Dokku 0.37: colon mounts
  plan '.remount[] | .old + " " + .new' | while IFS=' ' read -r old new; do
    [ -n "$old" ] || continue
    dsc_dokku "remounting $old as $new (dokku storage:unmount)" "$PARTLY" storage:unmount "$APP" "$old"
    dsc_dokku "remounting $old as $new (dokku storage:mount)" "$PARTLY" storage:mount "$APP" "$new"
  done
  plan '.mount[]' | while IFS= read -r m; do
    [ -n "$m" ] || continue
    out=$(dokku storage:mount "$APP" "$m" 2>&1 </dev/null) || {
      case "$out" in *"Mount path already exists."*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "mounting $m (dokku storage:mount)" "$PARTLY" ;; esac
    }
  done
  plan '.unmount[]' | while IFS= read -r m; do
    [ -n "$m" ] || continue
    out=$(dokku storage:unmount "$APP" "$m" 2>&1 </dev/null) || {
      case "$out" in *"Mount path does not exist."*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "unmounting $m (dokku storage:unmount)" "$PARTLY" ;; esac
    }
  done
}
