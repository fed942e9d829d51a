/*
 * github.com/joho/godotenv as Dokku uses it, ported line by line for the
 * dokku double: Read (parse) and Write (Marshal + file bytes) of
 *   - v1.5.1 (tag v1.5.1: godotenv.go, parser.go), Dokku >= 0.37.8;
 *   - v1.2.0 (tag v1.2.0: godotenv.go), Dokku 0.36.0-0.37.7
 * (dokku/dokku plugins/config/go.mod at v0.36.0, v0.37.7: v1.2.0; v0.37.8,
 * v0.37.10, v0.38.27: v1.5.1). Bugs included: that is the point. Proven byte
 * for byte against the real library by test/host/godotenv-diff.script.test.ts
 * (testkit/godotenv builds it from the Go module).
 *
 * Go works on bytes; so does this file: every "string" here is a byte
 * string (one JS char per byte, as Buffer "latin1" gives), converted only at
 * the edges (fromBytes/toBytes). Errors are thrown as GodotenvError whose
 * message is Go's err.Error() (bytes).
 */
"use strict";

class GodotenvError extends Error {}

/** Buffer or UTF-8 JS string → byte string. */
function bytes(x) {
    return (Buffer.isBuffer(x) ? x : Buffer.from(x, "utf8")).toString("latin1");
}
/** Byte string → Buffer. */
function toBuffer(s) {
    return Buffer.from(s, "latin1");
}

const RUNE_ERROR = 0xfffd;
/** Go's utf8.DecodeRuneInString(s[i:]): [rune, width]; invalid → [U+FFFD, 1]. */
function decodeRune(s, i) {
    const b0 = s.charCodeAt(i);
    if (b0 < 0x80) return [b0, 1];
    const cont = (j) => {
        const b = s.charCodeAt(j);
        return j < s.length && b >= 0x80 && b <= 0xbf ? b & 0x3f : -1;
    };
    if (b0 >= 0xc2 && b0 <= 0xdf) {
        const c1 = cont(i + 1);
        if (c1 >= 0) return [((b0 & 0x1f) << 6) | c1, 2];
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
        const b1 = s.charCodeAt(i + 1);
        const lo = b0 === 0xe0 ? 0xa0 : 0x80;
        const hi = b0 === 0xed ? 0x9f : 0xbf;
        if (i + 1 < s.length && b1 >= lo && b1 <= hi) {
            const c2 = cont(i + 2);
            if (c2 >= 0) return [((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | c2, 3];
        }
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        const b1 = s.charCodeAt(i + 1);
        const lo = b0 === 0xf0 ? 0x90 : 0x80;
        const hi = b0 === 0xf4 ? 0x8f : 0xbf;
        if (i + 1 < s.length && b1 >= lo && b1 <= hi) {
            const c2 = cont(i + 2);
            const c3 = cont(i + 3);
            if (c2 >= 0 && c3 >= 0)
                return [((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | (c2 << 6) | c3, 4];
        }
    }
    return [RUNE_ERROR, 1];
}
/** Go's utf8.DecodeLastRuneInString. */
function decodeLastRune(s) {
    for (let start = s.length - 1; start >= 0 && start >= s.length - 4; start--) {
        const b = s.charCodeAt(start);
        if (b < 0x80 || b >= 0xc0) {
            const [r, w] = decodeRune(s, start);
            return start + w === s.length ? [r, w] : [RUNE_ERROR, 1];
        }
    }
    return [RUNE_ERROR, 1];
}
/** Go's string(rune): UTF-8 bytes of one code point. */
function encodeRune(r) {
    return Buffer.from(String.fromCodePoint(r), "utf8").toString("latin1");
}
/** Go's []rune(string(s)). */
function runes(s) {
    const out = [];
    for (let i = 0; i < s.length;) {
        const [r, w] = decodeRune(s, i);
        out.push(r);
        i += w;
    }
    return out;
}

// unicode.IsSpace (Go): Latin-1 spaces, then the White_Space property.
const GO_SPACE = new Set([
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
    0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);
const unicodeIsSpace = (r) => GO_SPACE.has(r);
const unicodeIsLetter = (r) => /\p{L}/u.test(String.fromCodePoint(r));
const unicodeIsNumber = (r) => /\p{N}/u.test(String.fromCodePoint(r));

function indexFunc(s, f) {
    for (let i = 0; i < s.length;) {
        const [r, w] = decodeRune(s, i);
        if (f(r)) return i;
        i += w;
    }
    return -1;
}
function trimLeftFunc(s, f) {
    const i = indexFunc(s, (r) => !f(r));
    return i === -1 ? "" : s.slice(i);
}
function trimRightFunc(s, f) {
    let end = s.length;
    while (end > 0) {
        const [r, w] = decodeLastRune(s.slice(0, end));
        if (!f(r)) break;
        end -= w;
    }
    return s.slice(0, end);
}

// strconv.Quote, for the %q in v1.5.1's key error.
function goQuote(s) {
    let out = '"';
    for (let i = 0; i < s.length;) {
        const [r, w] = decodeRune(s, i);
        if (r === RUNE_ERROR && w === 1) {
            out += "\\x" + s.charCodeAt(i).toString(16).padStart(2, "0");
        } else if (r === 0x22 || r === 0x5c) {
            out += "\\" + String.fromCharCode(r);
        } else if (r >= 0x20 && r < 0x7f) {
            out += String.fromCharCode(r);
        } else if (r === 0x07) out += "\\a";
        else if (r === 0x08) out += "\\b";
        else if (r === 0x0c) out += "\\f";
        else if (r === 0x0a) out += "\\n";
        else if (r === 0x0d) out += "\\r";
        else if (r === 0x09) out += "\\t";
        else if (r === 0x0b) out += "\\v";
        else if (r < 0x20 || r === 0x7f) out += "\\x" + r.toString(16).padStart(2, "0");
        else if (goIsPrint(r)) out += s.slice(i, i + w);
        else if (r < 0x10000) out += "\\u" + r.toString(16).padStart(4, "0");
        else out += "\\U" + r.toString(16).padStart(8, "0");
        i += w;
    }
    return out + '"';
}
// strconv.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020.
function goIsPrint(r) {
    if (r === 0xad) return false;
    return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(r));
}

// ------------------------------------------------------------ shared parts
const DOUBLE_QUOTE_SPECIAL = '\\\n\r"!$`';
/** doubleQuoteEscape (identical in v1.2.0 and v1.5.1). */
function doubleQuoteEscape(line) {
    for (const c of DOUBLE_QUOTE_SPECIAL) {
        let to = "\\" + c;
        if (c === "\n") to = "\\n";
        if (c === "\r") to = "\\r";
        line = line.split(c).join(to);
    }
    return line;
}
/** strconv.Atoi on 64-bit: the canonical %d text, or null when it fails. */
function atoi(s) {
    if (!/^[+-]?[0-9]+$/.test(s)) return null;
    const n = BigInt(s);
    if (n > 9223372036854775807n || n < -9223372036854775808n) return null;
    return n.toString();
}
/** sort.Strings: bytewise. */
function sortBytes(a) {
    return a.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

// ------------------------------------------------------------ v1.5.1
const v15 = {
    version: "v1.5.1",
    marshal(env) {
        const lines = [];
        for (const [k, v] of env) {
            const d = atoi(v);
            lines.push(d !== null ? `${k}=${d}` : `${k}="${doubleQuoteEscape(v)}"`);
        }
        return sortBytes(lines).join("\n");
    },
    /** godotenv.Write's file content. */
    write(env) {
        return this.marshal(env) + "\n";
    },
    /** godotenv.Read of a file with these bytes: Map of byte strings, or throws. */
    parse(src) {
        const out = new Map();
        src = src.split("\r\n").join("\n");
        let cutset = src;
        for (;;) {
            cutset = getStatementStart(cutset);
            if (cutset === null) break;
            const [key, left] = locateKeyName(cutset);
            const [value, rest] = extractVarValue(left, out);
            out.set(key, value);
            cutset = rest;
        }
        return out;
    },
};

function getStatementStart(src) {
    const pos = indexFunc(src, (r) => !unicodeIsSpace(r));
    if (pos === -1) return null;
    src = src.slice(pos);
    if (src[0] !== "#") return src;
    const nl = src.indexOf("\n");
    if (nl === -1) return null;
    return getStatementStart(src.slice(nl));
}
// parser.go isSpace: space but not a line break.
const isSpace15 = (r) => [0x09, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0].includes(r);

function locateKeyName(src) {
    src = trimLeftFunc(src, isSpace15);
    if (src.startsWith("export")) {
        const trimmed = src.slice("export".length);
        if (indexFunc(trimmed, isSpace15) === 0) src = trimLeftFunc(trimmed, isSpace15);
    }
    let key = "";
    let offset = 0;
    // `for i, char := range src` over a []byte: one byte at a time.
    for (let i = 0; i < src.length; i++) {
        const char = src.charCodeAt(i);
        if (isSpace15(char)) continue;
        if (char === 0x3d || char === 0x3a) {
            key = src.slice(0, i);
            offset = i + 1;
            break;
        }
        if (char === 0x5f) continue;
        if (unicodeIsLetter(char) || unicodeIsNumber(char) || char === 0x2e) continue;
        throw new GodotenvError(
            `unexpected character ${goQuote(encodeRune(char))} in variable name near ${goQuote(src)}`,
        );
    }
    if (src.length === 0) throw new GodotenvError("zero length string");
    key = trimRightFunc(key, unicodeIsSpace);
    return [key, trimLeftFunc(src.slice(offset), isSpace15)];
}

function extractVarValue(src, vars) {
    const quote = src[0] === '"' || src[0] === "'" ? src[0] : null;
    if (quote === null) {
        let endOfLine = indexFunc(src, (r) => r === 0x0a || r === 0x0d);
        if (endOfLine === -1) {
            endOfLine = src.length;
            if (endOfLine === 0) return ["", ""];
        }
        const line = runes(src.slice(0, endOfLine));
        let endOfVar = line.length;
        if (endOfVar === 0) return ["", src.slice(endOfLine)];
        for (let i = endOfVar - 1; i >= 0; i--) {
            if (line[i] === 0x23 && i > 0 && isSpace15(line[i - 1])) {
                endOfVar = i;
                break;
            }
        }
        const text = line
            .slice(0, endOfVar)
            .map((r) => encodeRune(r))
            .join("");
        const trimmed = trimRightFunc(trimLeftFunc(text, isSpace15), isSpace15);
        return [expandVariables(trimmed, vars), src.slice(endOfLine)];
    }
    for (let i = 1; i < src.length; i++) {
        if (src[i] !== quote) continue;
        if (src[i - 1] === "\\") continue;
        const isQuote = (r) => r === quote.charCodeAt(0);
        let value = trimLeftFunc(trimRightFunc(src.slice(0, i), isQuote), isQuote);
        if (quote === '"') value = expandVariables(expandEscapes(value), vars);
        return [value, src.slice(i + 1)];
    }
    let valEnd = src.indexOf("\n");
    if (valEnd === -1) valEnd = src.length;
    throw new GodotenvError(`unterminated quoted value ${src.slice(0, valEnd)}`);
}

// Go regexps on bytes; `.` is any character but \n (one byte here: the
// matched text is kept or the escape dropped, so the width never matters).
function expandEscapes(str) {
    const out = str.replace(/\\[^\n]/g, (m) => {
        const c = m.slice(1);
        return c === "n" ? "\n" : c === "r" ? "\r" : m;
    });
    return out.replace(/\\([^$])/g, "$1");
}
function expandVariables(v, m) {
    return v.replace(/(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?/g, (s, g1, _g2, _g3, g4) => {
        if ((g1 ?? "") === "\\") return s.slice(1);
        if ((g4 ?? "") !== "") return m.get(g4) ?? "";
        return s;
    });
}

// ------------------------------------------------------------ v1.2.0
const MAX_TOKEN = 64 * 1024; // bufio.MaxScanTokenSize
const v12 = {
    version: "v1.2.0",
    marshal(env) {
        const lines = [];
        for (const [k, v] of env) lines.push(`${k}="${doubleQuoteEscape(v)}"`);
        return sortBytes(lines).join("\n");
    },
    /** godotenv.Write's file content: no trailing newline in v1.2.0. */
    write(env) {
        return this.marshal(env);
    },
    parse(src) {
        const env = new Map();
        // bufio.Scanner + ScanLines: split at \n, drop one trailing \r; a
        // line that cannot fit the 64 KiB buffer with one byte to spare fails
        // the whole read (ErrTooLong), after the lines before it are kept.
        const lines = [];
        let err = null;
        let i = 0;
        while (i < src.length) {
            const nl = src.indexOf("\n", i);
            const end = nl === -1 ? src.length : nl;
            if (end - i >= MAX_TOKEN) {
                err = "bufio.Scanner: token too long";
                break;
            }
            let line = src.slice(i, end);
            if (line.endsWith("\r")) line = line.slice(0, -1);
            lines.push(line);
            i = nl === -1 ? src.length : nl + 1;
        }
        if (err !== null) throw new GodotenvError(err);
        for (const full of lines) {
            if (isIgnoredLine(full)) continue;
            const [k, v] = parseLine12(full);
            env.set(k, v);
        }
        return env;
    },
};

function trimSet(s, set) {
    let a = 0;
    let b = s.length;
    while (a < b && set.includes(s[a])) a++;
    while (b > a && set.includes(s[b - 1])) b--;
    return s.slice(a, b);
}
function isIgnoredLine(line) {
    const t = trimSet(line, " \n\t");
    return t.length === 0 || t.startsWith("#");
}
const count = (s, c) => s.split(c).length - 1;

function parseLine12(line) {
    if (line.length === 0) throw new GodotenvError("zero length string");
    // "ditch the comments (but keep quoted hashes)"
    if (line.includes("#")) {
        let open = false;
        const keep = [];
        for (const seg of line.split("#")) {
            if (count(seg, '"') === 1 || count(seg, "'") === 1) {
                if (open) {
                    open = false;
                    keep.push(seg);
                } else {
                    open = true;
                }
            }
            if (keep.length === 0 || open) keep.push(seg);
        }
        line = keep.join("#");
    }
    const firstEquals = line.indexOf("=");
    const firstColon = line.indexOf(":");
    let sep = "=";
    if (firstColon !== -1 && (firstColon < firstEquals || firstEquals === -1)) sep = ":";
    const at = line.indexOf(sep);
    if (at === -1) throw new GodotenvError("Can't separate key from value");
    let key = line.slice(0, at);
    if (key.startsWith("export")) key = key.slice("export".length);
    key = trimSet(key, " ");
    return [key, parseValue12(line.slice(at + 1))];
}
function parseValue12(value) {
    value = trimSet(value, " ");
    if (value.length > 1) {
        const first = value[0];
        const last = value[value.length - 1];
        if (first === last && (first === '"' || first === "'")) {
            value = value.slice(1, -1).replace(/\\[^\n]/g, (m) => {
                const c = m.slice(1);
                return c === "n" ? "\n" : c === "r" ? "\r" : c;
            });
        }
    }
    return value;
}

// ------------------------------------------------------------ encoding/json
/** encoding/json.Marshal of a map[string]string (keys sorted bytewise). */
function goJsonString(b) {
    // Invalid UTF-8 becomes U+FFFD, one per byte Go's decoder rejects.
    const text = runes(b)
        .map((r) => String.fromCodePoint(r))
        .join("");
    return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (c) => {
        return "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
    });
}
function goJsonMap(env) {
    const keys = sortBytes([...env.keys()]);
    return "{" + keys.map((k) => `${goJsonString(k)}:${goJsonString(env.get(k))}`).join(",") + "}";
}
function goJsonList(env) {
    const keys = sortBytes([...env.keys()]);
    if (keys.length === 0) return "null";
    return (
        "[" +
        keys
            .map((k) => `{"name":${goJsonString(k)},"value":${goJsonString(env.get(k))}}`)
            .join(",") +
        "]"
    );
}

/** Which godotenv a Dokku version uses (plugins/config/go.mod). */
function forDokku(fullVersion) {
    const [maj, min, patch] = fullVersion.split(".").map(Number);
    if (maj === 0 && (min < 37 || (min === 37 && patch < 8))) return v12;
    return v15;
}

module.exports = {
    GodotenvError,
    bytes,
    toBuffer,
    v15,
    v12,
    forDokku,
    atoi,
    sortBytes,
    goJsonMap,
    goJsonList,
};
