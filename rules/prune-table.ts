/**
 * The one table of `docker builder prune` variants per Docker Engine / buildx version
 * (../shared/dokku-contract.md §7), and the version parsing it needs. Pure. TypeScript reads it
 * here (the report's variant, the prune commands); the prune script's shell detection is
 * generated from the same table (host/build-cache.ts).
 */
import { dockerSize } from "./size-units";

/** `[major, minor, patch]` from "28.2.2", "v0.18.0", "0.18.0+ds1", "29.7.2-rc.1"; undefined if none. */
export function parseVersion(s: string | undefined): [number, number, number] | undefined {
    if (!s) return undefined;
    const m = /(?:^|[^0-9.])v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(" " + s.trim());
    if (!m) return undefined;
    return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** The version word of `docker buildx version` ("github.com/docker/buildx v0.18.0 abc"). */
export function parseBuildxVersion(out: string): string | undefined {
    const line = out.split("\n").find((l) => /buildx/.test(l));
    const word = line?.trim().split(/\s+/)[1];
    return parseVersion(word) ? word : undefined;
}

export type Version2 = [major: number, minor: number];

export function atLeast(v: [number, number, number] | undefined, min: Version2): boolean {
    if (!v) return false;
    return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

/**
 * The one table of prune variants (contract §7), tried in order, the first
 * whose condition holds wins. Both {@link pruneVariant} (TypeScript, for the
 * report) and the prune script's shell detection are derived from it.
 * - `legacy`: no buildx plugin; the legacy CLI's `docker builder prune --keep-storage`.
 * - `buildx-keep`: buildx < 0.18; `--keep-storage` is its only size flag.
 * - `buildx-max`: buildx ≥ 0.18 on Engine ≥ 28; `--max-used-space`.
 * - `buildx-reserved`: buildx ≥ 0.18 on Engine < 28 (BuildKit < 0.17 rejects
 *   `--max-used-space`); `--reserved-space` is the non-deprecated name of keep-storage.
 */
export const PRUNE_VARIANT_TABLE = [
    {
        variant: "legacy",
        when: { noBuildx: true },
        command: ["docker", "builder", "prune"],
        sizeFlag: "--keep-storage",
    },
    {
        variant: "buildx-keep",
        when: { buildxBelow: [0, 18] },
        command: ["docker", "buildx", "prune"],
        sizeFlag: "--keep-storage",
    },
    {
        variant: "buildx-max",
        when: { engineAtLeast: [28, 0] },
        command: ["docker", "buildx", "prune"],
        sizeFlag: "--max-used-space",
    },
    {
        variant: "buildx-reserved",
        when: {},
        command: ["docker", "buildx", "prune"],
        sizeFlag: "--reserved-space",
    },
] as const satisfies readonly {
    variant: string;
    when: { noBuildx?: true; buildxBelow?: Version2; engineAtLeast?: Version2 };
    command: readonly string[];
    sizeFlag: string;
}[];

export type PruneVariant = (typeof PRUNE_VARIANT_TABLE)[number]["variant"];

export const PRUNE_VARIANTS: readonly PruneVariant[] = PRUNE_VARIANT_TABLE.map((r) => r.variant);

export type PruneRow = (typeof PRUNE_VARIANT_TABLE)[number];
export type PruneWhen = { noBuildx?: true; buildxBelow?: Version2; engineAtLeast?: Version2 };

export function pruneVariant(engine: string | undefined, buildx: string | undefined): PruneVariant {
    const bx = parseVersion(buildx);
    const en = parseVersion(engine);
    const holds = (w: PruneWhen): boolean =>
        (!w.noBuildx || !bx) &&
        (!w.buildxBelow || (bx !== undefined && !atLeast(bx, w.buildxBelow))) &&
        (!w.engineAtLeast || atLeast(en, w.engineAtLeast));
    return PRUNE_VARIANT_TABLE.find((r) => holds(r.when))!.variant;
}
/**
 * The prune commands for a variant, as argv lists run one after the other:
 * first everything not used for `olderThan`, then, oldest first, down to
 * `maxSize`. Two passes because BuildKit stops a filtered prune as soon as
 * the size bound is met, which would leave old entries behind.
 */
export function pruneCommands(
    variant: PruneVariant,
    opts: { olderThan: string; maxSize: string },
): string[][] {
    const row = PRUNE_VARIANT_TABLE.find((r) => r.variant === variant)!;
    return [
        [...row.command, "--force", "--all", "--filter", `until=${opts.olderThan}`],
        // A byte count: Docker's RAMInBytes would read "20GB" as 20 GiB (rules/size-units.ts).
        [...row.command, "--force", "--all", row.sizeFlag, dockerSize(opts.maxSize)],
    ];
}
