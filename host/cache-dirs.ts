/**
 * Shared cache directories on the host: create one with its owner and mode,
 * and the removal that keeps the data unless the stack purges removed caches.
 */
import { CacheDir } from "../model/desired-state";
import { RESULT_MARKER } from "./result";
import { shQuote } from "./shell";

/** `0755` → `755`, `1777` → `1777`: the form `stat -c %a` prints. */
export function statMode(mode: string): string {
    return parseInt(mode, 8).toString(8);
}

/** Creates one shared cache directory with its owner and mode; prints what changed. */
export function cacheDirCreateScript(dir: CacheDir): string {
    const [uid, gid] = dir.owner.split(":");
    return `set -eu
d=${shQuote(dir.hostPath)}
if [ -L "$d" ]; then echo "dokku-shared-cache: $d is a symlink; refusing to use it as a shared cache" >&2; exit 3; fi
if [ -e "$d" ] && [ ! -d "$d" ]; then echo "dokku-shared-cache: $d exists and is not a directory" >&2; exit 3; fi
created=false
if [ ! -d "$d" ]; then
  mkdir -p -- "$d" || { echo "dokku-shared-cache: cannot create shared cache directory $d (disk full, read-only file system or permission denied?); nothing else was changed" >&2; exit 4; }
  created=true
fi
changed=false
fix() { "$@" || { echo "dokku-shared-cache: cannot set owner/mode of $d ($1 failed: read-only file system or permission denied?)" >&2; exit 4; }; changed=true; }
if [ "$(stat -c '%u:%g' -- "$d")" != ${shQuote(`${uid}:${gid}`)} ]; then fix chown ${shQuote(`${uid}:${gid}`)} -- "$d"; fi
if [ "$(stat -c '%a' -- "$d")" != ${shQuote(statMode(dir.mode))} ]; then fix chmod ${shQuote(dir.mode)} -- "$d"; fi
printf '%s{"cache":"%s","path":"%s","created":%s,"changed":%s}\\n' ${shQuote(RESULT_MARKER)} ${shQuote(dir.name)} "$d" "$created" "$changed"
`;
}

/**
 * Runs when a cache leaves the config or on destroy. Keeps the data unless
 * `purge` (the stack's `purgeRemovedCaches`) was set when it was created.
 */
export function cacheDirDeleteScript(dir: CacheDir, purge: boolean): string {
    if (!purge) {
        return `echo ${shQuote(`dokku-shared-cache: kept ${dir.hostPath} and its data (set purgeRemovedCaches: true to delete removed caches)`)}\n`;
    }
    return `set -eu
d=${shQuote(dir.hostPath)}
if [ -d "$d" ] && [ ! -L "$d" ]; then rm -rf -- "$d"; echo "dokku-shared-cache: purged $d"; fi
`;
}
