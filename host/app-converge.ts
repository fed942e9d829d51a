/**
 * Script generation: desired state in, POSIX `sh` text out. This is what the
 * program runs on your host. Every interpolated value goes through
 * {@link shQuote}. Scripts need `dokku`, `jq` (a dependency of the Dokku
 * package), `flock` and `base64` on the host.
 *
 * Each app's script reads the current state first (`storage:list --format
 * json`, `config:export --format json`), computes the difference in one `jq`
 * program, and writes only that. What it adds is recorded in a ledger on the
 * host (`<stateDir>/apps/<app>.json`) *before* it is added, so that removal
 * undoes exactly what this program added even when it runs with stale inputs
 * (Pulumi runs `delete` with the stored old state) or after an interrupted run.
 */
import { AfterChange } from "../config/types";
import { AppDesired } from "../model/desired-state";
import { BUILD_PLAN_JQ } from "./build-options";
import { DEFAULT_DEPLOY_WAIT_SECONDS } from "../config/defaults";
import { dokkuVersionGateSh } from "./dokku-version";
import { ENV_GUARD_JQ, ENV_UNREADABLE_JQ } from "./env-safety";
import { JQ, SH } from "./generated/scripts";
import { MOUNT_JQ_DEFS, NAMED_PLAN_JQ, wantedMounts } from "./storage-entries";
import { RESULT_MARKER } from "./result";
import { shAssign, shLines } from "./shell";

export interface AppScriptOptions {
    stateDir: string;
    afterChange: AfterChange;
    maxParallelRestarts: number;
    /**
     * Repair generation recorded in the ledger on success: the number of
     * drift repairs so far (see program.ts). Undefined = leave it alone.
     */
    repair?: number;
    /**
     * How long (seconds) to wait for a deploy of the app that is running
     * when the converge starts, and again before its restart (see
     * host/deploy-wait.ts). Default {@link DEFAULT_DEPLOY_WAIT_SECONDS}.
     */
    deployWaitSeconds?: number;
}

/**
 * The jq program that computes what to change. Inputs (as --argjson): `cur`
 * (storage:list JSON, 0.37 or 0.38 shape), `env` (config:export JSON),
 * `want` (mounts), `wenv` (env), `led` (ledger). Output: the plan.
 */
export const PLAN_JQ = `\n${MOUNT_JQ_DEFS}\n${JQ.plan}\n`;

/**
 * Shell for reporting a failed `dokku` call as one paragraph: the app, what
 * failed, Dokku's own words (its ` !     ` lines, else its last line, colours
 * stripped) and what to do. Needs `APP` and `ERR` (a file for Dokku's
 * stderr). `dsc_dokku WHAT ADVICE ARGS...` runs `dokku ARGS...` (stdout passes
 * through, stdin from /dev/null) and on failure exits with Dokku's exit code.
 * The text is host/sh/dokku-failure.sh.
 */
export const DOKKU_FAILURE_SH = SH["dokku-failure"];

/**
 * The converge script for one app: mounts what is missing, sets only env
 * values that differ (one `config:set --no-restart --encoded`), removes what
 * this program added earlier and no longer wants, then restarts (or
 * rebuilds) the app only when something changed and it has been deployed,
 * holding one of `maxParallelRestarts` host-wide slots. With empty `mounts`
 * and `env` it is the removal script.
 */
export function appScript(
    app: Pick<AppDesired, "name" | "mounts" | "env"> &
        Partial<Pick<AppDesired, "builder" | "group" | "buildOptions">>,
    opts: AppScriptOptions,
    mode: "converge" | "remove" = "converge",
): string {
    const want = JSON.stringify(wantedMounts(app.mounts, app.group));
    const wenv = JSON.stringify(app.env);
    const header = shAssign({
        APP: app.name,
        STATE: opts.stateDir,
        AFTER: opts.afterChange,
        SLOTS: String(opts.maxParallelRestarts),
        DEPLOY_WAIT: String(Math.trunc(opts.deployWaitSeconds ?? DEFAULT_DEPLOY_WAIT_SECONDS)),
        WANT: want,
        WENV: wenv,
        // Build-phase docker-options (host/build-options.ts): the stack's builder, the options a buildpack build gets.
        DECL_BUILDER: app.builder ?? "unknown",
        WBUILD_H: JSON.stringify(mode === "converge" ? (app.buildOptions?.herokuish ?? []) : []),
        WBUILD_P: JSON.stringify(mode === "converge" ? (app.buildOptions?.pack ?? []) : []),
        MARK: RESULT_MARKER,
        // remove: an app that is gone is done; the ledger goes once it holds nothing.
        REMOVE: String(mode === "remove"),
        // The drift repair generation to record on success ("" = leave it alone).
        REPAIR:
            mode === "converge" && opts.repair !== undefined ? String(Math.trunc(opts.repair)) : "",
        DSC_ENV_UNREADABLE_JQ: ENV_UNREADABLE_JQ,
        DSC_PLAN_JQ: PLAN_JQ,
        DSC_NAMED_PLAN_JQ: NAMED_PLAN_JQ,
        DSC_ENV_GUARD_JQ: ENV_GUARD_JQ,
        DSC_BUILD_PLAN_JQ: BUILD_PLAN_JQ,
    });
    return shLines([
        "set -euf",
        "# dokku-shared-cache converge or removal of one app. Reads first; writes only the difference.",
        header,
        ...APP_SCRIPT_FILES.map((f) => (f === "dokku-version-gate" ? dokkuVersionGateSh() : SH[f])),
    ]);
}

/** The script files of {@link appScript}, in join order, after its header. */
export const APP_SCRIPT_FILES = [
    "app-prelude",
    "dokku-version-gate",
    "app-setup",
    "dokku-failure",
    "deploy-wait",
    "app-plan",
    "storage-gate",
    "build-read",
    "storage-named-writes",
    "storage-colon-writes",
    "app-write",
    "build-apply",
    "app-restart",
] as const;

/**
 * The converge script recording the drift repair generation the command
 * text carries (`sh -s converge N`, see components/app-caches.ts) in the
 * app's ledger when it succeeds. The generation is kept out of the script
 * so that the script text does not depend on `detectDrift`: with detection
 * off the command keeps its last text (ignoreChanges), and turning it on or
 * off changes no input.
 */
export function withRepairGeneration(converge: string): string {
    return `${SH["repair-arg"]}\n${converge}${SH["repair-record"]}\n`;
}
