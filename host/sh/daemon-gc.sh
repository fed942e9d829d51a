# shellcheck shell=sh
# reads: DSC_GC27 DSC_GC28 DSC_MARK DSC_MERGE_JQ f led
# sets: backup cur engine gc major new orig tmp v
engine=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || engine=""
major=$(printf '%s\n' "$engine" | sed -n 's/^\([0-9][0-9]*\)\..*/\1/p')
if [ -n "$major" ] && [ "$major" -ge 28 ]; then gc=$DSC_GC28; else gc=$DSC_GC27; fi
if [ -e "$f" ]; then
  if ! cur=$(jq -c . "$f" 2>&1); then
    echo "dokku-shared-cache: $f is not valid JSON; refusing to touch it: $cur" >&2
    exit 5
  fi
  [ -n "$cur" ] || cur='{}'
else
  cur='{}'
fi
new=$(printf '%s' "$cur" | jq -S --argjson gc "$gc" "$DSC_MERGE_JQ") || {
  echo "dokku-shared-cache: $f has an unexpected shape; refusing to touch it" >&2
  exit 5
}
if [ "$(printf '%s' "$cur" | jq -S .)" = "$new" ]; then
  printf '%s{"changed":false,"restartNeeded":false,"engine":"%s"}\n' "$DSC_MARK" "$engine"
  exit 0
fi
mkdir -p -- "$(dirname -- "$led")" "$(dirname -- "$f")"
if [ ! -e "$led" ]; then
  # What was there before: the builder.gc (for a merge undo) and the file's exact bytes, or
  # its absence (orig null), so that an undo with nothing changed since puts back that file.
  if [ -e "$f" ]; then orig=$(base64 -w 0 <"$f"); else orig=""; fi
  printf '%s' "$cur" | jq -c --arg orig "$orig" --argjson hadFile "$([ -e "$f" ] && echo true || echo false)" \
    '{had: (.builder.gc != null), prev: .builder.gc, hadBuilder: has("builder"), orig: (if $hadFile then $orig else null end)}' >"$led"
fi
tmp="$f.dokku-shared-cache.tmp"
printf '%s\n' "$new" >"$tmp"
if command -v dockerd >/dev/null 2>&1; then
  if ! v=$(dockerd --validate --config-file "$tmp" 2>&1); then
    case "$v" in
      *"unknown flag"*) echo "dokku-shared-cache: this dockerd has no --validate; checked JSON syntax only" >&2 ;;
      *)
        rm -f -- "$tmp"
        echo "dokku-shared-cache: dockerd --validate refused the merged daemon.json; nothing written: $v" >&2
        exit 6
        ;;
    esac
  fi
fi
backup=""
if [ -e "$f" ]; then
  backup="$f.dokku-shared-cache.$(date -u +%Y%m%dT%H%M%SZ).bak"
  cp -p -- "$f" "$backup"
  chmod --reference="$f" -- "$tmp" 2>/dev/null || true
fi
mv -f -- "$tmp" "$f"
jq -c --argjson gc "$gc" --arg wrote "$(base64 -w 0 <"$f")" '.ours = $gc | .wrote = $wrote' "$led" >"$led.tmp" && mv -f -- "$led.tmp" "$led"
dsc_restart_note "builder.gc written to $f. RESTART NEEDED:"
printf '%s{"changed":true,"restartNeeded":true,"engine":"%s","backup":"%s"}\n' "$DSC_MARK" "$engine" "$backup"
