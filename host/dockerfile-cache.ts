/**
 * Dockerfile apps: shared, bounded BuildKit cache mounts. Dokku gives a
 * Dockerfile build no volumes (host/build-options.ts), so the shared caches
 * reach such a build only through a BuildKit cache mount in the Dockerfile.
 * This module gives the exact line per cache (a fixed `id` per shared cache
 * and group, so every build on the host shares one cache), tells whether a
 * Dockerfile carries it, whether the host's Dokku builds with BuildKit at
 * all, and accounts the `exec.cachemount` records Docker reports. Pure,
 * except the read-only host script at the end.
 *
 * Read in the sources (versions named):
 * - Dokku v0.38.27 plugins/builder-dockerfile/builder-build: sources
 *   /etc/default/dokku (the `dokku` wrapper), then `eval "$(config_export app
 *   "$APP")"` (the app's own config vars, NOT merged with --global:
 *   plugins/config/config.go getEnvironment merges only with `--merged`), then
 *   `"$DOCKER_BIN" image build … --tag $IMAGE .` in the source tree. So
 *   `DOCKER_BUILDKIT` reaches the build from /etc/default/dokku or from the
 *   app's config (`dokku config:set APP DOCKER_BUILDKIT=1`), never from
 *   `config:set --global`. The Dockerfile is `builder-dockerfile:report APP
 *   --builder-dockerfile-computed-dockerfile-path` (default `Dockerfile`), in
 *   the app's repo `$DOKKU_ROOT/APP` (git push, git:from-archive).
 *   Per-app registry credentials set DOCKER_CONFIG to
 *   /var/lib/dokku/config/registry/APP (plugins/common/functions
 *   fn-registry-docker-config-dir): a buildx under ~dokku/.docker is then not found.
 * - docker/cli v23.0.0 … v28.5.2 cmd/docker/builder.go processBuilder: `docker
 *   build` / `docker image build` go to the buildx plugin (BuildKit) when
 *   DOCKER_BUILDKIT is unset and buildx is installed, or DOCKER_BUILDKIT is
 *   true (without buildx: "ERROR: BuildKit is enabled but the buildx component
 *   is missing or broken"); DOCKER_BUILDKIT=0, or no buildx, is the legacy
 *   builder, which rejects `RUN --mount` ("the --mount option requires
 *   BuildKit"). Plugins are searched in ~/.docker/cli-plugins ($DOCKER_CONFIG)
 *   and /usr/local/lib/docker/cli-plugins, /usr/local/libexec/docker/cli-plugins,
 *   /usr/lib/docker/cli-plugins, /usr/libexec/docker/cli-plugins
 *   (cli-plugins/manager/manager_unix.go).
 * - docker/cli v20.10.24 cli/command/cli.go BuildKitEnabled: DOCKER_BUILDKIT
 *   (strconv.ParseBool) decides; unset, the daemon's advertised builder
 *   (daemon.json `features.buildkit: true`) does.
 * - moby/buildkit solver/llbsolver/mounts/mount.go getRefCacheDir: the record's
 *   description is `cached mount <target> from exec <args>`, and from v0.12.0
 *   (commit dd53dca59; moby 28.5.2 vendors v0.25.2) ` with id "<id>"` is
 *   appended when the id is not the target. Docker 20.10 (buildkit
 *   v0.8.4-0.20221020190723-eeb7b65ab7d6) has no id in it: usage per id is
 *   only known there as usage per target path.
 * - GC (why there is no per-cache bound): moby v20.10.24 and v28.5.2
 *   builder/builder-next/controller.go getGCPolicy pass each daemon.json
 *   `builder.gc.policy[].filter` (daemon/config/builder.go BuilderGCFilter,
 *   `key=value` strings) through builder.go toBuildkitPruneInfo, which makes
 *   `type=exec.cachemount` into `type==exec.cachemount`, `description=…` into
 *   an exact `description==…` and `id=…` into `id~=…` on the record's random
 *   ID, never the mount's `id`. And a filtered policy's size bound is measured
 *   against the WHOLE build cache: buildkit cache/manager.go pruneOnce (v0.8)
 *   and prune + calculateKeepBytes (v0.25.2) sum `cm.DiskUsage` with no filter,
 *   then delete matching records until that total is under the bound. So a
 *   policy can make cache mounts go first, but cannot bound them on their own;
 *   they are bounded by the overall policy (`all: true`, maxUsedSpace /
 *   keepStorage, host/build-cache.ts gcPolicy), as every build cache record is.
 */
import { CacheSpec } from "../config/types";
import { MountSpec } from "../model/desired-state";
import { parseDockerSize } from "./build-cache";
import { SH } from "./generated/scripts";
import { shAssign, shJoin, shLines, shQuote } from "./shell";

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
    mounts: readonly Pick<MountSpec, "cache" | "containerPath">[],
    caches: ReadonlyMap<string, Pick<CacheSpec, "env">>,
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

/**
 * Shell function \`dsc_cache_mount_bytes\`: prints the bytes the build cache's cache mounts
 * (records of type exec.cachemount) hold on disk, by \`du\` of each record's snapshot
 * directory (\`<DockerRootDir>/overlay2/<record ID>/diff\`, seen on dockerd 20.10.24: Docker
 * can report less for them: seen 0 B on 20.10.24 for a record holding 100 kB). Read-only;
 * prints 0 when Docker does not answer or no record's directory is found.
 * The text is host/sh/cache-mount-bytes.sh; it reads `DSC_CM_TYPE` (the record type).
 */
export const CACHE_MOUNT_BYTES_SH = SH["cache-mount-bytes"];

/** One Dockerfile app for the host read: its name and whether its builder is declared dockerfile. */
export interface DockerfileAppQuery {
    name: string;
    /** `dockerfile` (declared) or `unknown` (ask builder:report). */
    builder: "dockerfile" | "unknown";
}

/** The apps `verify` reads for the section: those with cache lines (declared dockerfile or unknown). */
export function dockerfileCandidates(
    apps: readonly { name: string; builder: string; dockerfileLines: readonly unknown[] }[],
): DockerfileAppQuery[] {
    return apps
        .filter((a) => a.dockerfileLines.length > 0)
        .map((a) => ({
            name: a.name,
            builder: a.builder === "dockerfile" ? "dockerfile" : "unknown",
        }));
}

/**
 * Read-only host script for `verify`: one JSON line with Dokku's docker CLI version, where
 * buildx is, DOCKER_BUILDKIT in /etc/default/dokku, daemon.json's features.buildkit, Docker's
 * build-cache records (the API's BuildCache list, through `docker system df -v`), and per app
 * its builder, DOCKER_BUILDKIT config var and the Dockerfile of its last deploy (base64; read
 * with git from the app's repo, never written; `-c safe.directory`: the repo is the `dokku`
 * user's and git refuses another user's repo, "detected dubious ownership"). A failed deploy's
 * commit is HEAD too (seen on 0.38.27: git:from-archive commits before it builds). `dokkuRoot` is Dokku's home (`/home/dokku`).
 */
export function dockerfileFactsScript(
    apps: readonly DockerfileAppQuery[],
    o: { dokkuRoot: string; daemonJson: string; defaultsFile?: string },
): string {
    const header = shAssign({
        DSC_DEFAULTS: o.defaultsFile ?? "/etc/default/dokku",
        DSC_DOKKU_ROOT: o.dokkuRoot,
        DSC_DAEMON_JSON: o.daemonJson,
        DSC_CM_TYPE: CACHE_MOUNT_TYPE,
    });
    return shLines([
        "set -u",
        // The apps as name/builder pairs in the positional parameters.
        `set -- ${shJoin(apps.flatMap((a) => [a.name, a.builder]))}`,
        header,
        SH["dockerfile-facts"],
    ]);
}

/** What {@link dockerfileFactsScript} prints. */
export interface DockerfileFacts {
    client: string;
    /** Path of the buildx plugin found, "" none. */
    buildx: string;
    hostEnv: string | null;
    daemonBuildkit: boolean | null;
    /** The build-cache records, or null when Docker did not answer. */
    buildCache: BuildCacheRecord[] | null;
    /** `du -sb` of each cache mount record's snapshot directory, by record ID. */
    snapshotBytes: Record<string, number>;
    apps: Record<
        string,
        {
            builder: string;
            appEnv: string | null;
            dockerfilePath: string;
            /** base64 of the Dockerfile at the repo's HEAD; null when none was read. */
            dockerfile: string | null;
        }
    >;
}

export function parseDockerfileFacts(line: string): DockerfileFacts {
    const f = JSON.parse(line) as DockerfileFacts;
    if (typeof f !== "object" || f === null || typeof f.apps !== "object")
        throw new Error("unexpected dockerfile facts: " + line.slice(0, 200));
    return f;
}
