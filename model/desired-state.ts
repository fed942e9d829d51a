/**
 * The desired-state model: which cache directories exist, and which mounts
 * and env vars each managed app has. Pure: validated settings in, plain data
 * out.
 */
import { GROUPS_DIR } from "../config/defaults";
import {
    BuildOptions,
    buildCanWrite,
    buildNote as buildOptionsNote,
    cachesHelpBuild,
    wantedBuildOptions,
} from "../rules/builder";
import { DockerfileCacheLine, dockerfileCacheLines } from "../rules/dockerfile";
import {
    AfterChange,
    AppSpec,
    BuildCacheSpec,
    Builder,
    CacheBound,
    CacheSpec,
    DiskSpec,
    HostPathsSpec,
    Settings,
    WarmupSpec,
} from "../config/types";

export interface CacheDir {
    name: string;
    hostPath: string;
    owner: string;
    /** Octal mode, 4 digits (e.g. `0755`). */
    mode: string;
    /** The bound the scheduled job enforces; undefined only for hand-built settings (tests). */
    bound?: CacheBound;
}

export interface MountSpec {
    cache: string;
    hostPath: string;
    containerPath: string;
    readOnly: boolean;
}

/**
 * One app: its settings (config/schema.ts `apps[]`, every field but the cache lists, which
 * become `mounts` and `env`), and what they mean on the host. A new per-app setting reaches
 * the host scripts as a field here without a change to this file.
 */
export type AppDesired = Omit<AppSpec, "caches" | "readOnly"> & {
    /** True when the app came from `discover` rather than the `apps` list. */
    discovered: boolean;
    mounts: MountSpec[];
    env: Record<string, string>;
    /** What the caches can and cannot do for this app's builds, in one sentence. */
    buildNote: string;
    /**
     * Build-phase docker-options per buildpack builder (rules/builder.ts); the converge
     * picks by the builder declared, else the one `builder:report` gives on the host.
     */
    buildOptions: BuildOptions;
    /**
     * Whether the shared caches speed up this app's builds: true for herokuish and pack apps
     * whose build user can write them (build-phase docker-options), false for Dockerfile apps
     * (run time only) and for an undeclared builder (resolved on the host: lastRuns.builder).
     */
    cachesHelpBuild: boolean;
    /**
     * For a Dockerfile app (declared `dockerfile`, or `unknown`: resolved on the host), the
     * Dockerfile line per cache it uses: a BuildKit cache mount with the cache's fixed id
     * (rules/dockerfile.ts); empty for buildpack builders.
     */
    dockerfileLines: DockerfileCacheLine[];
};

export interface DesiredState {
    sharedRoot: string;
    stateDir: string;
    dirs: CacheDir[];
    apps: AppDesired[];
    afterChange: AfterChange;
    maxParallelRestarts: number;
    deployWaitSeconds: number;
    purgeRemovedCaches: boolean;
    /** Build cache bounding; undefined = leave Docker's build cache alone. */
    buildCache?: BuildCacheSpec;
    warmup: WarmupSpec;
    hostPaths: HostPathsSpec;
    /** Free-space threshold (first aid, `verify`). */
    disk: DiskSpec;
}

/** Host directory of a cache, for the host-wide share or for one cache group. */
export function cacheHostPath(sharedRoot: string, dir: string, group?: string): string {
    return group ? `${sharedRoot}/${GROUPS_DIR}/${group}/${dir}` : `${sharedRoot}/${dir}`;
}

/** Resource-name key of a cache directory: `pip`, or `pip@team-a` for a group's. */
export function cacheDirKey(cache: string, group?: string): string {
    return group ? `${cache}@${group}` : cache;
}

/** `host:container` or `host:container:ro`, the argument `dokku storage:mount` takes. */
export function mountArg(m: Pick<MountSpec, "hostPath" | "containerPath" | "readOnly">): string {
    return `${m.hostPath}:${m.containerPath}${m.readOnly ? ":ro" : ""}`;
}

function appDesired(
    app: AppSpec,
    discovered: boolean,
    caches: Map<string, CacheSpec>,
    sharedRoot: string,
): AppDesired {
    const { name, caches: cacheNames, readOnly, builder, group, ...rest } = app;
    const mounts: MountSpec[] = [];
    const env: Record<string, string> = {};
    for (const cn of [...cacheNames].sort()) {
        const c = caches.get(cn);
        if (!c) throw new Error(`internal: unknown cache ${cn}`);
        mounts.push({
            cache: cn,
            hostPath: cacheHostPath(sharedRoot, c.dir, group),
            containerPath: c.containerPath,
            readOnly: readOnly.includes(cn),
        });
        Object.assign(env, c.env);
    }
    const lines =
        builder === "dockerfile" || builder === "unknown"
            ? dockerfileCacheLines(mounts, caches, group)
            : [];
    return {
        name,
        builder,
        discovered,
        ...(group ? { group } : {}),
        ...rest,
        mounts,
        env: Object.fromEntries(
            Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        ),
        ...buildStory(builder, mounts, caches, lines),
        dockerfileLines: lines,
    };
}

/** What the caches do for the app's builds: the note, and whether the build can use (write) them. */
function buildStory(
    builder: Builder,
    mounts: readonly MountSpec[],
    caches: Map<string, CacheSpec>,
    lines: readonly DockerfileCacheLine[],
): Pick<AppDesired, "buildNote" | "cachesHelpBuild" | "buildOptions"> {
    const canWrite = (b: string, cn: string) => {
        const c = caches.get(cn);
        return c !== undefined && buildCanWrite(b, c.owner, c.mode, c.containerPath);
    };
    const unwritable = mounts
        .filter((m) => !m.readOnly && !canWrite(builder, m.cache))
        .map((m) => m.cache);
    const relevant = builder === "herokuish" || builder === "pack" ? unwritable : [];
    return {
        buildNote: buildOptionsNote(
            builder,
            relevant,
            lines.map((l) => l.line),
        ),
        cachesHelpBuild: cachesHelpBuild(builder, relevant),
        buildOptions:
            builder === "dockerfile"
                ? { herokuish: [], pack: [] }
                : wantedBuildOptions(mounts, canWrite),
    };
}

/**
 * Turns validated settings (and, with `discover`, the app names the host
 * listed) into the desired state. Apps are sorted by name; explicit entries
 * win over discovered ones.
 */
export function buildDesiredState(
    settings: Settings,
    hostApps: readonly string[] = [],
): DesiredState {
    const caches = new Map(settings.caches.map((c) => [c.name, c]));
    const apps = new Map<string, AppDesired>();
    for (const a of settings.apps) {
        apps.set(a.name, appDesired(a, false, caches, settings.sharedRoot));
    }
    if (settings.discover.enabled) {
        for (const name of hostApps) {
            if (apps.has(name) || settings.discover.exclude.includes(name)) continue;
            const { caches: cacheNames, builder } = settings.discover;
            const app: AppSpec = { name, caches: cacheNames, readOnly: [], builder };
            apps.set(name, appDesired(app, true, caches, settings.sharedRoot));
        }
    }
    return {
        sharedRoot: settings.sharedRoot,
        stateDir: settings.stateDir,
        dirs: [
            ...settings.caches.map((c) => ({
                name: c.name,
                hostPath: cacheHostPath(settings.sharedRoot, c.dir),
                owner: c.owner,
                mode: c.mode,
                ...(c.bound ? { bound: c.bound } : {}),
            })),
            ...groupDirs(settings),
        ],
        apps: [...apps.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
        afterChange: settings.afterChange,
        maxParallelRestarts: settings.maxParallelRestarts,
        deployWaitSeconds: settings.deployWaitSeconds,
        purgeRemovedCaches: settings.purgeRemovedCaches,
        buildCache: settings.buildCache,
        warmup: settings.warmup,
        hostPaths: settings.hostPaths,
        disk: settings.disk,
    };
}

/** One directory per (group, cache) that some app of the group uses, sorted. */
function groupDirs(settings: Settings): CacheDir[] {
    const byName = new Map(settings.caches.map((c) => [c.name, c]));
    const out = new Map<string, CacheDir>();
    for (const a of settings.apps) {
        if (!a.group) continue;
        for (const cn of a.caches) {
            const c = byName.get(cn);
            if (!c) continue;
            const k = cacheDirKey(cn, a.group);
            out.set(k, {
                name: k,
                hostPath: cacheHostPath(settings.sharedRoot, c.dir, a.group),
                owner: c.owner,
                mode: c.mode,
                ...(c.bound ? { bound: c.bound } : {}),
            });
        }
    }
    return [...out.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}

/** The cache directories with a bound, as the scheduled prune job takes them. */
export function cachePruneTargets(
    dirs: readonly CacheDir[],
): { name: string; hostPath: string; bound: CacheBound }[] {
    return dirs.flatMap((d) =>
        d.bound ? [{ name: d.name, hostPath: d.hostPath, bound: d.bound }] : [],
    );
}
