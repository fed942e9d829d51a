/**
 * `npm run verify`'s section on Dockerfile builds (its own section, apart from
 * the rest of the host report): per Dockerfile app whether Dokku builds it
 * with BuildKit and whether its last deployed Dockerfile carries the cache
 * lines, and the BuildKit cache mounts on the host against their bound.
 * Pure: what host/dockerfile-cache.ts's script read, and the desired state.
 */
import { sizeBytes } from "../rules/size-units";
import { DockerfileFacts } from "../host/dockerfile-cache";
import {
    BuildkitVerdict,
    CacheMountUsage,
    buildkitVerdict,
    cacheMountUsage,
    idsCarried,
} from "../rules/dockerfile";
import { DesiredState } from "../model/desired-state";
import { humanBytes } from "./bytes";

export interface DockerfileAppReport {
    name: string;
    /** The builder as the host resolves it (`dockerfile`, or another when `unknown` was declared). */
    builder: string;
    buildkit: BuildkitVerdict;
    dockerfilePath: string;
    /** False when no Dockerfile could be read from the app's repo (never deployed from git). */
    dockerfileRead: boolean;
    /** Cache lines (by id) the Dockerfile carries, and those it does not. */
    carried: string[];
    missing: string[];
    /** True only when the Dockerfile carries every line and Dokku builds with BuildKit. */
    cachesHelpBuild: boolean;
}

export interface DockerfileBuildsReport {
    apps: DockerfileAppReport[];
    cacheMounts: CacheMountUsage;
    /** The bound cache mounts count against (bytes) and where it comes from; null: none set. */
    bound: { bytes: number; from: string } | null;
    overBound: boolean;
    problems: string[];
    notes: string[];
}

/** The section's data. */
export function dockerfileBuildsReport(
    d: Pick<DesiredState, "apps" | "buildCache">,
    f: DockerfileFacts,
): DockerfileBuildsReport {
    const problems: string[] = [];
    const notes: string[] = [];
    const apps: DockerfileAppReport[] = [];
    for (const a of d.apps) {
        if (a.dockerfileLines.length === 0) continue;
        const h = f.apps[a.name];
        if (!h || h.builder !== "dockerfile") continue;
        const buildkit = buildkitVerdict({
            client: f.client,
            buildx: f.buildx !== "",
            hostEnv: f.hostEnv,
            appEnv: h.appEnv,
            daemonBuildkit: f.daemonBuildkit,
        });
        const text =
            h.dockerfile === null ? null : Buffer.from(h.dockerfile, "base64").toString("utf8");
        const ids = a.dockerfileLines.map((l) => l.id);
        const carried = text === null ? [] : idsCarried(text, ids);
        const missing = ids.filter((i) => !carried.includes(i));
        const helps = missing.length === 0 && buildkit.buildkit;
        apps.push({
            name: a.name,
            builder: h.builder,
            buildkit,
            dockerfilePath: h.dockerfilePath,
            dockerfileRead: text !== null,
            carried,
            missing,
            cachesHelpBuild: helps,
        });
        if (carried.length > 0 && !buildkit.buildkit) {
            problems.push(
                `app ${a.name}: its Dockerfile (${h.dockerfilePath}) carries RUN --mount=type=cache, but Dokku builds it without BuildKit (${buildkit.why}), so its next deploy fails: ${buildkit.fix}`,
            );
        } else if (text === null) {
            notes.push(
                `app ${a.name}: no ${h.dockerfilePath} in its repo (never deployed from git?): its builds are not known to use the caches`,
            );
        } else if (missing.length > 0) {
            const lines = a.dockerfileLines.filter((l) => missing.includes(l.id));
            notes.push(
                `app ${a.name}: its Dockerfile (${h.dockerfilePath}) does not carry ${missing.join(", ")}: the caches help at run time only. Add: ${lines.map((l) => l.line).join(" | ")}`,
            );
            if (!buildkit.buildkit) {
                notes.push(
                    `app ${a.name}: Dokku builds it without BuildKit (${buildkit.why}); the lines need it: ${buildkit.fix}`,
                );
            }
        }
    }
    const cacheMounts = cacheMountUsage(f.buildCache ?? [], f.snapshotBytes ?? {});
    const b = d.buildCache;
    const bound = b
        ? b.gc
            ? {
                  bytes: Math.min(
                      Number(sizeBytes(b.maxSize)),
                      Number(sizeBytes(b.gc.maxUsedSpace)),
                  ),
                  from: "buildCache.maxSize / buildCache.gc.maxUsedSpace (the whole build cache)",
              }
            : {
                  bytes: Number(sizeBytes(b.maxSize)),
                  from: "buildCache.maxSize (the whole build cache)",
              }
        : null;
    const overBound = bound !== null && cacheMounts.totalBytes > bound.bytes;
    if (overBound) {
        problems.push(
            `build cache mounts: ${humanBytes(cacheMounts.totalBytes)} on disk, over the bound of ${humanBytes(bound.bytes)} (${bound.from})` +
                (cacheMounts.dockerBytes < cacheMounts.totalBytes
                    ? `; Docker counts them as ${humanBytes(cacheMounts.dockerBytes)}, so its GC and size prune do not see them`
                    : "") +
                ": docker builder prune -f --filter type=exec.cachemount reclaims them (the next build fills them again)",
        );
    }
    return { apps, cacheMounts, bound, overBound, problems, notes };
}

/** The section as text. */
export function dockerfileBuildsLines(r: DockerfileBuildsReport): string[] {
    const out = ["Dockerfile builds (BuildKit cache mounts):"];
    for (const a of r.apps) {
        out.push(
            `  ${a.name}: BuildKit ${a.buildkit.buildkit ? "yes" : "NO"} (${a.buildkit.why}); ${a.dockerfilePath} ${
                !a.dockerfileRead
                    ? "not found in the repo"
                    : a.missing.length === 0
                      ? `carries ${a.carried.join(", ")}`
                      : `lacks ${a.missing.join(", ")}`
            }; caches help the build: ${a.cachesHelpBuild ? "yes" : "no"}`,
        );
    }
    if (r.apps.length === 0) out.push("  (no Dockerfile app)");
    const c = r.cacheMounts;
    const per = Object.entries(c.byKey)
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([k, v]) => `${k} ${humanBytes(v.bytes)}`)
        .join(", ");
    out.push(
        `  cache mounts (${c.count} record${c.count === 1 ? "" : "s"}): ${humanBytes(c.totalBytes)} on disk` +
            (c.dockerBytes !== c.totalBytes
                ? ` (Docker reports ${humanBytes(c.dockerBytes)})`
                : "") +
            (per ? `: ${per}` : "") +
            `; bound ${r.bound ? `${humanBytes(r.bound.bytes)} (${r.bound.from})` : "none (buildCache: false)"}${r.overBound ? " OVER" : ""}`,
    );
    out.push(...r.notes.map((n) => `  note: ${n}`));
    return out;
}
