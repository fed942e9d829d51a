/**
 * Host report: connects to a stack's Dokku host read-only and prints what is
 * there (mounts, env, caches, build cache, disk, unmanaged apps). Exit 0 in
 * sync, 1 drift, 2 error. Machine-readable with --json.
 *
 *   npm run verify -- --stack prod [--json]
 *   pulumi config --json --show-secrets -s prod | npm run -s verify -- --config-file - [--json]
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    CONFIG_NAMESPACE,
    ConfigJsonEntry,
    configGetter,
    rawFromConfig,
} from "../components/config";
import { formatReport } from "../components/report";
import { verifyHost } from "../components/verify";

function readConfig(args: string[]): Record<string, ConfigJsonEntry> {
    const file = args[args.indexOf("--config-file") + 1];
    if (args.includes("--config-file")) {
        return JSON.parse(fs.readFileSync(file === "-" ? 0 : file, "utf8")) as Record<
            string,
            ConfigJsonEntry
        >;
    }
    const stack = args.includes("--stack") ? args[args.indexOf("--stack") + 1] : undefined;
    // The project's engine and settings (scripts/pulumi.sh): a bare `pulumi` may not be on PATH.
    const out = execFileSync(
        "bash",
        [
            path.resolve(__dirname, "pulumi.sh"),
            "config",
            "--json",
            "--show-secrets",
            ...(stack ? ["--stack", stack] : []),
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    return JSON.parse(out) as Record<string, ConfigJsonEntry>;
}

async function main(): Promise<number> {
    const args = process.argv.slice(2);
    const cfg = readConfig(args);
    const get = configGetter(cfg);
    const key = get("privateKey");
    if (!key) throw new Error(`${CONFIG_NAMESPACE}:privateKey is not set in the stack`);
    const report = await verifyHost(rawFromConfig(get), key);
    process.stdout.write(
        args.includes("--json") ? JSON.stringify(report, null, 2) + "\n" : formatReport(report),
    );
    return report.inSync ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (e: unknown) => {
        process.stderr.write(`verify: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(2);
    },
);
