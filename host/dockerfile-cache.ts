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
import { BuildCacheRecord, CACHE_MOUNT_TYPE } from "../rules/dockerfile";
import { SH } from "./generated/scripts";
import { shAssign, shJoin, shLines } from "./shell";

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
