/**
 * Build-time caches for buildpack apps: build-phase `docker-options` that bind
 * the app's shared cache directories into its build container, and the
 * per-builder statement of what the caches do for an app.
 *
 * Read in Dokku v0.38.27 (and v0.37.10, the same behaviour where it matters):
 * - plugins/builder-herokuish/builder-build: `plugn trigger docker-args-build`
 *   → `docker container create … "${ARG_ARRAY[@]}" … /build`, so a build-phase
 *   `-v host:container` reaches herokuish's build container. The config vars
 *   reach it too: pre-build appends `config_export app --format envfile
 *   --merged` to the app's `.env`, which herokuish (include/buildpack.bash,
 *   `buildpack-setup`) exports before the buildpack's compile runs as the
 *   unprivileged `herokuishuser`, uid/gid 32767 (herokuish
 *   include/default_user.bash).
 * - plugins/builder-pack/builder-build: the same trigger's `-v X` becomes
 *   `pack build --volume X`; pack mounts a volume read-only unless its mode
 *   says `rw` (buildpacks.io "Mount volumes at build-time"), so the mode is
 *   always written. Config vars reach pack as `--env` (`config_export
 *   --format pack-keys --merged`). The build runs as the builder image's
 *   CNB user (CNB_USER_ID), which this program cannot know.
 * - plugins/docker-options (v0.38.27 triggers.go emitFilteredOptions, v0.37.10
 *   docker-args-deploy): for dockerfile, nixpacks and railpack builds Dokku
 *   drops `-v`/`--volume` build options itself; Dockerfile builds take no
 *   volumes (docs/advanced-usage/docker-options.md).
 * - plugins/builder report.go: `builder:report APP --builder-computed-selected`
 *   (the app's `builder:set`, else the global one) and `--builder-detected`
 *   (the builder of the last deploy, common/functions dokku_receive). With
 *   neither, plugins/git/functions git_trigger_build detects at build time from
 *   the source and falls back to herokuish.
 * - `docker-options:add APP build OPTION` appends without a duplicate check on
 *   0.38 (AddDockerOptionToProcessPhases; 0.37 `sort -u`s the file), so the
 *   converge adds only what `docker-options:report APP --docker-options-build`
 *   (the phase's options joined by spaces, both versions) does not list.
 */
import { JQ, SH } from "./generated/scripts";
import { Builder } from "../config/types";
import { MountSpec } from "../model/desired-state";

/** Builders whose build container takes build-phase `-v` options. */
export const BUILDPACK_BUILDERS: readonly string[] = ["herokuish", "pack"];

/** The user herokuish builds (and runs) as: herokuish include/default_user.bash. */
export const HEROKUISH_UID = 32767;

/** The build-phase option for one mount: `-v host:container:rw` (or `:ro`). */
export function buildOption(m: Pick<MountSpec, "hostPath" | "containerPath" | "readOnly">): string {
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
    /** A Dockerfile app's cache lines (host/dockerfile-cache.ts); the first is quoted. */
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

/** The options a `docker-options:report … --docker-options-build` string lists (jq, from `$cur`). */
const HAVE_JQ = JQ["build-have"];

/**
 * The jq program: `cur` is the report's string (the phase's options joined
 * by spaces; ours never contain a space), `want` the options wanted, `led`
 * the ledger, `builder` the resolved builder. An option already there that
 * the ledger does not hold is the user's: never recorded, never removed.
 */
export const BUILD_PLAN_JQ = `\n(${HAVE_JQ}) as $have\n${JQ["build-plan"]}\n`;

/** The probe's view of an app's build options (input: its ledger; `$cur`: the report string). */
export const BUILD_SEEN_JQ = `(${HAVE_JQ}) as $have\n${JQ["build-seen"]}`;

/**
 * Shell run by the app converge after its reads, before any write: resolves
 * the builder (`DECL_BUILDER`, the stack's; `unknown` asks `builder:report`),
 * reads the build-phase options when there is something to want or to undo,
 * and sets `BPLAN` (JSON: `{builder, add, remove, ledger}`). Needs `APP`,
 * `ERR`, `LED`, `WBUILD_H`/`WBUILD_P` (JSON lists of the options a herokuish
 * or pack build gets: herokuish also for a builder Dokku will only detect at
 * the first build, its fallback), `DSC_BUILD_PLAN_JQ` ({@link BUILD_PLAN_JQ}) and `dsc_fail`
 * (app-converge.ts). The text is host/sh/build-read.sh.
 */
export function buildReadSh(): string {
    return SH["build-read"] + "\n";
}

/**
 * Shell that writes the build-phase difference: records what it will add in
 * the ledger first (`.build`), adds and removes, then records exactly what it
 * owns. With `afterChange: rebuild` a change makes the pending rebuild (the
 * options only act on the next build; a restart does not rebuild). Needs
 * `BPLAN`, `LED`, `LEDGER`, `AFTER` and `dsc_dokku`. The text is host/sh/build-apply.sh.
 */
export function buildApplySh(): string {
    return SH["build-apply"] + "\n";
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
    mounts: readonly MountSpec[],
    canWrite: (builder: "herokuish" | "pack", cache: string) => boolean,
): BuildOptions {
    const pick = (b: "herokuish" | "pack") =>
        mounts
            .filter((m) => (m.readOnly && !underRoot(m.containerPath)) || canWrite(b, m.cache))
            .map(buildOption);
    return { herokuish: pick("herokuish"), pack: pick("pack") };
}
