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

/**
 * A script's header: one `NAME='value'` line per entry, in order, every value through
 * {@link shQuote}. The script files a renderer joins after it read these names (their
 * `# reads:` contract, test/host/script-contracts.test.ts).
 */
export function shAssign(vars: Readonly<Record<string, string>>): string {
    return Object.entries(vars)
        .map(([name, value]) => {
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
                throw new Error(`not a shell name: ${name}`);
            return `${name}=${shQuote(value)}`;
        })
        .join("\n");
}

/** Script parts joined one per line: a header from {@link shAssign}, then script files. */
export function shLines(parts: readonly string[]): string {
    return parts.join("\n") + "\n";
}
