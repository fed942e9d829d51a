/**
 * `npm run verify`: the host report. Validates a stack's config, reads its
 * host read-only in one SSH session and prints what is there (mounts, env,
 * caches, build cache, disk, unmanaged apps). Exit 0 in sync, 1 drift,
 * 2 error. Machine-readable with --json.
 */
import {
    CONFIG_NAMESPACE,
    PRIVATE_KEY,
    RawSettings,
    namespaceValues,
    rawFromValues,
} from "../config/raw";
import { checkAppName } from "../config/schema";
import { validateSettings } from "../config/validate";
import { parseReportOutput, reportScript } from "../host/facts";
import { readStackConfig } from "../io/pulumi-config";
import { runSsh } from "../io/ssh";
import { buildDesiredState } from "../model/desired-state";
import { formatReport } from "../report/format";
import { HostReport, buildReport } from "../report/host-report";
import { CONFIG_SOURCE_HELP, parseCommandLine } from "./args";

const HELP = `Usage: npm run verify -- [--stack NAME | --config-file FILE] [--json]

The host report: one read-only SSH session to the stack's host (no writes, no
restarts): per app its mounts and env, per cache its size, owner and mode,
Docker's build cache, the prune schedule, builder GC, free disk, unmanaged apps.
Exit 0 in sync, 1 on drift, 2 when the host cannot be read.

${CONFIG_SOURCE_HELP}
  --json                  the report as JSON
`;

/** Validates the config, reads the host (one read-only session) and compares. */
export async function verifyHost(
    raw: RawSettings,
    privateKey: string,
    ssh: typeof runSsh = runSsh,
): Promise<HostReport> {
    const settings = validateSettings({ ...raw, privateKey });
    const base = buildDesiredState(settings);
    const c = settings.connection;
    const r = await ssh(c, privateKey, reportScript(base, settings.discover.enabled));
    if (r.code !== 0) {
        throw new Error(
            `cannot read ${c.user}@${c.host}:${c.port} (ssh exit ${r.code}): ${r.stderr.trim()}`,
        );
    }
    const { observed, facts } = parseReportOutput(r.stdout);
    const desired = buildDesiredState(
        settings,
        observed.apps.filter((a) => !checkAppName(a)),
    );
    return buildReport(desired, observed, facts, `${c.user}@${c.host}:${c.port}`);
}

async function main(argv: string[]): Promise<number> {
    const cl = parseCommandLine(argv, ["json"] as const);
    if (cl.help) {
        process.stdout.write(HELP);
        return 0;
    }
    const values = namespaceValues(readStackConfig(cl).values);
    const key = values[PRIVATE_KEY];
    if (!key) throw new Error(`${CONFIG_NAMESPACE}:${PRIVATE_KEY} is not set in the stack`);
    const report = await verifyHost(rawFromValues(values), key);
    process.stdout.write(
        cl.flags.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report),
    );
    return report.inSync ? 0 : 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stderr.write(`verify: ${e instanceof Error ? e.message : String(e)}\n`);
            process.exit(2);
        },
    );
}
