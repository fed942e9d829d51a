# dokku-shared-cache: run as `sh -s converge` or `sh -s remove` with this text on stdin.
case "${1:-}" in
converge)
{
DSC_GEN_DIR='/var/lib/dokku-shared-cache/gen'
DSC_GEN_FILE='/var/lib/dokku-shared-cache/gen/build-cache-daemon-gc'
DSC_GEN='73108c207afc122b'
dsc_gen_exit() {
  rc=$?
  if [ "$rc" = 0 ]; then
    { mkdir -p -- "$DSC_GEN_DIR" && printf '%s\n' "$DSC_GEN" >"$DSC_GEN_FILE.tmp" && mv -f -- "$DSC_GEN_FILE.tmp" "$DSC_GEN_FILE"; } || true
  fi
  exit "$rc"
}
trap dsc_gen_exit EXIT
set -eu
f='/etc/docker/daemon.json'
led='/var/lib/dokku-shared-cache/daemon-gc.json'
DSC_GC28='{"enabled":true,"defaultReservedSpace":"10000000000","defaultMaxUsedSpace":"40000000000","defaultMinFreeSpace":"20000000000","policy":[{"filter":["unused-for=720h"],"reservedSpace":"10000000000"},{"all":true,"reservedSpace":"10000000000","maxUsedSpace":"40000000000","minFreeSpace":"20000000000"}]}'
DSC_GC27='{"enabled":true,"defaultKeepStorage":"40000000000","policy":[{"filter":["unused-for=720h"],"keepStorage":"10000000000"},{"all":true,"keepStorage":"40000000000"}]}'
DSC_MERGE_JQ='
if type != "object" then error("daemon.json is not a JSON object")
elif has("builder") and (.builder | type) != "object" then error("daemon.json: builder is not an object")
else .builder = ((.builder // {}) | .gc = $gc) end'
DSC_MARK='DOKKU_SHARED_CACHE_RESULT '
dsc_restart_note() { # what changed: the advice both daemon.json changes end with, on stderr
  echo "dokku-shared-cache: $1 dockerd does not reload builder.gc on SIGHUP (contract §7); it applies after Docker restarts. This program never restarts Docker: do it in a maintenance window (systemctl restart docker; containers stop unless live-restore is on)." >&2
}
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
} </dev/null
;;
remove)
{
DSC_GEN_ID='build-cache-daemon-gc'
DSC_GEN_FILE='/var/lib/dokku-shared-cache/gen/build-cache-daemon-gc'
DSC_GEN='73108c207afc122b'
if [ -f "$DSC_GEN_FILE" ] && [ "$(cat -- "$DSC_GEN_FILE")" != "$DSC_GEN" ]; then
  echo "dokku-shared-cache: not undoing $DSC_GEN_ID: a newer run (generation $(cat -- "$DSC_GEN_FILE")) owns it; this delete belongs to a replaced resource" >&2
  exit 0
fi
dsc_gen_exit() {
  rc=$?
  if [ "$rc" = 0 ]; then rm -f -- "$DSC_GEN_FILE"; fi
  exit "$rc"
}
trap dsc_gen_exit EXIT
set -eu
f='/etc/docker/daemon.json'
led='/var/lib/dokku-shared-cache/daemon-gc.json'
DSC_RESTORE_JQ='$l[0] as $led | 
if $led.had then .builder.gc = $led.prev
else (if has("builder") then .builder |= del(.gc) else . end)
  | if ($led.hadBuilder | not) and ((.builder // null) == {}) then del(.builder) else . end end'
DSC_MARK='DOKKU_SHARED_CACHE_RESULT '
dsc_restart_note() { # what changed: the advice both daemon.json changes end with, on stderr
  echo "dokku-shared-cache: $1 dockerd does not reload builder.gc on SIGHUP (contract §7); it applies after Docker restarts. This program never restarts Docker: do it in a maintenance window (systemctl restart docker; containers stop unless live-restore is on)." >&2
}
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
} </dev/null
;;
*) echo "dokku-shared-cache: usage: sh -s converge|remove (script on stdin)" >&2; exit 2 ;;
esac

