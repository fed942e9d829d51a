/**
 * Dockerfile apps, the pure part: the BuildKit cache-mount line per cache (a fixed `id` per
 * shared cache and group, so every build on the host shares one cache), whether a Dockerfile
 * carries it, whether Dokku's build of an app runs on BuildKit, and the accounting of the
 * `exec.cachemount` records Docker reports. The host script that reads these facts, and the
 * Dokku, docker/cli, moby and BuildKit sources the rules were read in (versions named), are in
 * host/dockerfile-cache.ts.
 */
import { parseDockerSize } from "./docker-size";
import { shQuote } from "./shell-quote";
import { BuildMount } from "./builder";

/** Prefix of every BuildKit cache id this program gives out. */
export const CACHE_ID_PREFIX = "dsc-";

/** BuildKit's record type for cache mounts (moby api/types BuildCache.Type, buildkit client.UsageRecordTypeCacheMount). */
export const CACHE_MOUNT_TYPE = "exec.cachemount";

/**
 * The stable BuildKit cache id of a shared cache: `dsc-pip`, or `dsc-pip@team-a` for a
 * group's own (`@` is in neither a cache nor a group name, as in cacheDirKey: never ambiguous).
 */
export function cacheMountId(cache: string, group?: string): string {
    return `${CACHE_ID_PREFIX}${cache}${group ? `@${group}` : ""}`;
}

/** An example build command per built-in cache, for the line; others get a placeholder. */
const EXAMPLE_COMMAND: Record<string, string> = {
    pip: "pip install -r requirements.txt",
    uv: "uv sync --frozen",
    npm: "npm ci",
    "ms-playwright": "npx playwright install --with-deps chromium",
    rust: "cargo build --release",
    cargo: "cargo build --release",
};

/** One cache's Dockerfile line for an app. */
export interface DockerfileCacheLine {
    cache: string;
    /** The BuildKit cache id (see {@link cacheMountId}). */
    id: string;
    /** The mount's target: the cache's container path. */
    target: string;
    /** The `--mount=…` flag alone. */
    mount: string;
    /** The cache's env, as `KEY=value` words put before the command (empty when none). */
    env: string;
    /** The whole line: `RUN --mount=… KEY=value <command>`. */
    line: string;
}

/** A value in the RUN line's shell words: bare when safe, else single-quoted. */
function word(v: string): string {
    return /^[A-Za-z0-9_./:@%+=,-]+$/.test(v) ? v : shQuote(v);
}

/**
 * The Dockerfile line per cache an app uses: a cache mount with the cache's fixed id, its
 * container path as target and `sharing=locked` (one build writes at a time; BuildKit's
 * default `shared` lets two builds write one pip/npm cache at once), and the cache's env
 * (config vars do not reach a Dockerfile build: Dokku docs/deployment/builders/dockerfiles.md
 * "Build-time configuration variables"), set for the command alone.
 */
export function dockerfileCacheLines(
    mounts: readonly Pick<BuildMount, "cache" | "containerPath">[],
    caches: ReadonlyMap<string, { readonly env: Readonly<Record<string, string>> }>,
    group?: string,
): DockerfileCacheLine[] {
    return mounts.map((m) => {
        const id = cacheMountId(m.cache, group);
        const mount = `--mount=type=cache,id=${id},target=${m.containerPath},sharing=locked`;
        const env = Object.entries(caches.get(m.cache)?.env ?? {})
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([k, v]) => `${k}=${word(v)}`)
            .join(" ");
        const cmd = EXAMPLE_COMMAND[m.cache] ?? "<your build command>";
        return {
            cache: m.cache,
            id,
            target: m.containerPath,
            mount,
            env,
            line: `RUN ${mount} ${env ? env + " " : ""}${cmd}`,
        };
    });
}

/** The `--mount` options of every RUN in a Dockerfile (line continuations joined), as key→value maps. */
export function dockerfileMounts(text: string): Record<string, string>[] {
    const joined = text.replace(/\\\r?\n/g, " ");
    const out: Record<string, string>[] = [];
    for (const line of joined.split(/\r?\n/)) {
        if (!/^\s*RUN\s/i.test(line)) continue;
        for (const m of line.matchAll(/--mount(?:=|\s+)(\S+)/g)) {
            const opts: Record<string, string> = {};
            for (const kv of m[1].replace(/^["']|["']$/g, "").split(",")) {
                const i = kv.indexOf("=");
                opts[(i < 0 ? kv : kv.slice(0, i)).toLowerCase()] = i < 0 ? "" : kv.slice(i + 1);
            }
            out.push(opts);
        }
    }
    return out;
}

/** Which of these cache ids a Dockerfile mounts as a cache (`RUN --mount=type=cache,id=…`). */
export function idsCarried(text: string, ids: readonly string[]): string[] {
    const found = new Set(
        dockerfileMounts(text)
            .filter((o) => o.type === "cache" && o.id)
            .map((o) => o.id),
    );
    return ids.filter((id) => found.has(id));
}

/** Go's strconv.ParseBool (docker/cli reads DOCKER_BUILDKIT with it); undefined: not a boolean. */
export function goParseBool(v: string): boolean | undefined {
    if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
    if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
    return undefined;
}

/** What decides whether Dokku's `docker image build` of one app uses BuildKit. */
export interface BuildkitInputs {
    /** `$DOCKER_BIN version --format '{{.Client.Version}}'` (Dokku's CLI); "" unknown. */
    client: string;
    /** A docker-buildx plugin where that CLI looks (system dirs or ~dokku/.docker/cli-plugins). */
    buildx: boolean;
    /** DOCKER_BUILDKIT as /etc/default/dokku sets it; null when it does not. */
    hostEnv: string | null;
    /** DOCKER_BUILDKIT as the app's own config sets it; null when it does not (it wins). */
    appEnv: string | null;
    /** daemon.json `features.buildkit` (what a 20.10 CLI follows when DOCKER_BUILDKIT is unset). */
    daemonBuildkit: boolean | null;
}

export interface BuildkitVerdict {
    buildkit: boolean;
    /** Why, in one clause. */
    why: string;
    /** How to turn BuildKit on for Dokku; "" when it is on. */
    fix: string;
}

const FIX_BUILDX =
    "install the docker-buildx plugin where Dokku's docker CLI finds it (e.g. /usr/libexec/docker/cli-plugins/docker-buildx, Debian/Ubuntu package docker-buildx or docker-buildx-plugin)";

/**
 * Whether Dokku's Dockerfile build of an app runs on BuildKit (docker/cli sources in the
 * header): the app's DOCKER_BUILDKIT wins over /etc/default/dokku's; a CLI from 23.0 needs
 * buildx for BuildKit, a 20.10 CLI needs DOCKER_BUILDKIT=1 or daemon.json features.buildkit.
 */
export function buildkitVerdict(i: BuildkitInputs): BuildkitVerdict {
    const raw = i.appEnv ?? i.hostEnv;
    const src = i.appEnv !== null ? "the app's config" : "/etc/default/dokku";
    const env = raw === null || raw === "" ? undefined : goParseBool(raw);
    const major = Number(/^(\d+)\./.exec(i.client)?.[1] ?? NaN);
    const turnOn =
        i.appEnv !== null
            ? `dokku config:unset APP DOCKER_BUILDKIT (or set it to 1)`
            : `echo 'export DOCKER_BUILDKIT=1' >> /etc/default/dokku (or dokku config:set APP DOCKER_BUILDKIT=1)`;
    if (raw !== null && raw !== "" && env === undefined) {
        return {
            buildkit: false,
            why: `DOCKER_BUILDKIT=${JSON.stringify(raw)} in ${src} is not a boolean: docker refuses every build`,
            fix: turnOn,
        };
    }
    if (!i.client) {
        return {
            buildkit: false,
            why: "Dokku's docker CLI did not answer (docker version)",
            fix: "check DOCKER_BIN in /etc/default/dokku",
        };
    }
    if (env === false) {
        return {
            buildkit: false,
            why: `DOCKER_BUILDKIT=${raw} in ${src}: the legacy builder, which rejects RUN --mount`,
            fix: turnOn + (major >= 23 && !i.buildx ? `, and ${FIX_BUILDX}` : ""),
        };
    }
    if (Number.isNaN(major) || major >= 23) {
        if (i.buildx) {
            return {
                buildkit: true,
                why: `docker CLI ${i.client} with buildx${env ? ` and DOCKER_BUILDKIT=${raw}` : ""}: BuildKit`,
                fix: "",
            };
        }
        return {
            buildkit: false,
            why: env
                ? `DOCKER_BUILDKIT=${raw} but docker CLI ${i.client} has no buildx plugin: every Dockerfile build fails ("BuildKit is enabled but the buildx component is missing")`
                : `docker CLI ${i.client} without the buildx plugin uses the legacy builder, which rejects RUN --mount ("the --mount option requires BuildKit")`,
            fix: FIX_BUILDX,
        };
    }
    if (env || (env === undefined && i.daemonBuildkit)) {
        return {
            buildkit: true,
            why: `docker CLI ${i.client} with ${env ? `DOCKER_BUILDKIT=${raw} (${src})` : "daemon.json features.buildkit"}: BuildKit`,
            fix: "",
        };
    }
    return {
        buildkit: false,
        why: `docker CLI ${i.client} builds with the legacy builder unless DOCKER_BUILDKIT=1 (it rejects RUN --mount)`,
        fix: turnOn,
    };
}

/**
 * One build-cache record as `docker system df -v --format '{{json .BuildCache}}'` prints it (the
 * CLI's formatter: every field a string; seen from the 28.2.2 and 20.10.24 CLIs, e.g.
 * `{"CacheType":"exec.cachemount","Description":"cached mount /root/.cache/pip from exec /bin/sh -c …",
 * "ID":"cli5pvupd0npx4jxfdtgcchxh","InUse":"false","Size":"0B",…}`).
 */
export interface BuildCacheRecord {
    ID?: string;
    CacheType?: string;
    Description?: string;
    Size?: string;
    InUse?: string;
    LastUsedAt?: string;
}

/** The cache mount's target and id from a record's description (id: BuildKit ≥ 0.12 only). */
export function describeCacheMount(
    description: string,
): { target: string; id: string | null } | undefined {
    const m = /^cached mount (\S+) from .*?(?: with id "([^"]*)")?$/s.exec(description);
    return m ? { target: m[1], id: m[2] ?? null } : undefined;
}

/** Cache mount usage: the total, and per id (where Docker names it) or per target path. */
export interface CacheMountUsage {
    /** On disk (the larger of Docker's figure and the snapshot directory's). */
    totalBytes: number;
    /** What Docker reports (what its GC and size prunes count). */
    dockerBytes: number;
    count: number;
    /** Keyed by the id (`dsc-pip`) when the description has one, else by `target:/root/.cache/pip`. */
    byKey: Record<string, { bytes: number; count: number; id: string | null; target: string }>;
}

/**
 * Sums the `exec.cachemount` records: a record's size is what Docker says, or, when larger, what
 * its snapshot directory holds (`snapshotBytes`, by record ID: Docker's figure can lag; seen on
 * dockerd 20.10.24: 0 B for a record holding 100 kB, while another record's 30 MB was right).
 */
export function cacheMountUsage(
    records: readonly BuildCacheRecord[],
    snapshotBytes: Readonly<Record<string, number>> = {},
): CacheMountUsage {
    const out: CacheMountUsage = { totalBytes: 0, dockerBytes: 0, count: 0, byKey: {} };
    for (const r of records) {
        if (r.CacheType !== CACHE_MOUNT_TYPE) continue;
        const said = parseDockerSize(r.Size ?? "") ?? 0;
        out.dockerBytes += said;
        const size = Math.max(said, snapshotBytes[r.ID ?? ""] ?? 0);
        out.totalBytes += size;
        out.count += 1;
        const d = describeCacheMount(r.Description ?? "");
        const key = d?.id ?? `target:${d?.target ?? "?"}`;
        const e = (out.byKey[key] ??= {
            bytes: 0,
            count: 0,
            id: d?.id ?? null,
            target: d?.target ?? "?",
        });
        e.bytes += size;
        e.count += 1;
    }
    return out;
}
