/**
 * Which env values survive Dokku's ENV file round trip, and why not. Pure.
 *
 * Dokku keeps an app's env in one file it reads and rewrites whole with
 * github.com/joho/godotenv on every `config:set` / `config:unset`
 * (dokku/dokku plugins/config/environment.go: godotenv.Read, godotenv.Write):
 * godotenv v1.5.1 from Dokku 0.37.8 (tags v0.37.8, v0.37.10, v0.38.27), v1.2.0
 * in 0.36.0–0.37.7 (tags v0.36.0, v0.37.7). A value that does not survive
 * write → read is changed by the next write of *any* key, or makes the file
 * unreadable (then every config command of the app fails, and deploys too).
 *
 * The rules below were read in godotenv's source (tags v1.5.1: godotenv.go
 * Marshal/doubleQuoteEscape, parser.go extractVarValue; v1.2.0: godotenv.go
 * parseLine/parseValue, bufio.Scanner) and are checked against the real
 * library on 10,000+ values (test/script/env-safety.test.ts, testkit/godotenv).
 * Every case where the round trip is not the identity:
 *
 * v1.5.1
 *   - value ends with `\`: written `K="…\\"`; the closing quote counts as
 *     escaped, so the value runs on into the next lines: the file becomes
 *     unreadable ("unterminated quoted value …" or "unexpected character …").
 *   - value ends with `"`: written `K="…\""`; the reader trims every `"` at
 *     the end, then the dangling `\` stays: read back with its last character
 *     replaced by `\` (`say "hi"` → `say "hi\`), which the write after that
 *     turns into the unreadable case above.
 *   - value is an integer strconv.Atoi accepts (`[+-]?[0-9]+`, within int64)
 *     but not written canonically: it is written bare as `%d`: `007` → `7`,
 *     `+5` → `5`, `-0` → `0`.
 * v1.2.0
 *   - the value has a `#` that its comment stripping takes as a comment: the
 *     line `K="…"` is split at every `#`; a piece with exactly one `"` or one
 *     `'` toggles an "open quote" state, and a piece that toggles nothing is
 *     dropped while that state is closed (`a#'#b#c` → `a#'#c`). It takes a
 *     `'` or `"` in the value as well as a `#`. When the piece with the
 *     closing quote is dropped the value comes back raw, escapes included.
 *   - the line `K="<escaped value>"` is 65536 bytes or longer: bufio.Scanner's
 *     64 KiB limit makes the whole file unreadable ("token too long").
 *   - keys starting with `export` lose that prefix (and the spaces after it):
 *     `exporter_url` is read back as `er_url`.
 */

import { JQ } from "./generated/scripts";

export type GodotenvVersion = "v1.5.1" | "v1.2.0";
export const GODOTENV_VERSIONS: readonly GodotenvVersion[] = ["v1.5.1", "v1.2.0"];

/** The Dokku versions that use each godotenv (plugins/config/go.mod). */
export const DOKKU_FOR: Record<GodotenvVersion, string> = {
    "v1.5.1": "Dokku 0.37.8 and later (godotenv v1.5.1)",
    "v1.2.0": "Dokku 0.36.0–0.37.7 (godotenv v1.2.0)",
};

/** Which godotenv a Dokku version ("0.38.27") uses. */
export function godotenvFor(dokkuVersion: string): GodotenvVersion {
    const [maj, min, patch] = dokkuVersion.split(".").map(Number);
    return maj === 0 && (min < 37 || (min === 37 && patch < 8)) ? "v1.2.0" : "v1.5.1";
}

export type RoundTrip =
    | { ok: true }
    | {
          ok: false;
          rule:
              | "trailing-backslash"
              | "trailing-quote"
              | "integer"
              | "hash-comment"
              | "line-too-long";
          /** What Dokku reads back, or null when the file can no longer be read. */
          readBack: string | null;
          /** Why, in a few words (no key, no value). */
          why: string;
      };

const INT64_MAX = 9223372036854775807n;

/** strconv.Atoi's result as `%d` prints it, or null when Atoi fails. */
export function goAtoi(v: string): string | null {
    if (!/^[+-]?[0-9]+$/.test(v)) return null;
    const n = BigInt(v);
    return n > INT64_MAX || n < -INT64_MAX - 1n ? null : n.toString();
}

/** godotenv's doubleQuoteEscape (the same in both versions). */
export function godotenvEscape(v: string): string {
    return v.replace(/[\\\n\r"!$`]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\" + c));
}

/** v1.2.0 parseLine's comment stripping: the segments between `#` it keeps. */
function keptSegments12(line: string): { kept: string[]; dropped: boolean } {
    const count = (s: string, c: string): number => s.split(c).length - 1;
    const segs = line.split("#");
    const kept: string[] = [];
    let open = false;
    for (const seg of segs) {
        if (count(seg, '"') === 1 || count(seg, "'") === 1) {
            if (open) {
                open = false;
                kept.push(seg);
            } else open = true;
        }
        if (kept.length === 0 || open) kept.push(seg);
    }
    return { kept, dropped: kept.length !== segs.length };
}

/** v1.2.0 parseValue of what follows `=`. */
function parseValue12(value: string): string {
    value = value.replace(/^ +| +$/g, "");
    if (value.length > 1 && value[0] === value[value.length - 1] && `"'`.includes(value[0])) {
        return value
            .slice(1, -1)
            .replace(/\\[^\n]/gu, (m) => (m[1] === "n" ? "\n" : m[1] === "r" ? "\r" : m.slice(1)));
    }
    return value;
}

/** Does `value` under `key` survive Dokku's write → read with this godotenv? */
export function envRoundTrip(value: string, version: GodotenvVersion, key = "K"): RoundTrip {
    if (version === "v1.5.1") {
        const d = goAtoi(value);
        if (d !== null) {
            return d === value
                ? { ok: true }
                : {
                      ok: false,
                      rule: "integer",
                      readBack: d,
                      why: `is rewritten as the integer ${d}`,
                  };
        }
        if (value.endsWith("\\")) {
            return {
                ok: false,
                rule: "trailing-backslash",
                readBack: null,
                why: "ends with a backslash, which makes the app's ENV file unreadable once written (every config command of the app then fails)",
            };
        }
        if (value.endsWith('"')) {
            const readBack = value.slice(0, -1) + "\\";
            return {
                ok: false,
                rule: "trailing-quote",
                readBack,
                why: "ends with a double quote, which is read back as a backslash and then breaks the app's ENV file at the write after",
            };
        }
        return { ok: true };
    }
    const line = `${key}="${godotenvEscape(value)}"`;
    if (Buffer.byteLength(line) >= 64 * 1024) {
        return {
            ok: false,
            rule: "line-too-long",
            readBack: null,
            why: "is too long: its ENV line reaches 64 KiB, which makes the app's ENV file unreadable",
        };
    }
    const { kept, dropped } = keptSegments12(line);
    if (!dropped) return { ok: true };
    const stripped = kept.join("#");
    const readBack = parseValue12(stripped.slice(stripped.indexOf("=") + 1));
    return {
        ok: false,
        rule: "hash-comment",
        readBack,
        why: 'has a "#" that is taken as the start of a comment, which cuts the value',
    };
}

/** Does an env key survive? v1.2.0 strips a leading `export` from keys. */
export function envKeyRoundTrip(
    key: string,
    version: GodotenvVersion,
): { ok: true } | { ok: false; readBack: string; why: string } {
    if (version === "v1.2.0" && key.startsWith("export")) {
        const readBack = key.slice("export".length).replace(/^ +| +$/g, "");
        return {
            ok: false,
            readBack,
            why: `starts with "export", which is stripped on read (read back as ${JSON.stringify(readBack)}${readBack === "" ? ", an invalid key Dokku then deletes" : ""})`,
        };
    }
    return { ok: true };
}

/**
 * The validation message for a desired env entry Dokku cannot store
 * unchanged, or undefined. The host's Dokku version is not known at
 * validation time, so both godotenv versions are checked. `where` names the
 * stack key (e.g. `caches.pip.env`).
 */
export function envEntryProblem(where: string, key: string, value: string): string | undefined {
    const whys: string[] = [];
    for (const v of GODOTENV_VERSIONS) {
        const k = envKeyRoundTrip(key, v);
        if (!k.ok) whys.push(`the key ${k.why} on ${DOKKU_FOR[v]}`);
        const r = envRoundTrip(value, v, key);
        if (!r.ok) {
            const back =
                r.readBack === null || r.rule === "integer"
                    ? ""
                    : ` (read back as ${JSON.stringify(r.readBack)})`;
            whys.push(`the value ${r.why}${back} on ${DOKKU_FOR[v]}`);
        }
    }
    if (whys.length === 0) return undefined;
    return `${where ? `${where}: ` : ""}${key}=${JSON.stringify(value)} cannot be stored by Dokku unchanged: ${whys.join("; ")}. Choose another ${whys.some((w) => w.startsWith("the key")) ? "name" : "value"} (not ending in \\ or ", no sign or leading zeros on an integer, no "#" in a value that also has ' or ", no key starting with "export").`;
}

/**
 * The same rules in jq (1.6), for the converge script. Shared definitions;
 * `$ver` is the host's Dokku version ("" = unknown: both godotenv versions
 * are checked), `$app` the app. Checked against {@link envRoundTrip} on the
 * 10,000-value corpus (test/script/env-safety.test.ts). The programs are host/jq/env-*.jq.
 */
const ENV_JQ_DEFS = `\n${JQ["env-defs"]}\n`;

/**
 * Rules per value, for the test: input `[[key, value]…]`, output
 * `[[v1.5.1 rule|null, v1.2.0 rule|null]…]`.
 */
export const ENV_RULES_JQ = ENV_JQ_DEFS + JQ["env-rules"];

/**
 * The converge guard. Input null; `$env`: the app's env as `config:export
 * --format json` prints it; `$plan`: the converge plan (`set`, `restore`,
 * `unset`). Output (-r): one paragraph naming the app, every key whose value
 * the planned write would corrupt and why, and what to do; nothing when the
 * write is safe. Values are never printed (they may be secrets).
 */
export const ENV_GUARD_JQ = `${ENV_JQ_DEFS}${JQ["env-guard"]}\n`;

/**
 * An app whose ENV file Dokku can no longer parse. `$said`: Dokku's message
 * (without " !     "). Output: one paragraph.
 */
export const ENV_UNREADABLE_JQ = `${ENV_JQ_DEFS}${JQ["env-unreadable"]}\n`;
