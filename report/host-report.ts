/**
 * The host report behind `npm run verify`: a pure comparison of what the
 * report script read on the host (host/facts.ts) with the desired state.
 */
import { PruneVariant, parseBuildxVersion, pruneVariant } from "../rules/prune-table";
import { parseDockerSize } from "../rules/docker-size";
import { statMode } from "../host/cache-dirs";
import { packVolumeApp } from "../rules/pack-volumes";
import { sizeBytes } from "../rules/size-units";
import { DOKKU_FOR, GODOTENV_VERSIONS, envKeyRoundTrip, envRoundTrip } from "../rules/godotenv";
import { HostFacts } from "../host/facts";
import { lowFileSystems, minFreeBytes } from "../rules/disk";
import { humanBytes } from "./bytes";
import { Observed, ObservedApp } from "../host/probe";
import { DesiredState, mountArg } from "../model/desired-state";
import { DockerfileFacts } from "../host/dockerfile-cache";
import { DockerfileBuildsReport, dockerfileBuildsReport } from "./dockerfile-builds";
import { driftOf, mountPresent } from "./drift";

export interface AppReport {
    name: string;
    exists: boolean;
    group?: string;
    mounts: { arg: string; present: boolean }[];
    env: { key: string; want: string; actual: string | null }[];
    builder: string;
    cachesHelpBuild: boolean;
    drift: string;
}

export interface CacheReport {
    name: string;
    path: string;
    exists: boolean;
    bytes: number | null;
    owner: string | null;
    mode: string | null;
    wantOwner: string;
    wantMode: string;
    ok: boolean;
    /** The bound (bytes) and how it is enforced; null for a cache without one. */
    maxBytes: number | null;
    prune: string | null;
    overBound: boolean;
    /** The scheduled job's last run on this cache: epoch seconds and status, or null (never). */
    lastPruned: { at: number; status: string } | null;
}

/** Every byte of cache on the host, in one place (`npm run verify`'s disk accounting). */
export interface DiskAccounting {
    buildCache: { totalBytes: number | null; reclaimableBytes: number | null };
    sharedCachesBytes: number;
    /** Dokku's herokuish `cache-<app>` and pack `pack-cache-*` volumes, with the app when known. */
    volumes: {
        name: string;
        kind: "herokuish" | "pack";
        app: string | null;
        bytes: number | null;
    }[];
    /** `$DOKKU_ROOT/<app>/cache` directories (dokku#7685): nothing uses them; purge by hand. */
    leftoverDirs: { path: string; bytes: number }[];
    totalBytes: number;
    dokkuPrune: { found: string; disabledByUs: boolean };
}

export interface HostReport {
    host: string;
    inSync: boolean;
    problems: string[];
    apps: AppReport[];
    caches: CacheReport[];
    buildCache: {
        engine: string;
        buildx: string;
        variant: PruneVariant | null;
        sizeBytes: number | null;
        reclaimableBytes: number | null;
        scheduler: string;
        wantSchedule: string;
        daemonGc: Record<string, unknown> | null;
        wantGc: boolean;
    };
    disk: HostFacts["disk"];
    /** `disk.minFree` in bytes: below it a file system is reported (a warning, not drift). */
    diskMinFree: number;
    /** Warnings that do not make the host drifted (a file system below `disk.minFree`). */
    warnings: string[];
    unmanagedApps: string[];
    accounting: DiskAccounting;
    /** Dockerfile apps and BuildKit cache mounts (report/dockerfile-builds.ts); absent without Dockerfile apps. */
    dockerfileBuilds?: DockerfileBuildsReport;
}

/** The app a Dokku cache volume belongs to: `cache-<app>` (herokuish), pack's (host/purge-app-cache.ts). */
export function volumeOwner(name: string): { kind: "herokuish" | "pack"; app: string | null } {
    if (name.startsWith("pack-cache-")) return { kind: "pack", app: packVolumeApp(name) };
    return { kind: "herokuish", app: name.slice("cache-".length) || null };
}

/**
 * An app's env values (as Dokku reads them now) that Dokku's next config
 * write would corrupt or make unreadable (rules/godotenv.ts; the
 * host's Dokku version is not read, so both godotenv versions are checked,
 * each named). Values are not printed: they may be secrets.
 */
export function envValueProblems(app: string, env: Record<string, string>): string[] {
    const out: string[] = [];
    for (const [key, value] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1))) {
        const whys = GODOTENV_VERSIONS.flatMap((v) => {
            const k = envKeyRoundTrip(key, v);
            const r = envRoundTrip(value, v, key);
            return [
                ...(k.ok ? [] : [`its key ${k.why} on ${DOKKU_FOR[v]}`]),
                ...(r.ok ? [] : [`its value ${r.why} on ${DOKKU_FOR[v]}`]),
            ];
        });
        if (whys.length) {
            out.push(
                `app ${app}: env ${key}: Dokku rewrites the app's ENV file on every config write and would not keep it: ${whys.join("; ")}; fix it on the host (dokku config:set ${app} ${key}=... or dokku config:unset ${app} ${key}) before the next pulumi up`,
            );
        }
    }
    return out;
}

/** Compares what the host has with the desired state. Pure. */
export function buildReport(
    d: DesiredState,
    observed: Observed,
    facts: HostFacts,
    host: string,
    dockerfile?: DockerfileFacts,
): HostReport {
    const problems: string[] = [];
    const apps: AppReport[] = d.apps.map((a) => {
        const o: ObservedApp = observed.state[a.name] ?? { exists: false, mounts: [], env: {} };
        const drift = driftOf(a, o);
        if (drift) problems.push(`app ${a.name}: ${drift}`);
        problems.push(...envValueProblems(a.name, o.env));
        return {
            name: a.name,
            exists: o.exists,
            ...(a.group ? { group: a.group } : {}),
            mounts: a.mounts.map((m) => ({
                arg: mountArg(m),
                present: mountPresent(o, m),
            })),
            env: Object.entries(a.env).map(([key, want]) => ({
                key,
                want,
                actual: o.env[key] ?? null,
            })),
            // The builder as the last converge resolved it on the host; the build helps when
            // the build options of ours are all there (host/build-options.ts).
            builder: o.build?.builder ?? a.builder,
            cachesHelpBuild: o.build
                ? o.build.ours.length > 0 && o.build.missing.length === 0
                : a.cachesHelpBuild,
            drift,
        };
    });
    const caches: CacheReport[] = d.dirs.map((c) => {
        const f = facts.caches[c.name] ?? { exists: false, path: c.hostPath };
        const wantMode = statMode(c.mode);
        const ok = f.exists && f.owner === c.owner && f.mode === wantMode;
        if (!f.exists) problems.push(`cache ${c.name}: ${c.hostPath} missing`);
        else if (!ok)
            problems.push(
                `cache ${c.name}: owner/mode ${f.owner} ${f.mode}, want ${c.owner} ${wantMode}`,
            );
        const maxBytes = c.bound ? Number(sizeBytes(c.bound.maxSize)) : null;
        const overBound = maxBytes !== null && (f.bytes ?? 0) > maxBytes;
        if (overBound) {
            problems.push(
                `cache ${c.name}: ${f.bytes} bytes, over its bound of ${maxBytes} (${c.bound!.maxSize}); ` +
                    (c.bound!.prune === "none"
                        ? "it has no prune mechanism: set caches." + c.name + ".prune or clean it"
                        : "the scheduled job brings it under (buildCache.cachesPruneNow runs it now)"),
            );
        }
        const lp = facts.lastPruned?.[c.name];
        return {
            name: c.name,
            path: c.hostPath,
            exists: f.exists,
            bytes: f.bytes ?? null,
            owner: f.owner ?? null,
            mode: f.mode ?? null,
            wantOwner: c.owner,
            wantMode,
            ok,
            maxBytes,
            prune: c.bound?.prune ?? null,
            overBound,
            lastPruned: lp ? { at: lp.at, status: lp.status } : null,
        };
    });
    const row = facts.docker.df?.find((r) => r.Type === "Build Cache");
    const b = d.buildCache;
    const wantSchedule = b ? b.schedule : "unmanaged";
    if (b && b.schedule !== "off" && facts.scheduler === "none") {
        problems.push(`build cache: no prune schedule installed (want ${b.schedule})`);
    }
    if (b?.gc && !facts.daemonGc) {
        problems.push("build cache: daemon.json has no builder.gc (want one)");
    }
    const managed = new Set(d.apps.map((a) => a.name));
    const volumes = (facts.volumes ?? []).map((v) => ({ ...v, ...volumeOwner(v.name) }));
    const leftoverDirs = facts.leftoverDirs ?? [];
    const total = row ? (parseDockerSize(row.Size) ?? null) : null;
    const sharedCachesBytes = caches.reduce((n, c) => n + (c.bytes ?? 0), 0);
    const accounting: DiskAccounting = {
        buildCache: {
            totalBytes: total,
            reclaimableBytes: row ? (parseDockerSize(row.Reclaimable.split(" ")[0]) ?? null) : null,
        },
        sharedCachesBytes,
        volumes,
        leftoverDirs,
        totalBytes:
            (total ?? 0) +
            sharedCachesBytes +
            volumes.reduce((n, v) => n + (v.bytes ?? 0), 0) +
            leftoverDirs.reduce((n, l) => n + l.bytes, 0),
        dokkuPrune: facts.dokkuPrune ?? { found: "none", disabledByUs: false },
    };
    const buildx = parseBuildxVersion(facts.docker.buildx) ?? "";
    const dockerfileBuilds = dockerfile ? dockerfileBuildsReport(d, dockerfile) : undefined;
    for (const x of dockerfileBuilds?.apps ?? []) {
        const a = apps.find((y) => y.name === x.name);
        if (a) Object.assign(a, { builder: x.builder, cachesHelpBuild: x.cachesHelpBuild });
    }
    problems.push(...(dockerfileBuilds?.problems ?? []));
    const minFree = minFreeBytes(d.disk.minFree);
    return {
        host,
        inSync: problems.length === 0,
        problems,
        apps,
        caches,
        buildCache: {
            engine: facts.docker.engine,
            buildx,
            variant: facts.docker.engine
                ? pruneVariant(facts.docker.engine, buildx || undefined)
                : null,
            sizeBytes: row ? (parseDockerSize(row.Size) ?? null) : null,
            reclaimableBytes: row ? (parseDockerSize(row.Reclaimable.split(" ")[0]) ?? null) : null,
            scheduler: facts.scheduler,
            wantSchedule,
            daemonGc: facts.daemonGc,
            wantGc: Boolean(b?.gc),
        },
        disk: facts.disk,
        diskMinFree: minFree,
        warnings: lowFileSystems(facts.disk, minFree).map(
            (f) =>
                `disk: ${f.mount} (${f.labels.join(", ")}) has ${humanBytes(f.availBytes)} free, below disk.minFree (${d.disk.minFree}); ` +
                "the next pulumi up prunes the build cache and the shared caches first (docs/full-disk.md)",
        ),
        unmanagedApps: observed.apps.filter((a) => !managed.has(a)),
        accounting,
        ...(dockerfileBuilds ? { dockerfileBuilds } : {}),
    };
}
