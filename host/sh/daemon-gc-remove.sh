# shellcheck shell=sh
# reads: DSC_MARK DSC_RESTORE_JQ f led
# sets: backup cur new
if [ ! -e "$led" ] || [ ! -e "$f" ]; then
  rm -f -- "$led"
  printf '%s{"changed":false}\n' "$DSC_MARK"
  exit 0
fi
if ! cur=$(jq -c . "$f" 2>&1); then
  echo "dokku-shared-cache: $f is not valid JSON; leaving it alone: $cur" >&2
  exit 5
fi
if [ "$(printf '%s' "$cur" | jq -S '.builder.gc')" != "$(jq -S '.ours' "$led")" ]; then
  rm -f -- "$led"
  echo "dokku-shared-cache: builder.gc in $f was changed by someone else since we wrote it; leaving it alone" >&2
  printf '%s{"changed":false,"userChanged":true}\n' "$DSC_MARK"
  exit 0
fi
backup="$f.dokku-shared-cache.$(date -u +%Y%m%dT%H%M%SZ).bak"
cp -p -- "$f" "$backup"
if [ "$(base64 -w 0 <"$f")" = "$(jq -r '.wrote // ""' "$led")" ] && jq -e 'has("orig")' "$led" >/dev/null; then
  # Nothing changed since we wrote it: put back the file as it was, byte for byte, or no file.
  if [ "$(jq -r '.orig == null' "$led")" = true ]; then
    rm -f -- "$f"
  else
    jq -r '.orig' "$led" | base64 -d >"$f.dokku-shared-cache.tmp"
    chmod --reference="$f" -- "$f.dokku-shared-cache.tmp" 2>/dev/null || true
    mv -f -- "$f.dokku-shared-cache.tmp" "$f"
  fi
else
  # Someone else changed other keys since: undo only our builder.gc; a file we created and
  # that holds nothing else goes.
  new=$(printf '%s' "$cur" | jq -S --slurpfile l "$led" "$DSC_RESTORE_JQ")
  if [ "$new" = "{}" ] && jq -e 'has("orig") and .orig == null' "$led" >/dev/null; then
    rm -f -- "$f"
  else
    printf '%s\n' "$new" >"$f.dokku-shared-cache.tmp"
    mv -f -- "$f.dokku-shared-cache.tmp" "$f"
  fi
fi
rm -f -- "$led"
dsc_restart_note "builder.gc restored in $f. RESTART NEEDED for it to apply:"
printf '%s{"changed":true,"restartNeeded":true,"backup":"%s"}\n' "$DSC_MARK" "$backup"
