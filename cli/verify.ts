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
import { FleetHost, validateFleet } from "../config/fleet";
import { Settings } from "../config/types";
import { validateSettings } from "../config/validate";
import { parseReportOutput, reportScript } from "../host/facts";
import { readStackConfig } from "../io/pulumi-config";
import { runSsh } from "../io/ssh";
import { buildDesiredState } from "../model/desired-state";
import { formatReport } from "../report/format";
import { HostReport, buildReport } from "../report/host-report";
import { CONFIG_SOURCE_HELP, exitAfterFlush, parseCommandLine } from "./args";

const HELP = `Usage: npm run verify -- [--stack NAME | --config-file FILE] [--host NAME] [--json]

The host report: one read-only SSH session to the stack's host (no writes, no
restarts): per app its mounts and env, per cache its size, owner and mode,
Docker's build cache, the prune schedule, builder GC, free disk, unmanaged apps.
Exit 0 in sync, 1 on drift, 2 when the host cannot be read.
A stack with \`hosts\`: one section per host (read in parallel) and a fleet
summary line; the exit code is the worst host's.

${CONFIG_SOURCE_HELP}
  --host NAME[,NAME]      only these hosts of \`hosts\`
  --json                  the report as JSON
`;

/** Validates the config, reads the host (one read-only session) and compares. */
export async function verifyHost(
    raw: RawSettings,
    privateKey: string,
    ssh: typeof runSsh = runSsh,
): Promise<HostReport> {
    return verifySettings(validateSettings({ ...raw, privateKey }), privateKey, ssh);
}

/** One host's report from its validated settings (one read-only session). */
export async function verifySettings(
    settings: Settings,
    privateKey: string,
    ssh: typeof runSsh = runSsh,
): Promise<HostReport> {
    const base = buildDesiredState(settings);
    const c = settings.connection;
    const r = await ssh(c, privateKey, reportScript(base, settings.discover.enabled));
    if (r.code !== 0) {
        throw new Error(
            `cannot read ${c.user}@${c.host}:${c.port} (ssh exit ${r.code}): ${r.stderr.trim()}`,
        );
    }
    const { observed, facts, dockerfile } = parseReportOutput(r.stdout);
    const desired = buildDesiredState(
        settings,
        observed.apps.filter((a) => !checkAppName(a)),
    );
    return buildReport(desired, observed, facts, `${c.user}@${c.host}:${c.port}`, dockerfile);
}

/** One host of a fleet: its report, or why it could not be read; exit 0 in sync, 1 drift, 2 error. */
export interface FleetHostReport {
    name: string;
    exit: 0 | 1 | 2;
    report?: HostReport;
    error?: string;
}

export interface FleetReport {
    hosts: FleetHostReport[];
    /** The worst host's exit code. */
    exit: 0 | 1 | 2;
    /** `fleet: 3 hosts: 1 in sync (a), 1 drifted (b), 1 unreadable (c)`. */
    summary: string;
}

/** Keeps the hosts named in `only` (a comma list); an unknown name is an error listing the names. */
function selectHosts(hosts: FleetHost[], only: string | undefined): FleetHost[] {
    if (only === undefined) return hosts;
    const want = only.split(",").map((n) => n.trim());
    const names = hosts.map((h) => h.name);
    const unknown = want.filter((n) => !names.includes(n));
    if (unknown.length > 0) {
        throw new Error(
            `--host ${unknown.join(",")}: no such host in the stack; its hosts: ${names.join(", ")}`,
        );
    }
    return hosts.filter((h) => want.includes(h.name));
}

export function fleetSummary(hosts: readonly FleetHostReport[]): string {
    const part = (exit: number, label: string) => {
        const n = hosts.filter((h) => h.exit === exit).map((h) => h.name);
        return n.length ? [`${n.length} ${label} (${n.join(", ")})`] : [];
    };
    const parts = [...part(0, "in sync"), ...part(1, "drifted"), ...part(2, "unreadable")];
    return `fleet: ${hosts.length} host${hosts.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
}

/**
 * Every host of the stack (or those `only` names), read in parallel, one
 * read-only session each; a host that cannot be read is reported, not fatal.
 */
export async function verifyFleet(
    raw: RawSettings,
    sharedKey: string | undefined,
    only?: string,
    ssh: typeof runSsh = runSsh,
): Promise<FleetReport> {
    const fleet = validateFleet(sharedKey === undefined ? raw : { ...raw, privateKey: sharedKey });
    const hosts = await Promise.all(
        selectHosts(fleet.hosts, only).map(async (h): Promise<FleetHostReport> => {
            try {
                const report = await verifySettings(h.settings, h.privateKey, ssh);
                return { name: h.name, exit: report.inSync ? 0 : 1, report };
            } catch (e) {
                return { name: h.name, exit: 2, error: e instanceof Error ? e.message : String(e) };
            }
        }),
    );
    const exit = Math.max(0, ...hosts.map((h) => h.exit)) as 0 | 1 | 2;
    return { hosts, exit, summary: fleetSummary(hosts) };
}

/** The fleet report as text: one section per host, then the summary line. */
export function formatFleet(f: FleetReport): string {
    const sections = f.hosts.map(
        (h) =>
            `=== host ${h.name} ===\n` +
            (h.report ? formatReport(h.report) : `cannot be read: ${h.error}\n`),
    );
    return sections.join("\n") + `\n${f.summary}\n`;
}

async function main(argv: string[]): Promise<number> {
    const cl = parseCommandLine(argv, ["json"] as const, ["host"] as const);
    if (cl.help) {
        process.stdout.write(HELP);
        return 0;
    }
    const values = namespaceValues(readStackConfig(cl).values);
    const key = values[PRIVATE_KEY];
    const raw = rawFromValues(values);
    if (raw.hosts !== undefined) {
        const f = await verifyFleet(raw, key, cl.options.host);
        process.stdout.write(cl.flags.json ? JSON.stringify(f, null, 2) + "\n" : formatFleet(f));
        return f.exit;
    }
    if (cl.options.host !== undefined) {
        throw new Error("--host: this stack has no hosts list (it is the single-host form)");
    }
    if (!key) throw new Error(`${CONFIG_NAMESPACE}:${PRIVATE_KEY} is not set in the stack`);
    const report = await verifyHost(raw, key);
    process.stdout.write(
        cl.flags.json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report),
    );
    return report.inSync ? 0 : 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => exitAfterFlush(code),
        (e: unknown) => {
            process.stderr.write(`verify: ${e instanceof Error ? e.message : String(e)}\n`);
            exitAfterFlush(2);
        },
    );
}
