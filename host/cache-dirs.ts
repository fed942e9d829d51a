/**
 * Shared cache directories on the host: create one with its owner and mode,
 * and the removal that keeps the data unless the stack purges removed caches.
 */
import { CacheDir } from "../model/desired-state";
import { RESULT_MARKER } from "./result";
import { SH } from "./generated/scripts";
import { shAssign, shLines, shQuote } from "./shell";

/** `0755` → `755`, `1777` → `1777`: the form `stat -c %a` prints. */
export function statMode(mode: string): string {
    return parseInt(mode, 8).toString(8);
}

/** Creates one shared cache directory with its owner and mode; prints what changed. */
export function cacheDirCreateScript(dir: CacheDir): string {
    const [uid, gid] = dir.owner.split(":");
    const header = shAssign({
        d: dir.hostPath,
        DSC_OWNER: `${uid}:${gid}`,
        DSC_STAT_MODE: statMode(dir.mode),
        DSC_MODE: dir.mode,
        DSC_CACHE: dir.name,
        DSC_MARK: RESULT_MARKER,
    });
    return shLines(["set -eu", header, SH["cache-dir-create"]]);
}

/**
 * Runs when a cache leaves the config or on destroy. Keeps the data unless
 * `purge` (the stack's `purgeRemovedCaches`) was set when it was created.
 */
export function cacheDirDeleteScript(dir: CacheDir, purge: boolean): string {
    if (!purge) {
        return `echo ${shQuote(`dokku-shared-cache: kept ${dir.hostPath} and its data (set purgeRemovedCaches: true to delete removed caches)`)}\n`;
    }
    return shLines(["set -eu", shAssign({ d: dir.hostPath }), SH["cache-dir-purge"]]);
}
