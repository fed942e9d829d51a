/**
 * POSIX shell quoting for the host scripts: the one quoting function lives in
 * rules/shell-quote.ts (pure, below the model: the Dockerfile lines use it too);
 * here, the script headers built from it.
 */
import { shQuote } from "../rules/shell-quote";

export { shJoin, shQuote } from "../rules/shell-quote";

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
