/** Docker's human sizes ("1.235GB", "16.43MB") as bytes, as its CLI prints them. Pure. */

const UNITS: Record<string, number> = {
    B: 1,
    kB: 1e3,
    KB: 1e3,
    MB: 1e6,
    GB: 1e9,
    TB: 1e12,
    PB: 1e15,
    KiB: 1024,
    MiB: 1024 ** 2,
    GiB: 1024 ** 3,
    TiB: 1024 ** 4,
};

/** Bytes from Docker's human sizes ("1.235GB", "0B", "212B", "16.43MB"); undefined if unparseable. */
export function parseDockerSize(s: string): number | undefined {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kKMGTP]?i?B)\s*$/.exec(s);
    if (!m || UNITS[m[2]] === undefined) return undefined;
    return Math.round(Number(m[1]) * UNITS[m[2]]);
}

/**
 * Bytes reclaimed according to prune output, summed over every prune in it
 * (buildx `Total:\t…` or legacy `Total reclaimed space: …`); 0 for no
 * output, undefined when there is output but no total.
 */
export function parsePruneOutput(out: string): number | undefined {
    const totals = [...out.matchAll(/^Total(?: reclaimed space)?:\s*(\S+)\s*$/gm)];
    if (totals.length === 0) return out.trim() === "" ? 0 : undefined;
    return totals.reduce((sum, m) => sum + (parseDockerSize(m[1]) ?? 0), 0);
}
