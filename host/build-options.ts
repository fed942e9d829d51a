/**
 * Build-time caches for buildpack apps: the shell that reads and writes the
 * build-phase `docker-options` binding the app's shared cache directories into
 * its build container (which options, and the per-builder statement of what the
 * caches do for an app: rules/builder.ts, from the sources read below).
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
