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
import { shQuote } from "./shell";

/** The options a `docker-options:report … --docker-options-build` string lists (jq, from `$cur`). */
const HAVE_JQ = `($cur | [splits("[ \\t\\n]+")] | map(select(. != ""))) as $t
| [ range(0; ($t | length) - 1) as $i | select($t[$i] == "-v" or $t[$i] == "--volume") | "-v " + $t[$i + 1] ]`;

/**
 * The jq program: `cur` is the report's string (the phase's options joined
 * by spaces; ours never contain a space), `want` the options wanted, `led`
 * the ledger, `builder` the resolved builder. An option already there that
 * the ledger does not hold is the user's: never recorded, never removed.
 */
export const BUILD_PLAN_JQ = `
(${HAVE_JQ}) as $have
| ($led.build // []) as $ours
| {
    builder: $builder,
    add: [ $want[] | select(. as $w | any($have[]; . == $w) | not) ],
    remove: [ $ours[] | select(. as $o | (any($want[]; . == $o) | not) and any($have[]; . == $o)) ],
    ledger: [ $want[] | select(. as $w | any($ours[]; . == $w) or (any($have[]; . == $w) | not)) ]
  }
`;

/** The probe's view of an app's build options (input: its ledger; `$cur`: the report string). */
export const BUILD_SEEN_JQ = `(${HAVE_JQ}) as $have
| {builder: (.builder // null), ours: (.build // []), missing: [ (.build // [])[] | select(. as $o | any($have[]; . == $o) | not) ]}`;

/**
 * Shell run by the app converge after its reads, before any write: resolves
 * the builder (`DECL_BUILDER`, the stack's; `unknown` asks `builder:report`),
 * reads the build-phase options when there is something to want or to undo,
 * and sets `BPLAN` (JSON: `{builder, add, remove, ledger}`). Needs `APP`,
 * `ERR`, `LED`, `WBUILD_H`/`WBUILD_P` (JSON lists of the options a herokuish
 * or pack build gets: herokuish also for a builder Dokku will only detect at
 * the first build, its fallback) and `dsc_fail` (app-converge.ts).
 */
export function buildReadSh(): string {
    return `BUILDER=$DECL_BUILDER
if [ "$BUILDER" = unknown ] && [ "$WBUILD_H$WBUILD_P" != '[][]' ]; then
  rc=0; sel=$(dokku builder:report "$APP" --builder-computed-selected 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its builder (dokku builder:report)" "$NOTHING_YET" <"$ERR"
  rc=0; det=$(dokku builder:report "$APP" --builder-detected 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its builder (dokku builder:report)" "$NOTHING_YET" <"$ERR"
  rm -f -- "$ERR"
  sel=$(printf '%s' "$sel" | tr -d ' \\n'); det=$(printf '%s' "$det" | tr -d ' \\n')
  BUILDER=\${sel:-\${det:-undetermined}}
fi
case "$BUILDER" in
  herokuish | undetermined) WBUILD=$WBUILD_H ;;
  pack) WBUILD=$WBUILD_P ;;
  *) WBUILD='[]' ;;
esac
CURB=''
if [ "$WBUILD" != '[]' ] || [ "$(printf '%s' "$LED" | jq '.build // [] | length')" != 0 ]; then
  rc=0; CURB=$(dokku docker-options:report "$APP" --docker-options-build 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its build options (dokku docker-options:report)" "$NOTHING_YET" <"$ERR"
  rm -f -- "$ERR"
fi
BPLAN=$(jq -cn --arg cur "$CURB" --argjson want "$WBUILD" --argjson led "$LED" --arg builder "$BUILDER" ${shQuote(BUILD_PLAN_JQ)})
`;
}

/**
 * Shell that writes the build-phase difference: records what it will add in
 * the ledger first (`.build`), adds and removes, then records exactly what it
 * owns. With `afterChange: rebuild` a change makes the pending rebuild (the
 * options only act on the next build; a restart does not rebuild). Needs
 * `BPLAN`, `LED`, `LEDGER`, `AFTER` and `dsc_dokku`.
 */
export function buildApplySh(): string {
    return `bled() { # $1: jq filter over the ledger, with $b = BPLAN
  printf '%s' "$LED" | jq -c --argjson b "$BPLAN" "$1" > "$LEDGER.tmp"
  mv -f -- "$LEDGER.tmp" "$LEDGER"
  LED=$(cat -- "$LEDGER")
}
bplan() { printf '%s' "$BPLAN" | jq -r "$1"; }
if [ "$(bplan '(.add | length) + (.remove | length)')" != 0 ]; then
  bled '. + {build: (((.build // []) + $b.ledger) | unique)}'
  if [ "$AFTER" = rebuild ]; then bled '. + {pendingRestart: true}'; fi
  bplan '.add[]' | while IFS= read -r o; do
    [ -n "$o" ] || continue
    dsc_dokku "adding the build option $o (dokku docker-options:add)" "$PARTLY" docker-options:add "$APP" build "$o"
  done
  bplan '.remove[]' | while IFS= read -r o; do
    [ -n "$o" ] || continue
    dsc_dokku "removing the build option $o (dokku docker-options:remove)" "$PARTLY" docker-options:remove "$APP" build "$o"
  done
fi
bled '. + {build: $b.ledger, builder: $b.builder}'
`;
}
