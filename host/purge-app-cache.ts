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

/**
 * pack's reserved-name filter (buildpacks/pack internal/paths/paths.go `FilterReservedNames`,
 * v0.40.5): these substrings of a volume name are spelled out with underscores.
 */
const PACK_RESERVED: readonly [string, string][] = [
    ["aux", "a_u_x"],
    ["com", "c_o_m"],
    ["con", "c_o_n"],
    ["lpt", "l_p_t"],
    ["nul", "n_u_l"],
    ["prn", "p_r_n"],
];

/**
 * How an app name appears in its pack volume names. Dokku's builder-pack runs
 * `pack build dokku/<app>:latest` (plugins/builder-pack/builder-build and
 * plugins/common/functions get_app_image_name, dokku v0.38.27); pack names the volumes
 * `pack-cache-<ref>-<12 hex>.<build|launch|kaniko>` with `<ref>` = `dokku_<app>_latest` and the
 * hex the first 6 bytes of sha256(image name + a per-host volume key), all passed through
 * {@link PACK_RESERVED} (pkg/cache/volume_cache.go `NewVolumeCache`, `sanitizedRef`, v0.40.5).
 * So app `console` has `pack-cache-dokku_c_o_nsole_latest-….build`. The result does not depend on
 * the order of the replacements (two names overlap only in one letter, and either order ends
 * with both spelled out).
 */
export function packAppPart(app: string): string {
    return PACK_RESERVED.reduce((s, [k, v]) => s.split(k).join(v), app);
}

const PACK_SUFFIX = "\\.(build|launch|kaniko)$";

/** The regex (ERE) of the app's pack cache volume names. */
export function packVolumeRe(app: string): string {
    const part = packAppPart(app).replace(/\./g, "\\.");
    return `^pack-cache-dokku_${part}_latest-[0-9a-f]{12}${PACK_SUFFIX}`;
}

/**
 * The app of a pack cache volume made by Dokku's builder-pack, or null. Dokku app names have no
 * `_` (plugins/common/common.go IsValidAppName: `^[a-z0-9][a-z0-9.-]*$`), so the filter is undone
 * without ambiguity.
 */
export function packVolumeApp(volume: string): string | null {
    const m = new RegExp(`^pack-cache-dokku_(.+)_latest-[0-9a-f]{12}${PACK_SUFFIX}`).exec(volume);
    if (!m) return null;
    const app = PACK_RESERVED.reduce((s, [k, v]) => s.split(v).join(k), m[1]);
    return /^[a-z0-9][a-z0-9.-]*$/.test(app) ? app : null;
}

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
