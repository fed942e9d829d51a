/**
 * The explicit, one-off purge of Dokku's own build caches of one app (never automatic):
 * herokuish's `cache-<app>` volume through Dokku's own `dokku repo:purge-cache <app>`
 * (plugins/repo/repo.go PurgeCache in dokku v0.38.27: removes the app's build containers, then
 * `docker volume rm -f cache-<app>`; the volume is made by plugins/builder-herokuish/builder-build
 * with the label com.dokku.app-name), and the pack (Cloud Native Buildpacks) cache volumes,
 * which repo:purge-cache does not touch, with `docker volume rm` (a volume a running build uses
 * is refused by Docker, and kept). The next build of the app is a cold one. Prints one result line.
 */
import { RESULT_MARKER } from "./result";
import { shQuote } from "./shell";
import { packVolumeRe } from "../rules/pack-volumes";

export function purgeAppCacheScript(app: string): string {
    return `set -eu
app=${shQuote(app)}
if ! dokku apps:exists "$app" >/dev/null 2>&1; then
  echo "dokku-shared-cache: app $app does not exist on this host; nothing purged" >&2; exit 20
fi
vols=$(docker volume ls --format '{{.Name}}')
removed=""
failed=""
if printf '%s\\n' "$vols" | grep -qx "cache-$app"; then
  if dokku repo:purge-cache "$app" >&2; then removed="cache-$app"; else failed="cache-$app"; fi
fi
for v in $(printf '%s\\n' "$vols" | grep -E ${shQuote(packVolumeRe(app))} || true); do
  if docker volume rm "$v" >/dev/null; then removed="$removed $v"; else failed="$failed $v"; fi
done
js() { if [ -z "$(echo $1)" ]; then echo '[]'; else printf '%s\\n' $1 | jq -R . | jq -sc .; fi; }
printf '%s{"app":"%s","removed":%s,"failed":%s}\\n' ${shQuote(RESULT_MARKER)} "$app" "$(js "$removed")" "$(js "$failed")"
[ -z "$failed" ] || { echo "dokku-shared-cache: app $app: could not remove:$failed (in use by a running build?)" >&2; exit 21; }
`;
}
