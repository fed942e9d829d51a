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
import { packVolumeRe } from "../rules/pack-volumes";
import { SH } from "./generated/scripts";
import { shAssign, shLines } from "./shell";

export function purgeAppCacheScript(app: string): string {
    const header = shAssign({ app, DSC_PACK_RE: packVolumeRe(app), DSC_MARK: RESULT_MARKER });
    return shLines(["set -eu", header, SH["purge-app-cache"]]);
}
