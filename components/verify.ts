/**
 * `npm run verify`: validates a stack's config, reads its host read-only in
 * one SSH session and builds the report. The only I/O is {@link runSsh}.
 */
import { RawSettings, checkAppName, validateSettings } from "./config";
import { runSsh } from "./host-probe";
import { buildDesiredState } from "./model";
import { HostReport, buildReport, parseReportOutput, reportScript } from "./report";

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
