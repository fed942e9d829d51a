# shellcheck shell=sh
# reads: DSC_MARK DSC_PACK_RE app
# sets: failed removed v vols
# defines: js
if ! dokku apps:exists "$app" >/dev/null 2>&1; then
  echo "dokku-shared-cache: app $app does not exist on this host; nothing purged" >&2
  exit 20
fi
vols=$(docker volume ls --format '{{.Name}}')
removed=""
failed=""
if printf '%s\n' "$vols" | grep -qx "cache-$app"; then
  if dokku repo:purge-cache "$app" >&2; then removed="cache-$app"; else failed="cache-$app"; fi
fi
for v in $(printf '%s\n' "$vols" | grep -E "$DSC_PACK_RE" || true); do
  if docker volume rm "$v" >/dev/null; then removed="$removed $v"; else failed="$failed $v"; fi
done
js() { # space-separated volume names: a JSON array
  # shellcheck disable=SC2086 # split on purpose: one word per name (Docker volume names hold no space or glob character)
  set -- $1
  if [ $# -eq 0 ]; then echo '[]'; else printf '%s\n' "$@" | jq -R . | jq -sc .; fi
}
printf '%s{"app":"%s","removed":%s,"failed":%s}\n' "$DSC_MARK" "$app" "$(js "$removed")" "$(js "$failed")"
[ -z "$failed" ] || {
  echo "dokku-shared-cache: app $app: could not remove:$failed (in use by a running build?)" >&2
  exit 21
}
