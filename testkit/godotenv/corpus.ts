/**
 * Env values for the godotenv differential tests: every edge case we know
 * of, then seeded random values built from the characters godotenv treats
 * specially (deterministic: the same corpus every run).
 */

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Characters godotenv's Unicode handling could trip over: letters, emoji, Unicode spaces. */
const ODD_CHARS = ["é", "✓", "😀", "\u2028", "\u0085", "\u00a0"];

const long = (n: number, tail = ""): string => "a".repeat(n - tail.length) + tail;

export const EDGE_VALUES: readonly string[] = [
    "",
    " ",
    "  x  ",
    '"',
    '""',
    '"x',
    'x"',
    'say "hi"',
    'x""',
    '"x"',
    "\\",
    "x\\",
    "\\x",
    "x\\\\",
    'x\\"',
    '\\"',
    "'",
    "'x'",
    "x'",
    "#",
    " #",
    "# x",
    "a #b",
    "a#b",
    "a # b # c",
    "a#'#b#c",
    'a#"#b#c',
    "a#b'c#d#e",
    "it's #1",
    "'#'",
    '"#"',
    "#'",
    '#"',
    "$",
    "$A",
    "${A}",
    "$(A)",
    "\\$A",
    "$$",
    "x$",
    "\\n",
    "\n",
    "a\nb",
    "\r",
    "\r\n",
    "\t",
    "\v\f",
    "!",
    "`",
    "`date`",
    "=",
    "a=b",
    ":",
    "export X",
    "export",
    "export X=1",
    "0",
    "1",
    "-1",
    "007",
    "+5",
    "-0",
    "+0",
    "-007",
    "00",
    " 5",
    "5 ",
    "1e3",
    "0x10",
    "1_000",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "12345678901234567890",
    ...ODD_CHARS,
    "\u3000x\u3000",
    "postgres://u:p#ss@h/db?x=1&y=2",
    "/root/.cache/pip",
    "<>&",
    // v1.2.0 reads lines with a 64 KiB bufio.Scanner: around the limit (key "K").
    long(65530),
    long(65531),
    long(65532),
    long(65533),
    long(65531, '"'),
    long(65530, "$"),
    long(70000),
];

const ATOMS = [
    '"',
    '"',
    "'",
    "\\",
    "\\",
    "#",
    " #",
    "# ",
    "$",
    "${A}",
    "$A",
    "\\n",
    "\n",
    "\r",
    "\t",
    " ",
    "!",
    "`",
    "=",
    ":",
    "export ",
    "a",
    "b",
    "x",
    "0",
    "7",
    "-",
    "+",
    ...ODD_CHARS,
    "{",
    "}",
    "(",
];

/**
 * Code point ranges for random characters: blocks whose assignments have not
 * changed for many Unicode versions, so Go's tables (strconv.IsPrint, in
 * godotenv's error text) and Node's agree.
 */
const BLOCKS: readonly [number, number][] = [
    [0x01, 0x7f],
    [0x80, 0x17f],
    [0x391, 0x3a1],
    [0x3a3, 0x3c9],
    [0x410, 0x44f],
    [0x5d0, 0x5ea],
    [0x2000, 0x2064],
    [0x3041, 0x3096],
    [0x4e00, 0x9fa5],
    [0xac00, 0xd7a3],
    [0xe000, 0xf8ff],
    [0x1f600, 0x1f64f],
];

/** Random values: mostly special atoms, some random code points, some integers. */
export function randomValues(n: number, seed = 15): string[] {
    const r = rng(seed);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
    const out: string[] = [];
    while (out.length < n) {
        const kind = r();
        if (kind < 0.08) {
            const digits = Math.floor(r() * 21) + 1;
            let s = pick(["", "", "-", "+"]);
            for (let i = 0; i < digits; i++) s += String(Math.floor(r() * 10));
            out.push(s);
            continue;
        }
        const len = Math.floor(r() * 12);
        let s = "";
        for (let i = 0; i < len; i++) {
            if (r() < 0.15) {
                const [lo, hi] = pick(BLOCKS);
                s += String.fromCodePoint(lo + Math.floor(r() * (hi - lo + 1)));
            } else s += pick(ATOMS);
        }
        out.push(s);
    }
    return out;
}

/** The corpus: edge cases then random values, at least `n` in all. */
export function corpus(n = 10000, seed = 15): string[] {
    return [...EDGE_VALUES, ...randomValues(Math.max(0, n - EDGE_VALUES.length), seed)];
}

/** Keys to put values under: sort order corner cases and the `export` prefix. */
export const KEYS: readonly string[] = ["A", "A0", "A_B", "B", "Z9", "_x", "exportX", "export_"];

/** Hand-written ENV files (lines users or other tools write), for parse-only comparisons. */
export function randomFiles(n: number, seed = 12): string[] {
    const r = rng(seed);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
    const keyish = [
        "A",
        "B_2",
        "a.b",
        "1X",
        "é",
        "export A",
        "export  B",
        "exportC",
        " D ",
        "",
        "x-y",
    ];
    const seps = ["=", "=", " = ", ":", ": ", ""];
    const values = corpus(300, seed).filter((v) => v.length < 200);
    const quote = (v: string): string =>
        pick([
            v,
            `"${v}"`,
            `'${v}'`,
            `"${v.replace(/["\\]/g, "\\$&")}"`,
            `${v} # comment`,
            `"${v}" # c`,
        ]);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
        const lines: string[] = [];
        const count = Math.floor(r() * 5);
        for (let j = 0; j < count; j++) {
            const t = r();
            if (t < 0.1) lines.push(pick(["", "# comment", "   ", "#x=1", "\t# y"]));
            else lines.push(pick(keyish) + pick(seps) + quote(pick(values)));
        }
        out.push(lines.join(pick(["\n", "\n", "\r\n"])) + pick(["", "\n", "\n\n"]));
    }
    return out;
}
