/**
 * Sizes in the stack config (`buildCache.maxSize`, `buildCache.gc.*Space`)
 * mean what they say, and Docker is passed exactly that many bytes.
 *
 * Docker parses its size flags (`--keep-storage`, `--reserved-space`,
 * `--max-used-space`) and daemon.json's builder GC sizes with
 * github.com/docker/go-units `RAMInBytes` (v0.5.0 `size.go` parseSize with
 * binaryMap): every unit is binary and case-insensitive, so Docker reads
 * "20GB" as 20 GiB = 21,474,836,480 bytes. This program accepts decimal
 * units (B, kB/KB, MB, GB, TB: powers of 1000) and binary units (KiB, MiB,
 * GiB, TiB: powers of 1024) as written, converts them to a whole number of
 * bytes, and hands Docker that number with no unit, which RAMInBytes reads
 * as bytes: "20GB" reaches Docker as "20000000000", "20GiB" as
 * "21474836480". A differential test runs the real go-units on both.
 */

/** A size as the config accepts it: 1 to 6 digits, up to 3 decimals, a unit. */
export const SIZE_TEXT_RE =
    /^([1-9][0-9]{0,5})(?:\.([0-9]{1,3}))?(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/;

const UNIT_BYTES: Record<string, bigint> = {
    B: 1n,
    kB: 1000n,
    KB: 1000n,
    MB: 1000n ** 2n,
    GB: 1000n ** 3n,
    TB: 1000n ** 4n,
    KiB: 1024n,
    MiB: 1024n ** 2n,
    GiB: 1024n ** 3n,
    TiB: 1024n ** 4n,
};

/**
 * The largest size: 8192 TiB = 2^53 bytes. Docker reads a byte count
 * through a float64 (RAMInBytes uses strconv.ParseFloat), exact only up to
 * 2^53.
 */
export const MAX_SIZE_BYTES = 2n ** 53n;

/** What the validation error says is allowed. */
export const SIZE_ALLOWED =
    'a size like "20GB", "512MB", "1.5TB" (decimal: B, kB, MB, GB, TB = powers of 1000) or "20GiB" (binary: KiB, MiB, GiB, TiB = powers of 1024), at most 8192TiB';

/** Exact bytes of a config size ("1.5GB" → 1500000000n; fractions of a byte round down); undefined if not one or too large. */
export function sizeBytes(text: string): bigint | undefined {
    const m = SIZE_TEXT_RE.exec(text);
    if (!m) return undefined;
    const frac = (m[2] ?? "").padEnd(3, "0");
    const bytes = ((BigInt(m[1]) * 1000n + BigInt(frac)) * UNIT_BYTES[m[3]]) / 1000n;
    return bytes <= MAX_SIZE_BYTES ? bytes : undefined;
}

/** Why `value` is not a size, for a validation error (`reason`), or undefined when it is one. */
export function sizeProblem(value: unknown): string | undefined {
    if (typeof value === "string" && sizeBytes(value) !== undefined) return undefined;
    let shown: string;
    try {
        shown = JSON.stringify(value) ?? String(value);
    } catch {
        shown = String(value);
    }
    return `must be ${SIZE_ALLOWED}; got ${shown.length > 80 ? shown.slice(0, 77) + "..." : shown}`;
}

/** The argument Docker reads as exactly the bytes the config means (a plain byte count). */
export function dockerSize(text: string): string {
    const b = sizeBytes(text);
    if (b === undefined) throw new Error(`internal: unvalidated size ${JSON.stringify(text)}`);
    return b.toString();
}
