/**
 * Command-line options shared by the user's commands: which stack's config
 * to read, and --help.
 */
import { parseArgs } from "util";
import { ConfigSource } from "../io/pulumi-config";

/** Parses `argv` with the shared options plus the command's own flags; unknown options are errors. */
export function parseCommandLine<F extends string, S extends string = never>(
    argv: string[],
    flags: readonly F[],
    strings: readonly S[] = [],
): ConfigSource & {
    help: boolean;
    flags: Record<F, boolean>;
    options: Partial<Record<S, string>>;
} {
    const { values } = parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: {
            stack: { type: "string", short: "s" },
            "config-file": { type: "string" },
            help: { type: "boolean", short: "h" },
            ...Object.fromEntries(flags.map((f) => [f, { type: "boolean" as const }])),
            ...Object.fromEntries(strings.map((o) => [o, { type: "string" as const }])),
        },
    });
    const v = values as Record<string, string | boolean | undefined>;
    return {
        stack: v.stack as string | undefined,
        configFile: v["config-file"] as string | undefined,
        help: v.help === true,
        flags: Object.fromEntries(flags.map((f) => [f, v[f] === true])) as Record<F, boolean>,
        options: Object.fromEntries(
            strings.filter((o) => typeof v[o] === "string").map((o) => [o, v[o]]),
        ) as Partial<Record<S, string>>,
    };
}

export const CONFIG_SOURCE_HELP = `  -s, --stack NAME        the stack whose config to read, through the Pulumi CLI
                          (pulumi config --json --show-secrets -s NAME: Pulumi decrypts the
                          secret with its passphrase or secrets provider); default the
                          selected stack
  --config-file FILE      read that JSON from FILE instead (- = stdin)
  -h, --help              this text`;

/**
 * Exits with `code` once stdout and stderr have taken everything written so far: `process.exit`
 * alone can cut a large output to a pipe (seen: `npm run plan -- --scripts`, 269 kB, cut at
 * 236 kB with exit 0 on a loaded machine), since Node.js may still hold queued writes.
 */
export function exitAfterFlush(code: number): void {
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}
