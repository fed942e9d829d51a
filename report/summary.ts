/**
 * What the stack outputs say about the desired state: per app its mounts,
 * env and what the caches do for it, and a few lines a person can read.
 */
import { DesiredState, mountArg } from "../model/desired-state";

export interface AppSummary {
    mounts: string[];
    env: Record<string, string>;
    builder: string;
    discovered: boolean;
    cachesHelpBuild: boolean;
    buildNote: string;
    /** Dockerfile apps only: per cache, the Dockerfile line that shares it with the build (host/dockerfile-cache.ts). */
    dockerfileLines?: Record<string, string>;
}

/** Per app: mounts, env, builder and what the caches do for it (stack output `apps`). */
export function appSummary(d: DesiredState): Record<string, AppSummary> {
    return Object.fromEntries(
        d.apps.map((a) => [
            a.name,
            {
                mounts: a.mounts.map(mountArg),
                env: a.env,
                builder: a.builder,
                discovered: a.discovered,
                cachesHelpBuild: a.cachesHelpBuild,
                buildNote: a.buildNote,
                ...(a.dockerfileLines.length
                    ? { dockerfileLines: dockerfileLinesOutput(a.dockerfileLines) }
                    : {}),
            },
        ]),
    );
}

/** The `dockerfileLines` output: cache name → its Dockerfile line. */
export function dockerfileLinesOutput(
    lines: readonly { cache: string; line: string }[],
): Record<string, string> {
    return Object.fromEntries(lines.map((l) => [l.cache, l.line]));
}

/** The human-readable summary exported as a stack output. */
export function summaryText(d: DesiredState): string {
    const lines = [
        `${d.dirs.length} shared cache dir(s) under ${d.sharedRoot}: ${d.dirs.map((x) => x.name).join(", ")}`,
        `${d.apps.length} managed app(s); after a change: ${d.afterChange} (at most ${d.maxParallelRestarts} at once, deployed apps only)`,
    ];
    for (const a of d.apps) {
        lines.push(
            `  ${a.name}${a.discovered ? " (discovered)" : ""}${a.group ? ` [group ${a.group}]` : ""}: ${a.mounts.map((m) => m.cache + (m.readOnly ? " (ro)" : "")).join(", ") || "no caches"}; builds use caches: ${a.cachesHelpBuild ? "yes, build and run" : "no"} (${a.builder})`,
        );
    }
    lines.push("Dokku mounts reach deploy and run containers only, never an image build.");
    const b = d.buildCache;
    lines.push(
        b
            ? `Docker build cache: prune ${b.schedule === "off" ? "not scheduled" : b.schedule} (unused > ${b.olderThan}, then down to ${b.maxSize})${b.pruneNow ? `; one-off prune "${b.pruneNow}"` : ""}${b.gc ? `; daemon.json builder.gc (max ${b.gc.maxUsedSpace}, needs a Docker restart you do yourself)` : ""}`
            : "Docker build cache: not managed (buildCache: false)",
    );
    if (d.warmup.playwright) {
        lines.push(
            `Warm-up: ${d.warmup.playwright.cache} from ${d.warmup.playwright.image} (one-shot container)`,
        );
    }
    return lines.join("\n");
}
