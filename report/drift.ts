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
 * ("" when in sync). A drifted app gets the next drift repair generation (program.ts).
 */
export function driftOf(
    app: Pick<AppDesired, "mounts" | "env">,
    observed: ObservedApp | undefined,
): string {
    if (!observed) return "";
    if (!observed.exists) return "app missing on host";
    const problems: string[] = [];
    for (const m of app.mounts) {
        if (!mountPresent(observed, m)) problems.push(`mount ${m.containerPath} missing`);
    }
    for (const [k, v] of Object.entries(app.env)) {
        if (observed.env[k] !== v)
            problems.push(`env ${k} ${k in observed.env ? "differs" : "missing"}`);
    }
    // Build-phase options this program added (host/build-options.ts) that the host lost.
    for (const o of observed.build?.missing ?? []) {
        problems.push(`build option ${o.split(":")[1] ?? o} missing`);
    }
    return problems.join("; ");
}
