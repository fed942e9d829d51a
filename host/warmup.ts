/**
 * The warm-up's one-shot container command (run on the host's Docker by
 * components/cache-warmup.ts): copy the browsers a Playwright image ships
 * into the shared cache mounted at /cache.
 */
import { CacheDir } from "../model/desired-state";

/**
 * The one-shot copy: browsers from the image into the cache, then the cache's
 * owner (validated numeric `uid:gid`, so it needs no quoting; quoting it now
 * would change the container's inputs and replace it on existing stacks).
 */
export function warmupCommand(dir: Pick<CacheDir, "owner">): string[] {
    return [
        "sh",
        "-c",
        `set -eu; cp -a /ms-playwright/. /cache/; chown -R ${dir.owner} /cache; du -sh /cache`,
    ];
}
