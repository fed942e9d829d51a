/**
 * POSIX shell quoting. Every value interpolated into a generated script goes
 * through {@link shQuote}: the result is one single-quoted word that any
 * POSIX `sh` reads back as exactly the input bytes.
 */

/** Quote `value` as one POSIX shell word. `it's` becomes `'it'\''s'`. */
export function shQuote(value: string): string {
    if (value.includes("\0")) {
        throw new Error("a shell argument cannot contain a NUL byte");
    }
    return "'" + value.replace(/'/g, "'\\''") + "'";
}

/** Quote each value and join them with spaces. */
export function shJoin(values: readonly string[]): string {
    return values.map(shQuote).join(" ");
}
