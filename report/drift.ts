/**
 * Drift: what the host has against what the stack wants, for one app. The one
 * mount-presence rule, shared by the program's drift repair and the host report.
 */
import { ObservedApp } from "../host/probe";
import { AppDesired, MountSpec } from "../model/desired-state";

/** Whether the host has `m` mounted (same host and container path; options aside). */
export function mountPresent(
    observed: Pick<ObservedApp, "mounts">,
    m: Pick<MountSpec, "hostPath" | "containerPath">,
): boolean {
    return observed.mounts.some(
        (o) => o.host_path === m.hostPath && o.container_path === m.containerPath,
    );
}

/**
 * What is missing or wrong on the host for one app, as a short stable text
 * ("" when in sync): of what the stack wants, what the last converge applied
 * (the ledger's record, when the probe read one) and the host lacks. A drifted app gets the next drift repair generation (program.ts).
 */
export function driftOf(
    app: Pick<AppDesired, "mounts" | "env">,
    observed: ObservedApp | undefined,
): string {
    if (!observed) return "";
    if (!observed.exists) return "app missing on host";
    const problems: string[] = [];
    // Only what the last converge applied (and the stack still wants) can have drifted:
    // the rest is a change of the stack, which the preview shows as the app's change.
    const applied = observed.applied ?? undefined;
    const wasApplied = (m: Pick<MountSpec, "hostPath" | "containerPath">) =>
        !applied || applied.mounts.some((a) => a.h === m.hostPath && a.c === m.containerPath);
    for (const m of app.mounts) {
        if (wasApplied(m) && !mountPresent(observed, m))
            problems.push(`mount ${m.containerPath} missing`);
    }
    for (const [k, v] of Object.entries(app.env)) {
        if (applied && applied.env[k] !== v) continue;
        if (observed.env[k] !== v)
            problems.push(`env ${k} ${k in observed.env ? "differs" : "missing"}`);
    }
    // Build-phase options this program added (host/build-options.ts) that the host lost.
    for (const o of observed.build?.missing ?? []) {
        problems.push(`build option ${o.split(":")[1] ?? o} missing`);
    }
    return problems.join("; ");
}
