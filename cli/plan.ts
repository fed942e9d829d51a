/**
 * `npm run plan`: the offline plan. Runs the real program on a stack's
 * config under Pulumi's mock engine and prints every resource it would
 * register, with `--scripts` the exact script each remote command would run
 * (its short create/delete text and the stdin that carries the scripts).
 * Contacts no host unless `--probe` (then the program's read-only probe runs,
 * as at `pulumi preview`).
 */
import * as pulumi from "@pulumi/pulumi";
import { DOKKU_SHARED_CACHE_TYPE } from "../components/dokku-shared-cache";
import { HOSTS_KEY } from "../config/fleet";
import { CONFIG_NAMESPACE, PRIVATE_KEY, namespaceValues, rawFromValues } from "../config/raw";
import { ConnectionSpec } from "../config/types";
import { Observed } from "../host/probe";
import { readStackConfig } from "../io/pulumi-config";
import { ROOT_NAME, runStack } from "../program";
import { CONFIG_SOURCE_HELP, exitAfterFlush, parseCommandLine } from "./args";
import { Recorded, byRoot, installMocks, recorded } from "./plan-mocks";

const HELP = `Usage: npm run plan -- [--stack NAME | --config-file FILE] [--scripts] [--probe]

The offline plan: the real program on a stack's config under Pulumi's mock
engine: every resource it would register (root "${ROOT_NAME}") and the summary;
with \`hosts\`, one section per host (its resources, commands and summary).
Nothing connects to any host unless --probe.

${CONFIG_SOURCE_HELP}
  --scripts               also print the exact create/update and delete script of
                          every remote command
  --probe                 read the host as pulumi preview does (read-only SSH: drift,
                          discovered apps, missing apps); without it the host is
                          taken as never read
`;

function valueOf(o: pulumi.Output<unknown>): Promise<string> {
    return new Promise((resolve) => o.apply((v) => resolve(String(v))));
}

function remoteCommands(list: readonly Recorded[]): Recorded[] {
    return list.filter((r) => r.type === "command:remote:Command");
}

function printScripts(commands: readonly Recorded[]): void {
    for (const c of commands) {
        console.log(
            `----- ${c.name}: create/update \`${String(c.inputs.create)}\`, delete \`${String(c.inputs.delete)}\`, stdin: -----\n${String(c.inputs.stdin)}`,
        );
    }
}

/** `host:port` of each \`hosts\` entry by name (the config is already validated by the program). */
function hostAddresses(values: Record<string, string>): Record<string, string> {
    const raw = rawFromValues(namespaceValues(values))[HOSTS_KEY];
    const list = Array.isArray(raw)
        ? (raw as { name?: unknown; connection?: ConnectionSpec }[])
        : [];
    return Object.fromEntries(
        list.map((h) => [String(h.name), `${h.connection?.host}:${h.connection?.port ?? 22}`]),
    );
}

/**
 * The hosts form: one section per host (its address, its resources and
 * remote commands, its summary, with --scripts its scripts), in the order of
 * \`hosts\`, then the fleet line.
 */
async function printFleet(
    hosts: Record<string, { summary: pulumi.Output<string> }>,
    addresses: Record<string, string>,
    contacted: string,
    scripts: boolean,
): Promise<void> {
    const groups = byRoot(recorded, DOKKU_SHARED_CACHE_TYPE);
    const names = Object.keys(hosts);
    console.log(
        `Plan (offline, mock engine): ${names.length} host(s), ${recorded.length} resources, ` +
            `${remoteCommands(recorded).length} remote commands; hosts ${contacted}`,
    );
    const outside = (groups.get("") ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack");
    if (outside.length > 0) {
        throw new Error(`resources under no host: ${outside.map((r) => r.name).join(", ")}`);
    }
    for (const name of names) {
        const mine = groups.get(name) ?? [];
        const commands = remoteCommands(mine);
        console.log(
            `\n== host ${name} (${addresses[name] ?? "?"}): ${mine.length} resources, ${commands.length} remote commands ==`,
        );
        for (const r of mine) console.log(`  + ${r.type}  ${r.name}`);
        console.log(`\n${await valueOf(hosts[name].summary)}`);
        if (scripts) {
            console.log("");
            printScripts(commands);
        }
    }
    console.log(`\nfleet: ${names.length} host(s)\n`);
}

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
    const contacted = cl.flags.probe ? "read (--probe)" : "not contacted (--probe reads them)";
    if ("hosts" in outputs) {
        await printFleet(outputs.hosts, hostAddresses(values), contacted, cl.flags.scripts);
    } else {
        const summary = await valueOf(outputs.summary);
        const commands = remoteCommands(recorded);
        console.log(
            `Plan (offline, mock engine): ${recorded.length} resources, ${commands.length} remote commands` +
                (cl.flags.probe
                    ? "; host read (--probe)\n"
                    : "; host not contacted (--probe reads it)\n"),
        );
        for (const r of recorded) console.log(`  + ${r.type}  ${r.name}`);
        console.log(`\n${summary}\n`);
        if (cl.flags.scripts) printScripts(commands);
    }
    if (!cl.flags.scripts) {
        console.log("(add --scripts to print the exact script of every remote command)");
    }
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => exitAfterFlush(code),
    (e: unknown) => {
        process.stderr.write(`plan: ${e instanceof Error ? e.message : String(e)}\n`);
        exitAfterFlush(1);
    },
);
