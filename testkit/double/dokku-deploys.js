/*
 * The dokku double's deploys: the app deploy lock, build records, and what a
 * deploy or restart puts into the app's container. Required from dokku.js.
 * Read in dokku/dokku v0.38.27 (v0.37.10 where noted):
 *
 * Deploy lock (plugins/common/functions acquire_app_deploy_lock,
 * acquire_advisory_lock, release_advisory_lock; plugins/git/functions
 * git_receive_app; the same in v0.37.10):
 * - a deploy (git-hook, `git:from-image`, `ps:rebuild`: the receive-app
 *   trigger) opens $DOKKU_LIB_ROOT/data/apps/APP/.deploy.lock for writing
 *   (`exec 200>FILE`, creating it) and takes `flock -n` (type "exclusive"):
 *   when another process holds it, " !     APP currently has a deploy lock in
 *   place. Exiting..." and " !     Run 'apps:unlock' to release the existing
 *   deploy lock" (dokku_log_warn, dokku_log_fail: exit 1); otherwise it
 *   writes the build id into the file, builds and deploys, then `flock -u`
 *   and removes the file. The double holds the lock the same way: it runs
 *   the locked part under flock(1) (`flock -n -E 75 FILE …`).
 * - `ps:restart`, `config:set`, `storage:*` never take it.
 * - `apps:report APP --app-locked` and `apps:locked` only test that the file
 *   exists (plugins/apps functions.go appIsLocked).
 * - git_build sets GIT_REV with `config_set --no-restart` before building
 *   (git:from-image: the commit of the generated repository).
 *
 * Build records (0.38 only; plugins/builds builds.go, subcommands.go,
 * docs/advanced-usage/builds.md; `dokku` entry point and
 * dokku_setup_build_capture): $DOKKU_LIB_ROOT/data/builds/APP/ID.json with
 * {id, app, kind, pid, started_at, finished_at?, status, source, exit_code?},
 * started before the lock is taken (kind "build" for git-hook, git:*,
 * ps:rebuild; "deploy" for ps:restart) and finalized with the exit code
 * when the deploy lock is released (release_app_deploy_lock,
 * release_and_deploy: builds-record-finalize, which then runs PruneAppBuilds:
 * running records whose pid is gone become "failed", finalized records past
 * the retention are deleted). A `ps:restart` (deployed or not) is never
 * finalized. Checked against the real Dokku 0.38.27 by
 * test/dokku/builds-records.test.ts.
 * `builds:list [APP] [--format json] [--kind k] [--status s]`: the app's
 * records (JSON adds display_status, duration, log_path), live-running first
 * then newest first; display_status is "abandoned" for a running record whose
 * pid is gone (DisplayStatus, CheckPIDAlive: kill(pid, 0), EPERM = alive);
 * `--status` compares display_status (matchesStatus); with neither filter,
 * one app's list stops after the live-running ones plus the retention (20)
 * newest others. A `ps:restart` of a never-deployed app starts a record (the
 * `dokku` entry point's dokku_setup_build_capture runs before ps.go Restart
 * returns with its warning) that nothing finalizes: it reads "abandoned" once
 * that dokku process has exited.
 *
 * Containers: a deploy reads the app's env and mounts when it starts the
 * container (scheduler-docker-local/bin/scheduler-deploy-process-container:
 * docker-args-deploy, docker-args-process-deploy), runs its checks, then
 * renames it to APP.web.1 ("Renaming containers"). The double writes
 * home/dokku/APP/CONTAINER.web.1.upcoming (JSON: {image, source, build, env,
 * mounts}) at start and renames it to CONTAINER.web.1 after the check time.
 *
 * Times (ms) for tests: DOKKU_DOUBLE_DEPLOY_BUILD_MS (before the container
 * starts), DOKKU_DOUBLE_DEPLOY_CHECK_MS (its checks),
 * DOKKU_DOUBLE_DEPLOY_ENV_GAP_MS (between the GIT_REV write's read and its
 * write), DOKKU_DOUBLE_REBUILD_MS (ps:rebuild's build),
 * DOKKU_DOUBLE_RESTART_MS (ps:restart's checks).
 *
 * A deploy at an exact moment (a user's `git push` racing the converge):
 * $ROOT/var/lib/dokku-double/deploy-after holds {"after": CMD, "app": APP,
 * "env": {…DOKKU_DOUBLE_DEPLOY_*}}; when a successful `dokku CMD APP …` ends,
 * the file is removed and `dokku git:from-image APP` starts in the
 * background (the call returns once it holds the lock); its exit code goes
 * to var/lib/dokku-double/deploy-after.exit.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const { spawn, spawnSync } = require("child_process");

const LOCKED_EXIT = 75;
/** plugins/builds/builds.go DefaultRetention. */
const RETENTION = 20;

function sleepMs(ms) {
    if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid) {
    if (!(pid > 0)) return false;
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return e.code === "EPERM";
    }
}

/** A record still being written by a live process (builds.go: status running, CheckPIDAlive). */
function isLive(b) {
    return b.status === "running" && pidAlive(b.pid);
}

/**
 * ctx: the plugin context of dokku.js plus `env(app)` (the app's env as a
 * plain object), `mounts(app)` (`host:container[:opts]` specs), `setEnv(app,
 * key, value)` and `entry` (dokku.js's path, for the locked re-exec).
 */
function create(ctx) {
    const { LIB, HOME, VERSION, out, fail, requireApp } = ctx;
    const records = (app) => path.join(LIB, "data/builds", app);
    const lockFile = (app) => path.join(LIB, "data/apps", app, ".deploy.lock");

    /** The app's build records as stored (none when it has no records directory). */
    function readRecords(app) {
        if (!fs.existsSync(records(app))) return [];
        return fs
            .readdirSync(records(app))
            .filter((n) => n.endsWith(".json"))
            .map((n) => JSON.parse(fs.readFileSync(path.join(records(app), n), "utf8")));
    }
    function recordStart(app, kind, source) {
        if (VERSION !== "0.38") return undefined;
        const id = Date.now().toString(36) + crypto.randomBytes(4).toString("hex").slice(0, 6);
        const rec = {
            id,
            app,
            kind,
            pid: process.pid,
            started_at: new Date().toISOString(),
            status: "running",
            source,
        };
        fs.mkdirSync(records(app), { recursive: true });
        fs.writeFileSync(path.join(records(app), id + ".json"), JSON.stringify(rec));
        return id;
    }
    function recordFinish(app, id, code) {
        if (!id) return;
        const f = path.join(records(app), id + ".json");
        const rec = JSON.parse(fs.readFileSync(f, "utf8"));
        rec.finished_at = new Date().toISOString();
        rec.status = code === 0 ? "succeeded" : "failed";
        rec.exit_code = code;
        fs.writeFileSync(f, JSON.stringify(rec));
        prune(app);
    }
    /**
     * builds.go PruneAppBuilds, run by builds-record-finalize: ReapAbandonedBuilds (a record
     * still "running" whose pid is gone becomes "failed", exit_code -1, finished now), then
     * the finalized records (all but the live-running), newest first (FetchBuilds sorts on
     * started_at), beyond the retention are deleted with their logs.
     */
    function prune(app) {
        const now = new Date().toISOString();
        const all = readRecords(app)
            .map((b) => {
                if (b.status === "running" && !isLive(b)) {
                    Object.assign(b, { status: "failed", finished_at: now, exit_code: -1 });
                    fs.writeFileSync(path.join(records(app), b.id + ".json"), JSON.stringify(b));
                }
                return b;
            })
            .sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at));
        for (const b of all.filter((x) => !isLive(x)).slice(RETENTION)) {
            fs.rmSync(path.join(records(app), b.id + ".json"), { force: true });
            fs.rmSync(path.join(records(app), b.id + ".log"), { force: true });
        }
    }
    /** Runs fn (returns an exit code) as one recorded deploy; finalizes the record. */
    function recorded(app, kind, source, fn) {
        const id = recordStart(app, kind, source);
        let code = 1;
        try {
            code = fn(id);
        } finally {
            recordFinish(app, id, code);
        }
        return code;
    }

    /** Starts the app's new container now (env and mounts as they are now), swaps it in after checkMs. */
    function startContainer(app, source, id, checkMs) {
        const dir = path.join(HOME, app);
        const upcoming = path.join(dir, "CONTAINER.web.1.upcoming");
        const c = {
            image: `dokku/${app}:latest`,
            source,
            build: id ?? null,
            env: ctx.env(app),
            mounts: ctx.mounts(app).sort(),
        };
        fs.writeFileSync(upcoming, JSON.stringify(c) + "\n");
        sleepMs(checkMs);
        fs.renameSync(upcoming, path.join(dir, "CONTAINER.web.1"));
    }

    /**
     * receive-app: the locked part runs in a child under `flock -n` (the
     * lock held for the child's whole life), as git_receive_app holds fd 200.
     */
    function lockedDeploy(app, source, buildMs, checkMs, id) {
        const f = lockFile(app);
        fs.mkdirSync(path.dirname(f), { recursive: true });
        const r = spawnSync(
            "flock",
            [
                "-n",
                "-E",
                String(LOCKED_EXIT),
                f,
                process.execPath,
                ctx.entry,
                "__locked-deploy",
                app,
                source,
                String(buildMs),
                String(checkMs),
                id ?? "",
            ],
            { stdio: "inherit", env: process.env },
        );
        if (r.status === LOCKED_EXIT) {
            process.stderr.write(
                ` !     ${app} currently has a deploy lock in place. Exiting...\n`,
            );
            process.stderr.write(" !     Run 'apps:unlock' to release the existing deploy lock\n");
            return 1;
        }
        return r.status ?? 1;
    }

    /** The child: holds the lock (flock's fd), writes the build id, builds, deploys, removes the file. */
    function lockedPart(app, source, buildMs, checkMs, id) {
        const f = lockFile(app);
        fs.writeFileSync(f, (id || `pid-${process.ppid}`) + "\n");
        try {
            const gap = Number(process.env.DOKKU_DOUBLE_DEPLOY_ENV_GAP_MS || 0);
            ctx.setEnv(app, "GIT_REV", crypto.randomBytes(20).toString("hex"), gap);
            out(`-----> Building ${app} from Dockerfile\n`);
            sleepMs(buildMs);
            out("-----> Releasing " + app + "...\n-----> Deploying web (count=1)\n");
            startContainer(app, source, id, checkMs);
            out("=====> Application deployed:\n");
        } finally {
            fs.rmSync(f, { force: true });
        }
        return 0;
    }

    function buildsList(args) {
        const flags = {};
        const rest = [];
        for (let i = 0; i < args.length; i++) {
            if (/^--(format|kind|status)$/.test(args[i])) flags[args[i].slice(2)] = args[++i];
            else rest.push(args[i]);
        }
        const format = flags.format || "stdout";
        if (format !== "stdout" && format !== "json")
            fail("Invalid format specified, supported formats: json, stdout");
        const apps = rest[0] ? [rest[0]] : ctx.apps();
        if (rest[0]) requireApp(rest[0]);
        let views = [];
        for (const app of apps) {
            for (const b of readRecords(app)) {
                const display = b.status === "running" && !isLive(b) ? "abandoned" : b.status;
                const end = b.finished_at ? Date.parse(b.finished_at) : Date.now();
                views.push({
                    ...b,
                    display_status: display,
                    duration: `${Math.round((end - Date.parse(b.started_at)) / 1000)}s`,
                    log_path: path.join(records(app), b.id + ".log"),
                });
            }
        }
        if (!rest[0]) views = views.filter((v) => v.display_status === "running");
        if (flags.kind) views = views.filter((v) => v.kind === flags.kind);
        if (flags.status) views = views.filter((v) => v.display_status === flags.status);
        views.sort((a, b) => {
            const la = a.display_status === "running";
            const lb = b.display_status === "running";
            if (la !== lb) return la ? -1 : 1;
            return Date.parse(b.started_at) - Date.parse(a.started_at);
        });
        // One app, no filter: the live-running records and the newest `retention` others
        // (ResolveRetention: DefaultRetention 20; the double has no builds:set).
        const live = views.filter((v) => v.display_status === "running").length;
        if (rest[0] && !flags.status && !flags.kind) views = views.slice(0, live + RETENTION);
        if (format === "json") {
            out(JSON.stringify(views) + "\n");
            return;
        }
        if (views.length === 0) out("No builds recorded for this app\n");
        for (const v of views)
            out(`${v.app} ${v.id} ${v.kind} ${v.pid} ${v.source} ${v.display_status}\n`);
    }

    return {
        /** git:from-image APP IMAGE: a whole deploy (build record, lock, build, container swap). */
        fromImage(app) {
            requireApp(app);
            const buildMs = Number(process.env.DOKKU_DOUBLE_DEPLOY_BUILD_MS || 0);
            const checkMs = Number(process.env.DOKKU_DOUBLE_DEPLOY_CHECK_MS || 0);
            return recorded(app, "build", "git:from-image", (id) =>
                lockedDeploy(app, "git:from-image", buildMs, checkMs, id),
            );
        },
        /** ps:rebuild's receive-app (after the double's failure injections). */
        rebuild(app) {
            const buildMs = Number(process.env.DOKKU_DOUBLE_REBUILD_MS || 0);
            return recorded(app, "build", "ps:rebuild", (id) =>
                lockedDeploy(app, "ps:rebuild", buildMs, 0, id),
            );
        },
        /**
         * ps:restart of a deployed app: the running image again, env and mounts read now; no
         * lock. Its record is never finalized either (ps.go Restart runs the "deploy" trigger,
         * which neither releases a deploy lock nor calls builds-record-finalize): "running"
         * while it runs, "abandoned" after, "failed" once a later deploy's finalize reaps it.
         */
        restart(app) {
            const checkMs = Number(process.env.DOKKU_DOUBLE_RESTART_MS || 0);
            const id = recordStart(app, "deploy", "ps:restart");
            startContainer(app, "ps:restart", id, checkMs);
            return 0;
        },
        /** ps:restart of a never-deployed app: the entry point's record, never finalized (0.38). */
        restartNotDeployed(app) {
            recordStart(app, "deploy", "ps:restart");
        },
        lockedPart,
        buildsList,
        maybeStartAfter(cmd, args) {
            const hook = path.join(ctx.ROOT, "var/lib/dokku-double/deploy-after");
            if (!fs.existsSync(hook)) return;
            const h = JSON.parse(fs.readFileSync(hook, "utf8"));
            if (h.after !== cmd || !args.includes(h.app)) return;
            fs.rmSync(hook);
            const exitFile = hook + ".exit";
            fs.rmSync(exitFile, { force: true });
            const child = spawn(
                "/bin/sh",
                [
                    "-c",
                    '"$0" "$1" git:from-image "$2" localtest/busybox:1 >/dev/null 2>&1; echo $? >"$3"',
                    process.execPath,
                    ctx.entry,
                    h.app,
                    exitFile,
                ],
                { detached: true, stdio: "ignore", env: { ...process.env, ...(h.env || {}) } },
            );
            child.unref();
            while (!fs.existsSync(lockFile(h.app)) && !fs.existsSync(exitFile)) sleepMs(10);
        },
        /** apps:report APP --app-locked: does the lock file exist. */
        appLocked(app) {
            requireApp(app);
            out(`${fs.existsSync(lockFile(app))}\n`);
        },
    };
}

module.exports = { create };
