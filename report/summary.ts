/**
 * What the stack outputs say about the desired state: per app its mounts,
 * env and what the caches do for it, and a few lines a person can read.
 */
import { AppDesired, DesiredState, MountSpec } from "../model/desired-state";

/**
 * Keyed by what a user recognizes, so that `pulumi preview --diff` shows a
 * change of the stack as `+ /root/.cache/npm: …` (the engine diffs a map by
 * key; a list diff shifts every index after an insertion).
 */
export interface AppSummary {
    /** Container path → host path, with ` (read-only)` for a read-only mount. */
    mounts: Record<string, string>;
    /** Env key → value. */
    env: Record<string, string>;
    /** Build-phase docker-option → the buildpack builders it is added for (`herokuish`, `pack`). */
    buildOptions: Record<string, string>;
    builder: string;
    discovered: boolean;
    cachesHelpBuild: boolean;
    buildNote: string;
    /** Dockerfile apps only: per cache, the Dockerfile line that shares it with the build (rules/dockerfile.ts). */
    dockerfileLines?: Record<string, string>;
}

/** An app's mounts keyed by container path (outputs `apps.<app>.mounts` and the app's `mounts`). */
export function mountsByPath(
    mounts: readonly Pick<MountSpec, "hostPath" | "containerPath" | "readOnly">[],
): Record<string, string> {
    return Object.fromEntries(
        mounts.map((m) => [m.containerPath, m.hostPath + (m.readOnly ? " (read-only)" : "")]),
    );
}

/** An app's build-phase docker-options keyed by their text, each with the builders it is for. */
export function buildOptionsByText(b: AppDesired["buildOptions"]): Record<string, string> {
    const out: Record<string, string[]> = {};
    for (const builder of ["herokuish", "pack"] as const) {
        for (const o of b[builder]) (out[o] ??= []).push(builder);
    }
    return Object.fromEntries(Object.entries(out).map(([o, bs]) => [o, bs.join(", ")]));
}

/**
 * One app's last converge result (the script's `DOKKU_SHARED_CACHE_RESULT`
 * line, host/app-converge.ts) as the stack output `lastRuns.<app>`: its lists
 * turned into maps keyed by container path (`mounts`), env key (`env`) and
 * build option (`build`), each saying what the run did to it, so that a
 * preview shows an app's entry leaving or changing by name, not by index.
 */
export function lastRunView(r: Record<string, unknown>): Record<string, unknown> {
    const list = (k: string) => (Array.isArray(r[k]) ? (r[k] as unknown[]).map(String) : []);
    const byPath = (specs: string[], what: string) =>
        specs.map((m) => [m.split(":")[1] ?? m, what] as const);
    const mounts = Object.fromEntries([
        ...byPath(list("unmounted"), "unmounted"),
        ...byPath(list("mounted"), "mounted"),
        ...byPath(list("remounted"), "remounted"),
        ...byPath(list("migrated"), "migrated to a storage entry"),
    ]);
    const env = Object.fromEntries([
        ...list("envUnset").map((k) => [k, "unset"] as const),
        ...list("envSet").map((k) => [k, "set"] as const),
        ...list("envRestored").map((k) => [k, "restored to the value before ours"] as const),
    ]);
    const build = Object.fromEntries([
        ...list("buildRemoved").map((o) => [o, "removed"] as const),
        ...list("buildAdded").map((o) => [o, "added"] as const),
    ]);
    const rest = Object.fromEntries(
        Object.entries(r).filter(
            ([k]) =>
                ![
                    "mounted",
                    "remounted",
                    "unmounted",
                    "migrated",
                    "envSet",
                    "envRestored",
                    "envUnset",
                    "buildAdded",
                    "buildRemoved",
                ].includes(k),
        ),
    );
    return { ...rest, mounts, env, build };
}

/** Per app: mounts, env, builder and what the caches do for it (stack output `apps`). */
export function appSummary(d: DesiredState): Record<string, AppSummary> {
    return Object.fromEntries(
        d.apps.map((a) => [
            a.name,
            {
                mounts: mountsByPath(a.mounts),
                env: a.env,
                buildOptions: buildOptionsByText(a.buildOptions),
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
