/** The free-space rules: which file systems are low, and how low stops a run (docs/full-disk.md). Pure. */
import { sizeBytes } from "./size-units";

/**
 * One file system holding some of the watched paths, deduplicated by device (`stat -c %d`), not
 * by mount point: dockerd 20.10 bind-mounts its data root onto itself (seen on the real test
 * host: `df` then names the data root as its own mount), which is the same file system.
 */
export interface DiskFs {
    /** Its mount point: the shortest `df` names for the paths on it. */
    mount: string;
    sizeBytes: number;
    availBytes: number;
    /** What lives there: `docker`, `dokku`, `shared`, `state` (in that order). */
    labels: string[];
    /** The path of each label (its nearest existing ancestor), in the same order. */
    paths: string[];
}

/** Bytes of a validated config size (`disk.minFree`). */
export function minFreeBytes(minFree: string): number {
    const b = sizeBytes(minFree);
    if (b === undefined) throw new Error(`internal: unvalidated size ${JSON.stringify(minFree)}`);
    return Number(b);
}

/**
 * After first aid, a file system with less than this is still "full": the run stops before any
 * write. The smaller of `disk.minFree` and 64 MiB (the converge writes a few kB per app; a
 * file system above `minFree`'s floor but under `minFree` only gets a warning).
 */
export function firstAidFloor(minFree: number): number {
    return Math.min(minFree, 64 * 1024 * 1024);
}

/** The file systems below `minFree` bytes. */
export function lowFileSystems(disk: readonly DiskFs[] | undefined, minFree: number): DiskFs[] {
    return (disk ?? []).filter((d) => d.availBytes < minFree);
}
