/**
 * Deploys in flight: an app's converge never writes to an app, and never
 * restarts it, while Dokku deploys it. Read in dokku/dokku v0.38.27 (and
 * v0.37.10 where noted):
 *
 * - A deploy (`git push` → git-hook, `git:from-image`, `git:sync --build`,
 *   `ps:rebuild`) runs the git plugin's receive-app (plugins/git/functions
 *   git_receive_app), which takes the app's deploy lock with
 *   `acquire_app_deploy_lock APP exclusive` (plugins/common/functions):
 *   `flock -n` on `$DOKKU_LIB_ROOT/data/apps/APP/.deploy.lock` — not under
 *   /home/dokku/APP — and fails at once ("APP currently has a deploy lock in
 *   place. Exiting...") when another process holds it; it writes the build
 *   id into the file and removes the file when done (release_advisory_lock).
 *   The same in v0.37.10.
 * - Nothing else takes that lock: `ps:restart` (plugins/ps/ps.go Restart:
 *   the `deploy` trigger with the running image tag), `config:set`
 *   (plugins/config/config.go SetMany: rewrites the ENV file; with
 *   `--no-restart` no `release-and-deploy`) and `storage:mount`/`unmount`
 *   (plugins/storage) run while a deploy holds it. So the converge itself
 *   must not take the lock either: holding it would make a `git push` fail.
 * - `apps:lock` only creates the file and `apps:locked` / `apps:report
 *   --app-locked` only test that the file exists (plugins/apps
 *   subcommands.go, functions.go appIsLocked): a file left by an interrupted
 *   deploy reads as locked but blocks no deploy (the next one's `flock -n`
 *   succeeds).
 * - 0.38 records every deploy (plugins/builds, docs/advanced-usage/builds.md):
 *   the `dokku` entry point starts a record (kind `build` for git-hook,
 *   git:*, ps:rebuild; `deploy` for ps:restart, config-redeploy) before the
 *   lock is taken. `builds:list APP --format json` lists the app's records
 *   (subcommands.go CommandList: the live-running ones first, never cut,
 *   then the newest others up to the retention, default 20, at least 1),
 *   each with `display_status`: `running` while its status is running and
 *   its process alive (a dead one displays as `abandoned`, builds.go
 *   DisplayStatus, CheckPIDAlive); `--status running` keeps exactly those
 *   (matchesStatus). The converge asks for every record and keeps those
 *   itself, so the same answer also says whether the app has any record:
 *   with none, the restart step asks `ps:report APP --deployed` (ps.go
 *   Restart and report.go reportDeployed both ask common.go IsDeployed)
 *   and does not restart, nor ask again, an app never deployed. On 0.37
 *   (no builds plugin) the lock file's existence is the question.
 * - A deploy reads the app's env and mounts when it starts each container
 *   (scheduler-docker-local/bin/scheduler-deploy-process-container:
 *   docker-args-deploy, docker-args-process-deploy), and git_build rewrites
 *   the ENV file itself (`config_set --no-restart APP GIT_REV=…`): Dokku's
 *   config writes are read-modify-write without a lock, so two at once can
 *   lose one's keys.
 *
 * Hence the converge waits (at most `deployWaitSeconds`) for a running
 * deploy before its reads and writes, waits again before its restart, and
 * checks its env again when a deploy ran between its write and its restart.
 */

import { SH } from "./generated/scripts";

/** Exit code of a converge that skipped (part of) its work because the app was deploying. */
export const DEPLOY_BUSY_EXIT = 10;

/**
 * Shell defining `dsc_deploying` (sets `DSC_BUSY` to the app's running
 * deploys on one line, or empty; on 0.38 also `DSC_HAS_BUILDS=true|false`,
 * whether the app has any build record, left empty when Dokku did not say)
 * and `dsc_wait_deploys DEADLINE WHAT` (waits until none runs or the epoch
 * second DEADLINE passes; returns 1 then, with the deploys in `$DSC_BUSY`;
 * sets `DSC_SAW_DEPLOY=true` when it waited). Needs `APP`, `dsc_vn` (the
 * version gate) and `DEPLOY_WAIT`. The text is host/sh/deploy-wait.sh.
 */
export function deployWaitSh(): string {
    return SH["deploy-wait"] + "\n";
}
