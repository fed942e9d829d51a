/**
 * Reading a stack's configuration the way Pulumi does, for the user's
 * commands (`npm run plan`, `npm run verify`): `pulumi config --json
 * --show-secrets [-s NAME]` through the project's engine (scripts/pulumi.sh),
 * so the secret is decrypted by Pulumi (its passphrase or secrets provider),
 * or a file holding that same JSON.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ConfigJsonEntry, configJsonMap } from "../config/raw";

/** `npm run pulumi`: any pulumi command with the project's engine, run in the project folder. */
export const PULUMI_SH = path.resolve(__dirname, "..", "scripts", "pulumi.sh");

/** Where a command reads the stack config from. */
export interface ConfigSource {
    /** Stack name for `pulumi config -s`; undefined = the selected stack. */
    stack?: string;
    /** A file with `pulumi config --json --show-secrets` output (`-` = stdin); wins over `stack`. */
    configFile?: string;
}

/** The stack's full config map (`ns:key` → value, secrets decrypted) and which keys are secret. */
export function readStackConfig(src: ConfigSource): {
    values: Record<string, string>;
    secretKeys: string[];
} {
    let text: string;
    if (src.configFile !== undefined) {
        text = fs.readFileSync(src.configFile === "-" ? 0 : src.configFile, "utf8");
    } else {
        const args = [
            "config",
            "--json",
            "--show-secrets",
            ...(src.stack ? ["-s", src.stack] : []),
        ];
        try {
            // The project's engine and settings: a bare `pulumi` may not be on PATH.
            text = execFileSync("bash", [PULUMI_SH, ...args], {
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
            });
        } catch (e) {
            const err = e as Error & { stderr?: string };
            throw new Error(
                `npm run pulumi -- ${args.join(" ")} failed: ${(err.stderr || err.message).trim()}`,
            );
        }
    }
    const cfg = JSON.parse(text) as Record<string, ConfigJsonEntry>;
    return {
        values: configJsonMap(cfg),
        secretKeys: Object.entries(cfg)
            .filter(([, e]) => e.secret)
            .map(([k]) => k),
    };
}
