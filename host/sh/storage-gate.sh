# shellcheck shell=sh
# reads: APP ERR NAMED NOTHING_YET PLAN STATE
# sets: ALL CREATED KNOWN MISSING SCHEDULER b bad dsc_e dsc_h dsc_i dsc_n rc
# defines: dsc_entry_made
if [ "$(plan '(.mount | length) + (.remount | length) + (.attach // [] | length)')" != 0 ]; then
  SCHEDULER=$(dsc_dokku "reading its scheduler (dokku scheduler:report)" "$NOTHING_YET" scheduler:report "$APP" --scheduler-computed-selected)
  if [ "$SCHEDULER" = k3s ]; then
    echo "dokku-shared-cache: app $APP runs on the k3s scheduler (dokku scheduler:report $APP --scheduler-computed-selected). The shared caches are host directories; Dokku mounts host directories (colon mounts and docker-local storage entries) into docker-local apps only, and a k3s app's deploy fails on them (scheduler-k3s: \"storage entry is scheduler=docker-local but is mounted on a k3s app\"). Sharing across k3s apps needs a ReadWriteMany volume (dokku storage:create NAME --scheduler k3s --size SIZE --access-mode ReadWriteMany), which dokku-shared-cache does not manage. Nothing was changed; remove $APP from the stack's apps (or from discover) or give it caches: []." >&2
    exit 10
  fi
fi
# dsc_entry_made NAME PATH: this program created entry NAME for PATH (its marker holds the path).
dsc_entry_made() { [ -s "$STATE/entries/$1" ] && [ "$(cat -- "$STATE/entries/$1")" = "$2" ]; }
if [ "$NAMED" = true ]; then
  mkdir -p -- "$STATE/entries"
  # Entries we need: an existing one must be docker-local on the same directory (ours or not); else refused before any write.
  MISSING=""
  CREATED=""
  # An entry this program created holds its host path in its marker ($STATE/entries/NAME, written
  # before storage:create): when every entry needed has one with the same path, nothing is read
  # (Dokku 0.38.27 storage:create refuses a second entry of a name, and only we write our
  # markers). One without (made by someone else, or by a version that wrote empty markers) is
  # checked as before. An entry of ours destroyed behind our back: storage-named-writes.sh.
  KNOWN=true
  dsc_n=$(plan '.entries | length')
  dsc_i=0
  while [ "$dsc_i" -lt "$dsc_n" ]; do
    dsc_e=$(plan ".entries[$dsc_i].e")
    dsc_h=$(plan ".entries[$dsc_i].h")
    dsc_i=$((dsc_i + 1))
    if ! dsc_entry_made "$dsc_e" "$dsc_h"; then
      KNOWN=false
      break
    fi
  done
  if [ "$KNOWN" = false ]; then
    # Host-wide, only while Dokku's list is read and judged (markers learn paths under it);
    # dsc_named_writes takes it again for creating and destroying entries.
    exec 8>"$STATE/locks/entries"
    flock 8
    rc=0
    ALL=$(dokku storage:list-entries --format json 2>"$ERR" </dev/null) || rc=$?
    if [ "$rc" != 0 ]; then dsc_fail "$rc" "reading the storage entries (dokku storage:list-entries)" "$NOTHING_YET" <"$ERR"; fi
    rm -f -- "$ERR"
    bad=$(printf '%s' "$PLAN" | jq -r --argjson all "$ALL" '.entries[] as $w | $all[] | select(.name == $w.e)
      | select(.scheduler != "docker-local" or .host_path != $w.h)
      | "storage entry \(.name) already exists (\(.scheduler) \(.host_path // "")), not docker-local \($w.h)"')
    if [ -n "$bad" ]; then
      printf '%s\n' "$bad" | while IFS= read -r b; do echo "dokku-shared-cache: app $APP: $b; dokku-shared-cache did not make it like that. $NOTHING_YET (rename or destroy that entry: dokku storage:info NAME)" >&2; done
      exit 3
    fi
    MISSING=" $(printf '%s' "$PLAN" | jq -r --argjson all "$ALL" '[.entries[].e | select(. as $e | any($all[]; .name == $e) | not)] | join(" ")') "
    # Our entries that are in place and right: their markers learn the path (see above).
    printf '%s' "$PLAN" | jq -r --argjson all "$ALL" '.entries[] | select(.e as $e | any($all[]; .name == $e)) | .e + "=" + .h' |
      while IFS='=' read -r dsc_e dsc_h; do
        if [ -e "$STATE/entries/$dsc_e" ]; then printf '%s' "$dsc_h" >"$STATE/entries/$dsc_e"; fi
      done
    exec 8>&-
  fi
fi
