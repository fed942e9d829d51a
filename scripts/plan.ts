/**
 * Offline plan: runs the real program (index.ts) against a stack's config
 * under Pulumi's mock engine and prints every resource it would register,
 * with the exact script each remote command would run. Nothing connects to
 * any host. Input: `pulumi config --json --show-secrets -s STACK` on stdin.
 *
 *   pulumi config --json --show-secrets -s example | npm run -s plan
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import { installMocks, recorded } from "../test/mock/mocks";

interface ConfigEntry {
    value: string;
    secret: boolean;
}

async function main(): Promise<void> {
    const cfg = JSON.parse(fs.readFileSync(0, "utf8")) as Record<string, ConfigEntry>;
    const values: Record<string, string> = {};
    const secrets: string[] = [];
    for (const [k, v] of Object.entries(cfg)) {
        values[k] = v.value;
        if (v.secret) secrets.push(k);
    }
    installMocks();
    pulumi.runtime.setAllConfig(values, secrets);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../index") as () => Promise<Record<string, pulumi.Output<unknown>>>;
    const outputs = await program();
    await new Promise((r) => setTimeout(r, 100));
    const summary = await new Promise<unknown>((resolve) => outputs.summary.apply(resolve));
    const commands = recorded.filter((r) => r.type === "command:remote:Command");
    console.log(
        `Plan (offline, mock engine): ${recorded.length} resources, ${commands.length} remote commands\n`,
    );
    for (const r of recorded) console.log(`  + ${r.type}  ${r.name}`);
    console.log(`\n${String(summary)}\n`);
    if (process.argv.includes("--scripts")) {
        for (const c of commands) {
            console.log(
                `----- ${c.name}: create/update \`${String(c.inputs.create)}\`, delete \`${String(c.inputs.delete)}\`, stdin: -----\n${String(c.inputs.stdin)}`,
            );
        }
    } else {
        console.log("(add --scripts to print the exact script of every remote command)");
    }
}

main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
});
