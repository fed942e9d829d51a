/**
 * Builder policy: which builders take the caches at build time, whether a
 * build user can write a cache, the per-app statement of what the caches do
 * for its builds, and the build-phase `docker-options` an app wants. Pure;
 * the shell that reads and writes those options on the host is
 * host/build-options.ts, where the Dokku, herokuish and pack sources read
 * for these rules are named (Dokku v0.38.27 and v0.37.10).
 */
/** How an app's image is built; decides what the caches can do for it (nothing, at build time). */
export const BUILDERS = ["dockerfile", "herokuish", "pack", "unknown"] as const;
export type Builder = (typeof BUILDERS)[number];

/** The parts of a mount (model/desired-state.ts `MountSpec`) the builder rules read. */
export interface BuildMount {
    cache: string;
    hostPath: string;
    containerPath: string;
    readOnly: boolean;
}

/** Builders whose build container takes build-phase `-v` options. */
export const BUILDPACK_BUILDERS: readonly string[] = ["herokuish", "pack"];

/** The user herokuish builds (and runs) as: herokuish include/default_user.bash. */
export const HEROKUISH_UID = 32767;

/** The build-phase option for one mount: `-v host:container:rw` (or `:ro`). */
export function buildOption(
    m: Pick<BuildMount, "hostPath" | "containerPath" | "readOnly">,
): string {
    return `-v ${m.hostPath}:${m.containerPath}:${m.readOnly ? "ro" : "rw"}`;
}

/** `/root` and below: 0700 root in the herokuish and CNB images. */
export function underRoot(containerPath: string): boolean {
    return containerPath === "/root" || containerPath.startsWith("/root/");
}

/**
 * Whether the build user can write a cache directory with this owner and
 * mode mounted at `containerPath`: herokuish's uid/gid 32767 as owner or
 * group (with the write bit), or a world-writable mode. For pack the CNB user
 * depends on the builder image: an owner other than root with the owner write
 * bit is taken as the user's choice of that uid; world-writable always works.
 * Never under `/root`: it is 0700 root in the Ubuntu-based herokuish and CNB
 * images, so a build user that is not root cannot reach a mount below it.
 */
export function buildCanWrite(
    builder: string,
    owner: string,
    mode: string,
    containerPath: string,
): boolean {
    if (underRoot(containerPath)) return false;
    const m = parseInt(mode, 8);
    if (m & 0o002) return true;
    const [uid, gid] = owner.split(":");
    if (builder === "herokuish") {
        return (
            (uid === String(HEROKUISH_UID) && (m & 0o200) !== 0) ||
            (gid === String(HEROKUISH_UID) && (m & 0o020) !== 0)
        );
    }
    if (builder === "pack") return uid !== "0" && (m & 0o200) !== 0;
    return false;
}

const RUN_TIME =
    "Dokku mounts reach the deploy and run containers; tools that install at release or run time use the caches.";

/**
 * The per-app statement shown in outputs and `verify`, for the builder as
 * declared (the converge resolves `unknown` on the host and reports it in
 * `lastRuns`). `unwritable` lists caches the build user cannot write.
 */
export function buildNote(
    builder: Builder,
    unwritable: readonly string[] = [],
    /** A Dockerfile app's cache lines (rules/dockerfile.ts); the first is quoted. */
    lines: readonly string[] = [],
): string {
    const fix = unwritable.length
        ? ` But the build user cannot write ${unwritable.join(", ")}, so those get no build mount: ` +
          "give each a containerPath outside /root (0700 in the build image, e.g. /cache/pip), its env var the same path, and " +
          (builder === "herokuish"
              ? `owner "${HEROKUISH_UID}:${HEROKUISH_UID}" (herokuishuser) or a group-writable mode with group ${HEROKUISH_UID}.`
              : `the owner of your CNB builder's user (CNB_USER_ID, e.g. "1000:1000") or mode "0777".`)
        : "";
    switch (builder) {
        case "dockerfile":
            return (
                "Dockerfile build: run time only, unless the Dockerfile carries the cache lines. Dokku mounts reach the deploy and run containers, never the image build:" +
                " Dockerfile builds take no volumes (Dokku drops -v build options). Put the line dockerfileLines gives per cache in the Dockerfile" +
                ` (${lines[0] ?? "RUN --mount=type=cache,id=dsc-<cache>,target=<containerPath>,sharing=locked …"}):` +
                " every build on the host then shares one BuildKit cache per id, bounded by the build cache prune and GC (buildCache)." +
                " Dokku must build with BuildKit (npm run verify says whether it does; docs/dockerfile-builds.md)."
            );
        case "herokuish":
        case "pack":
            return (
                `${builder} build: build and run. Build-phase docker-options (-v host:container) bind the caches into the ${builder === "herokuish" ? "herokuish build container" : "pack build (--volume)"}, and the cache env vars are config vars, which reach the build. ` +
                RUN_TIME +
                fix
            );
        default:
            return (
                "Builder not declared: resolved on the host at each converge (builder:report: selected, else last deployed; never deployed: build mounts are added, as Dokku falls back to herokuish and drops -v for Dockerfile builds). See lastRuns.builder. " +
                RUN_TIME
            );
    }
}

/** Whether the shared caches speed up this app's builds, as declared. */
export function cachesHelpBuild(builder: Builder, unwritable: readonly string[]): boolean {
    return BUILDPACK_BUILDERS.includes(builder) && unwritable.length === 0;
}

/** Build options per buildpack builder (see {@link wantedBuildOptions}). */
export interface BuildOptions {
    herokuish: string[];
    pack: string[];
}

/**
 * The build options an app gets for each buildpack builder: one per mount
 * the build user can write (read-only mounts always; `canWrite` says, from
 * the cache's owner and mode, see {@link buildCanWrite}). A cache the build
 * cannot write gets no build mount: a build tool told to use an unwritable
 * cache can fail the build (npm: EACCES).
 */
export function wantedBuildOptions(
    mounts: readonly BuildMount[],
    canWrite: (builder: "herokuish" | "pack", cache: string) => boolean,
): BuildOptions {
    const pick = (b: "herokuish" | "pack") =>
        mounts
            .filter((m) => (m.readOnly && !underRoot(m.containerPath)) || canWrite(b, m.cache))
            .map(buildOption);
    return { herokuish: pick("herokuish"), pack: pick("pack") };
}
