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
import { SH } from "./generated/scripts";
import { shAssign, shLines } from "./shell";

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
    const header = shAssign({ app, DSC_PACK_RE: packVolumeRe(app), DSC_MARK: RESULT_MARKER });
    return shLines(["set -eu", header, SH["purge-app-cache"]]);
}
