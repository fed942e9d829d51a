/**
 * `npm run plan`: the offline plan. Runs the real program on a stack's
 * config under Pulumi's mock engine and prints every resource it would
 * register, with `--scripts` the exact script each remote command would run
 * (its short create/delete text and the stdin that carries the scripts).
 * Contacts no host unless `--probe` (then the program's read-only probe runs,
 * as at `pulumi preview`).
 */
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, PRIVATE_KEY, namespaceValues, rawFromValues } from "../config/raw";
import { Observed } from "../host/probe";
import { readStackConfig } from "../io/pulumi-config";
import { ROOT_NAME, runStack } from "../program";
import { CONFIG_SOURCE_HELP, parseCommandLine } from "./args";
import { installMocks, recorded } from "./plan-mocks";

const HELP = `Usage: npm run plan -- [--stack NAME | --config-file FILE] [--scripts] [--probe]

The offline plan: the real program on a stack's config under Pulumi's mock
engine: every resource it would register (root "${ROOT_NAME}") and the summary.
Nothing connects to any host unless --probe.

${CONFIG_SOURCE_HELP}
  --scripts               also print the exact create/update and delete script of
                          every remote command
  --probe                 read the host as pulumi preview does (read-only SSH: drift,
                          discovered apps, missing apps); without it the host is
                          taken as never read
`;

/** The probe of a plan that contacts nothing: the host is taken as never read. */
async function notRead(): Promise<Observed> {
    return { apps: [], state: {} };
}

async function main(argv: string[]): Promise<number> {
    const cl = parseCommandLine(argv, ["scripts", "probe"] as const);
    if (cl.help) {
        process.stdout.write(HELP);
        return 0;
    }
    const { values, secretKeys } = readStackConfig(cl);
    installMocks();
    pulumi.runtime.setAllConfig(values, secretKeys);
    const outputs = await runStack({
        raw: rawFromValues(namespaceValues(values)),
        privateKey: new pulumi.Config(CONFIG_NAMESPACE).getSecret(PRIVATE_KEY),
        ...(cl.flags.probe ? {} : { probe: notRead }),
    });
    await new Promise((r) => setTimeout(r, 100));
    const summary = await new Promise<unknown>((resolve) => outputs.summary.apply(resolve));
    const commands = recorded.filter((r) => r.type === "command:remote:Command");
    console.log(
        `Plan (offline, mock engine): ${recorded.length} resources, ${commands.length} remote commands` +
            (cl.flags.probe
                ? "; host read (--probe)\n"
                : "; host not contacted (--probe reads it)\n"),
    );
    for (const r of recorded) console.log(`  + ${r.type}  ${r.name}`);
    console.log(`\n${String(summary)}\n`);
    if (cl.flags.scripts) {
        for (const c of commands) {
            console.log(
                `----- ${c.name}: create/update \`${String(c.inputs.create)}\`, delete \`${String(c.inputs.delete)}\`, stdin: -----\n${String(c.inputs.stdin)}`,
            );
        }
    } else {
        console.log("(add --scripts to print the exact script of every remote command)");
    }
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
        process.stderr.write(`plan: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    },
);
