#!/usr/bin/env node
/*
 * A `dokku` test double that follows ../shared/dokku-contract.md for the
 * subset this program drives, in two modes: Dokku 0.37.x and 0.38.x
 * (DOKKU_DOUBLE_VERSION=0.37|0.38|X.Y.Z, default 0.38; see below). State lives in files under
 * DOKKU_DOUBLE_ROOT (default "/", i.e. the real paths inside the test host's
 * private mount namespace). Every invocation is appended to
 * $ROOT/var/log/dokku-double.jsonl as {"cmd","args","kind":"read"|"write"|"restart"|"rebuild"|"error"}.
 *
 * Optional costs (for benchmarks): DOKKU_DOUBLE_COST_MS per call,
 * DOKKU_DOUBLE_RESTART_MS per restart, DOKKU_DOUBLE_REBUILD_MS per rebuild.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");
const godotenv = require("./godotenv");

const ROOT = process.env.DOKKU_DOUBLE_ROOT || "/";
/*
 * DOKKU_DOUBLE_VERSION: "0.37" (= 0.37.10), "0.38" (= 0.38.27, the default)
 * or a full "X.Y.Z", which `dokku version` reports. VERSION is the mode
 * (minor line) the commands follow; within a line, behaviour that changed at
 * a patch release checks FULL_VERSION with versionAtLeast (tags read below).
 * Below 0.37.5 (storage was a shell plugin: multi-line JSON, regex duplicate
 * check) only `dokku version` is modelled: every other command fails.
 */
const WANTED_VERSION = process.env.DOKKU_DOUBLE_VERSION || "0.38";
const FULL_VERSION =
    WANTED_VERSION === "0.37" ? "0.37.10" : WANTED_VERSION === "0.38" ? "0.38.27" : WANTED_VERSION;
if (!/^\d+\.\d+\.\d+$/.test(FULL_VERSION)) {
    process.stderr.write(
        `dokku double: DOKKU_DOUBLE_VERSION must be 0.37, 0.38 or X.Y.Z; got ${WANTED_VERSION}\n`,
    );
    process.exit(2);
}
function versionAtLeast(v) {
    const a = FULL_VERSION.split(".").map(Number);
    const b = v.split(".").map(Number);
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
    return true;
}
const VERSION = versionAtLeast("0.38.0") ? "0.38" : "0.37";
const MODELLED = versionAtLeast("0.37.5") && !versionAtLeast("0.39.0");
const r = (...p) => path.join(ROOT, ...p);
const HOME = r("home/dokku");
const LIB = r("var/lib/dokku");

function sleepMs(ms) {
    if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const T0 = Date.now();
function log(entry) {
    const f = r("var/log/dokku-double.jsonl");
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.appendFileSync(
        f,
        JSON.stringify({ ...entry, pid: process.pid, t0: T0, t: Date.now() }) + "\n",
    );
}

let invocation = { cmd: "", args: [], kind: "read" };
function finish(code) {
    log({ ...invocation, exit: code });
    process.exit(code);
}
function out(s) {
    process.stdout.write(s);
}
function err(msg) {
    process.stderr.write(` !     ${msg}\n`);
}
function fail(msg, code = 1) {
    err(msg);
    finish(code);
}

function apps() {
    if (!fs.existsSync(HOME)) return [];
    return fs
        .readdirSync(HOME, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.startsWith(".") && !/^[A-Z]/.test(d.name))
        .map((d) => d.name)
        .sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : a === b ? 0 : 1));
}
function exists(app) {
    return apps().includes(app);
}
function requireApp(app) {
    if (app === undefined || app === "") fail("Please specify an app to run the command on");
    if (!exists(app)) fail(`App ${app} does not exist`, 20);
}
function writeFile600(f, text) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text, { mode: 0o600 });
    fs.chmodSync(f, 0o600);
}
function readOr(f, dflt) {
    try {
        return fs.readFileSync(f, "utf8");
    } catch {
        return dflt;
    }
}

// ---------------------------------------------------------------- storage
function parseMountArg(arg) {
    if (arg.startsWith("/")) {
        if (!/^\/.*:\//.test(arg)) fail("Storage path must be two valid paths divided by colon.");
    } else if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+:\//.test(arg)) {
        if (VERSION === "0.38" && !arg.includes(":")) {
            fail(
                `storage entry "${arg}" does not exist; create it first with \`dokku storage:create\``,
            );
        }
        fail(
            "Volume name must be two characters or more. Volume name must not contain invalid characters. Storage path must be two valid paths divided by colon.",
        );
    }
    const parts = arg.split(":");
    return { host: parts[0], container: parts[1], opts: parts.slice(2).join(":") };
}
function optsFiles(app) {
    return ["DOCKER_OPTIONS_DEPLOY", "DOCKER_OPTIONS_RUN"].map((f) => path.join(HOME, app, f));
}
function lines37(f) {
    return readOr(f, "")
        .split("\n")
        .filter((l) => l !== "");
}
function write37(f, ls) {
    ls.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    writeFile600(f, ls.join("\n") + "\n");
}
function entryName(host) {
    const h = host.startsWith("/") ? host : "vol:" + host;
    return "legacy-" + crypto.createHash("sha1").update(h).digest("hex").slice(0, 10);
}
function mounts38File(app) {
    return path.join(LIB, "config/storage", app, "mounts");
}
function mounts38(app) {
    return readOr(mounts38File(app), "")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l));
}
function entryHost(name, app) {
    const f = path.join(LIB, "data/storage-registry/entries", name + ".json");
    if (!fs.existsSync(f)) {
        // v0.38.27 plugins/storage/storage.go ListAppMountEntries + entry.go LoadEntry.
        fail(
            `attachment on "${app}" references missing entry "${name}": storage entry "${name}" does not exist`,
        );
    }
    return JSON.parse(fs.readFileSync(f, "utf8")).host_path;
}
/** Normalised list: [{host_path, container_path, opts}] in the version's order. */
function listMounts(app) {
    if (VERSION === "0.37") {
        return lines37(optsFiles(app)[0])
            .filter((l) => l.startsWith("-v "))
            .map((l) => {
                const p = l.slice(3).split(":");
                return { host_path: p[0], container_path: p[1], opts: p.slice(2).join(":") };
            });
    }
    return mounts38(app)
        .map((m) => ({
            entry_name: m.entry_name,
            host_path: entryHost(m.entry_name, app),
            container_path: m.container_path,
            readonly: m.readonly === true,
            opts: [m.readonly ? "ro" : "", m.volume_options || ""].filter(Boolean).join(","),
            volume_options: m.volume_options,
        }))
        .sort((a, b) => (a.entry_name < b.entry_name ? -1 : a.entry_name > b.entry_name ? 1 : 0));
}
function storageMount(app, arg) {
    const m = parseMountArg(arg);
    if (VERSION === "0.37") {
        const line = `-v ${arg}`;
        const files = optsFiles(app);
        if (files.some((f) => lines37(f).includes(line))) fail("Mount path already exists.");
        for (const f of files) write37(f, [...lines37(f), line]);
        return;
    }
    const cur = mounts38(app);
    const name = entryName(m.host);
    if (cur.some((e) => e.entry_name === name && e.container_path === m.container))
        fail("Mount path already exists.");
    const ef = path.join(LIB, "data/storage-registry/entries", name + ".json");
    if (!fs.existsSync(ef)) {
        fs.mkdirSync(path.dirname(ef), { recursive: true });
        fs.writeFileSync(
            ef,
            JSON.stringify(
                { name, scheduler: "docker-local", host_path: m.host, schema_version: 1 },
                null,
                2,
            ) + "\n",
        );
    }
    const opts = m.opts.split(",").filter(Boolean);
    const rec = {
        entry_name: name,
        container_path: m.container,
        phases: ["deploy", "run"],
        process_type: "_default_",
    };
    if (opts.includes("ro")) rec.readonly = true;
    const rest = opts.filter((o) => o !== "ro");
    if (rest.length) rec.volume_options = rest.join(",");
    const f = mounts38File(app);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.appendFileSync(f, JSON.stringify(rec) + "\n");
}
function storageUnmount(app, arg) {
    const m = parseMountArg(arg);
    if (VERSION === "0.37") {
        const line = `-v ${arg}`;
        const files = optsFiles(app);
        if (!files.some((f) => lines37(f).includes(line))) fail("Mount path does not exist.");
        for (const f of files)
            write37(
                f,
                lines37(f).filter((l) => l !== line),
            );
        return;
    }
    const cur = mounts38(app);
    const name = entryName(m.host);
    const keep = cur.filter((e) => !(e.entry_name === name && e.container_path === m.container));
    if (keep.length === cur.length) fail("Mount path does not exist.");
    writeFile600(mounts38File(app), keep.map((e) => JSON.stringify(e) + "\n").join(""));
}
function storageList(app, format, quiet) {
    const ms = listMounts(app);
    if (VERSION === "0.37")
        for (const f of optsFiles(app)) if (!fs.existsSync(f)) writeFile600(f, "");
    if (format === "json") {
        const arr =
            VERSION === "0.37"
                ? ms.map((m) => ({
                      host_path: m.host_path,
                      container_path: m.container_path,
                      volume_options: m.opts,
                  }))
                : !versionAtLeast("0.38.13")
                  ? // v0.38.0..v0.38.12 plugins/storage/storage.go ListAppMountEntries:
                    // volume_options always present, "ro" folded into it, no readonly.
                    ms.map((m) => ({
                        entry_name: m.entry_name,
                        host_path: m.host_path,
                        container_path: m.container_path,
                        volume_options: m.opts,
                    }))
                  : ms.map((m) => {
                        const o = {
                            entry_name: m.entry_name,
                            host_path: m.host_path,
                            container_path: m.container_path,
                        };
                        if (m.readonly) o.readonly = true;
                        if (m.volume_options) o.volume_options = m.volume_options;
                        return o;
                    });
        out(JSON.stringify(arr) + "\n");
        return;
    }
    if (!quiet) out(`-----> ${app} volume bind-mounts:\n`);
    for (const m of ms)
        out(
            `${quiet ? "" : "       "}${m.host_path}:${m.container_path}${m.opts ? ":" + m.opts : ""}\n`,
        );
}
function storageReport(app, args) {
    const ms = listMounts(app);
    const v = ms
        .map((m) => `-v ${m.host_path}:${m.container_path}${m.opts ? ":" + m.opts : ""}`)
        .join(" ");
    const rows = {
        "--storage-build-mounts": "",
        "--storage-deploy-mounts": v,
        "--storage-run-mounts": v,
    };
    const flags = args.filter((a) => a.startsWith("--") && a !== "--format");
    if (args.includes("--format") && args[args.indexOf("--format") + 1] === "json") {
        const o = {};
        for (const [k, val] of Object.entries(rows)) {
            o[k.slice(2)] = val;
            if (VERSION === "0.38") o[k.slice(10)] = val;
        }
        out(JSON.stringify(Object.fromEntries(Object.entries(o).sort())) + "\n");
        return;
    }
    if (flags.length === 1) {
        if (!(flags[0] in rows))
            fail(`Invalid flag passed, valid flags: ${Object.keys(rows).join(", ")}`);
        out(rows[flags[0]] + "\n");
        return;
    }
    out(`=====> ${app} storage information\n`);
    for (const [k, val] of Object.entries(rows)) {
        const label = k.slice(2).replace(/[-.]/g, " ");
        out("       " + (label[0].toUpperCase() + label.slice(1) + ":").padEnd(31) + val + "\n");
    }
}

// ---------------------------------------------------------------- config
function envFile(app) {
    return VERSION === "0.37" ? path.join(HOME, app, "ENV") : path.join(LIB, "config", app, "ENV");
}
/*
 * ENV files as Dokku's config plugin handles them (read in dokku/dokku
 * v0.38.27 and v0.37.7 plugins/config/environment.go, config.go,
 * functions.go), through the godotenv version that Dokku version uses
 * (./godotenv.js). Keys and values are byte strings (see godotenv.js).
 */
const GODOTENV = godotenv.forDokku(FULL_VERSION);
const KEY_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/; // validateKey
/**
 * loadFromFile: godotenv.Read when the file exists (throws GodotenvError),
 * then every key failing validateKey is deleted and the file rewritten.
 * `before`: the file's bytes or null. Returns the env, the deleted keys and
 * the file's bytes after (null: no file).
 */
function loadEnvBytes(g, before) {
    const env = before === null ? new Map() : g.parse(before);
    const deleted = godotenv.sortBytes([...env.keys()].filter((k) => !KEY_RE.test(k)));
    for (const k of deleted) env.delete(k);
    return { env, deleted, after: deleted.length ? g.write(env) : before };
}
/**
 * What config:set (SetMany) then config:unset (UnsetMany) do to the file, as
 * one pure function for the differential test: the same steps as the
 * commands below. `set`: Map, `unset`: keys (byte strings).
 */
function applyConfig(g, before, set, unset) {
    let loaded;
    try {
        loaded = loadEnvBytes(g, before);
    } catch (e) {
        if (e instanceof godotenv.GodotenvError) return { loadErr: e.message };
        throw e;
    }
    const { env, deleted } = loaded;
    let after = loaded.after;
    let wrote = deleted.length > 0;
    if (set.size > 0) {
        for (const [k, v] of set) env.set(k, v);
        after = g.write(env);
        wrote = true;
    }
    let changed = false;
    for (const k of unset) changed = env.delete(k) || changed;
    if (changed) {
        after = g.write(env);
        wrote = true;
    }
    return { deleted, after, wrote };
}
function envFileBytes(app) {
    try {
        return fs.readFileSync(envFile(app)).toString("latin1");
    } catch {
        return null;
    }
}
function outBytes(s) {
    process.stdout.write(godotenv.toBuffer(s));
}
/**
 * The app's env as Dokku loads it. A file godotenv cannot read fails the
 * command with godotenv's error (LogFailWithError: " !     <err>", exit 1);
 * config:get exits 1 silently instead (Get ignores the error).
 */
function loadEnv(app, silent = false) {
    let loaded;
    try {
        loaded = loadEnvBytes(GODOTENV, envFileBytes(app));
    } catch (e) {
        if (!(e instanceof godotenv.GodotenvError)) throw e;
        invocation.kind = "error";
        if (silent) finish(1);
        process.stderr.write(godotenv.toBuffer(` !     ${e.message}\n`));
        finish(1);
    }
    for (const k of loaded.deleted) {
        outBytes(`-----> Deleting invalid key ${k} from config for ${app}\n`);
    }
    if (loaded.deleted.length) writeFile600(envFile(app), godotenv.toBuffer(loaded.after));
    return loaded.env;
}
function writeEnv(app, env) {
    writeFile600(envFile(app), godotenv.toBuffer(GODOTENV.write(env)));
}
function deployed(app) {
    return fs.existsSync(path.join(HOME, app, "CONTAINER.web.1"));
}
/*
 * Failure injection for restarts and rebuilds, as Dokku v0.38.27 fails them:
 * DOKKU_DOUBLE_FAIL_RESTART=app[,app] (or "*") makes the deploy of those
 * (deployed) apps fail its health check. plugins/ps/ps.go Restart runs the
 * `deploy` trigger with streamed stdio and returns its error (exit 1, and
 * LogFailWithError prints nothing more since the captured stderr is empty);
 * scheduler-docker-local/bin/scheduler-deploy-process prints "Deploying",
 * scheduler-deploy-process-container "Attempting pre-flight checks", and
 * check-deploy, when the healthchecker fails, the container output between
 * "Start of"/"End of" lines and ` !     Could not start due to N failed checks`; GNU parallel
 * then reports the failed job and Dokku repeats the failure lines.
 */
function failsRestart(app) {
    // The same list may also sit in $ROOT/var/lib/dokku-double/fail-restart
    // (so a test can switch it over SSH while the host runs).
    const list = [
        process.env.DOKKU_DOUBLE_FAIL_RESTART || "",
        readOr(r("var/lib/dokku-double/fail-restart"), "").trim(),
    ]
        .join(",")
        .split(",")
        .filter(Boolean);
    return list.includes("*") || list.includes(app);
}
function failedDeploy(app) {
    // Everything reaches stdout, stderr stays empty; the failure lines come twice, the second time from
    // GNU parallel's report with each line prefixed once more (all seen on the real 0.38.27 in
    // test/dokku/restart-failure.test.ts, 2026-11-27).
    const id = "28a03d1be1a0f4843f9e133ef40930b1290b8f56175f4dd780bc3a0715d82b44";
    const check =
        "\u001b[1m\u001b[31m !     \u001b[0m\u001b[0mFailure in name='port listening check': container listening on expected IPv4 interface with an unexpected port: expected=5000 actual=8080";
    const job = `parallel: This job failed:\n/var/lib/dokku/plugins/available/scheduler-docker-local/bin/scheduler-deploy-process-container ${app} dockerfile dokku/${app}:latest latest web 1 1\n`;
    const container = `=====> Start of ${app} container output (${id.slice(0, 12)} web.1)\n       listening on :8080\n=====> End of ${app} container output (${id.slice(0, 12)} web.1)\n`;
    out(
        `-----> Deploying web (count=1)\n       Attempting pre-flight checks (web.1)\n` +
            `-----> Executing 1 healthchecks\n       Running healthcheck name='port listening check' attempts=3 port=5000 retries=2 timeout=5 type='listening' wait=5\n` +
            `${check}\n${id}\n !     Could not start due to 1 failed checks (web.1)\n` +
            container +
            job +
            ` !     ${check}\n !     Could not start due to 1 failed checks (web.1)\n` +
            job +
            "\n",
    );
    invocation.kind = "error";
    finish(1);
}
/*
 * ps:rebuild runs the git plugin's receive-app, which takes the app's deploy
 * lock exclusively (flock -n) and fails when another process holds it; a
 * ps:restart takes no lock: ./dokku-deploys.js (v0.38.27, read there).
 */
function restart(app, how) {
    if (how === "rebuild") {
        if (deployed(app) && failsRestart(app)) {
            out(`-----> Cleaning up...\n-----> Building ${app} from Dockerfile\n`);
            failedDeploy(app);
        }
        if (!deployed(app)) {
            out(
                "\x1b[1G\x1b[K-----> WARNING: Cannot build from 'master' as there are no commits stored at that branch.\n",
            );
            invocation.kind = "error";
            finish(1);
        }
        out("-----> Cleaning up...\n");
        const code = deploys.rebuild(app);
        if (code !== 0) {
            invocation.kind = "error";
            finish(code);
        }
        invocation.kind = "rebuild";
        return;
    }
    if (!deployed(app)) {
        deploys.restartNotDeployed(app);
        // On stdout, exit 0 (run on the real 0.38.27, 2026-11-27: stderr empty).
        out(` !     App ${app} has not been deployed\n`);
        return;
    }
    if (failsRestart(app)) failedDeploy(app);
    const k3s = storage.deployProblem(app);
    if (k3s) fail(k3s);
    invocation.kind = "restart";
    out(`-----> Deploying web (count=1)\n`);
    deploys.restart(app);
    out(`=====> Application deployed:\n`);
}
function configSet(args, quiet) {
    let encoded = false;
    let noRestart = false;
    const rest = [];
    for (const a of args) {
        if (a === "--encoded") encoded = true;
        else if (a === "--no-restart") noRestart = true;
        else rest.push(a);
    }
    const app = rest.shift();
    requireApp(app);
    // SubSet: pairs and base64 first, then SetMany loads, then checks keys.
    if (rest.length === 0) fail("At least one env pair must be given");
    const updates = new Map();
    for (const pair of rest) {
        const i = pair.indexOf("=");
        if (i < 0) fail(`Invalid env pair: ${pair}`);
        const k = godotenv.bytes(pair.slice(0, i));
        let v = pair.slice(i + 1);
        if (encoded) {
            if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
                fail(
                    `illegal base64 data at input byte ${Math.max(0, v.search(/[^A-Za-z0-9+/=]/))} for key '${k}'`,
                );
            }
            updates.set(k, Buffer.from(v, "base64").toString("latin1"));
        } else updates.set(k, godotenv.bytes(v));
    }
    const env = loadEnv(app);
    for (const k of updates.keys()) if (!KEY_RE.test(k)) fail(`Invalid key name: '${k}'`);
    invocation.kind = "write";
    for (const [k, v] of updates) env.set(k, v);
    if (!quiet) {
        out("-----> Setting config vars\n");
        const keys = godotenv.sortBytes([...updates.keys()]);
        const w = Math.max(...keys.map((k) => k.length + 1)) + 2;
        for (const k of keys)
            outBytes("       " + (k + ":").padEnd(w) + updates.get(k).trim() + "\n");
    }
    writeEnv(app, env);
    if (!noRestart && deployed(app)) {
        out(`-----> Restarting app ${app}\n`);
        restart(app, "restart");
    }
}
function configUnset(args, quiet) {
    let noRestart = false;
    const rest = args.filter((a) => (a === "--no-restart" ? ((noRestart = true), false) : true));
    const app = rest.shift();
    requireApp(app);
    if (rest.length === 0) fail("At least one key must be given");
    const env = loadEnv(app);
    const keys = rest.map((k) => godotenv.bytes(k));
    for (const k of keys) if (!KEY_RE.test(k)) fail(`Invalid key name: '${k}'`);
    let changed = false;
    for (const k of keys) {
        if (env.has(k)) {
            env.delete(k);
            changed = true;
            if (!quiet) outBytes(`-----> Unsetting ${k}\n`);
        } else if (!quiet) outBytes(`-----> Skipping ${k}, it is not set in the environment\n`);
    }
    if (changed) {
        invocation.kind = "write";
        writeEnv(app, env);
    }
    if (!noRestart && deployed(app)) restart(app, "restart");
}
/** singleQuoteEscape + stringWithPrefixAndSeparator (environment.go). */
function quotedEntries(env, prefix) {
    return godotenv
        .sortBytes([...env.keys()])
        .map((k) => `${prefix}${k}='${env.get(k).split("'").join("'\\''")}'`);
}
function configExport(args) {
    let format = "exports";
    const rest = [];
    for (let i = 0; i < args.length; i++) {
        if (args[i] === "--format") format = args[++i];
        else if (args[i] === "--merged") continue;
        else rest.push(args[i]);
    }
    const app = rest[0];
    requireApp(app);
    const formats = ["json", "json-list", "shell", "exports", "envfile"];
    if (!formats.includes(format)) fail(`Unknown export format: ${format}`);
    const env = loadEnv(app);
    // export(): fmt.Print(exported + suffix), suffix " " for shell, else "\n".
    switch (format) {
        case "json":
            out(godotenv.goJsonMap(env) + "\n");
            break;
        case "json-list":
            out(godotenv.goJsonList(env) + "\n");
            break;
        case "shell":
            outBytes(quotedEntries(env, "").join(" ") + " ");
            break;
        case "exports":
            outBytes(quotedEntries(env, "export ").join("\n") + "\n");
            break;
        case "envfile":
            outBytes(GODOTENV.marshal(env) + "\n");
            break;
    }
}

// ---------------------------------------------------------------- main
// What the double's plugin modules share (the helpers above).
let globalForce = false;
const pluginCtx = {
    FULL_VERSION,
    VERSION,
    HOME,
    LIB,
    versionAtLeast,
    apps,
    requireApp,
    fail,
    out,
    writeFile600,
    readOr,
    setKind: (k) => (invocation.kind = k),
    globalForce: () => globalForce,
};
// docker-options per phase and builder:report: ./dokku-docker-options.js (tags read: see there).
const dockerOptions = require("./dokku-docker-options").create(pluginCtx);
// Named storage entries and the scheduler selection: ./dokku-storage.js (tags read: see there).
const storage = require("./dokku-storage").create(pluginCtx);
// The deploy lock, build records and containers: ./dokku-deploys.js (tags read: see there).
const deploys = require("./dokku-deploys").create({
    ...pluginCtx,
    ROOT,
    entry: __filename,
    env: (app) => Object.fromEntries(loadEnv(app)),
    mounts: (app) =>
        listMounts(app).map(
            (m) => `${m.host_path}:${m.container_path}${m.opts ? ":" + m.opts : ""}`,
        ),
    setEnv: (app, k, v, gapMs = 0) => {
        const env = loadEnv(app);
        sleepMs(gapMs); // between its read and its write (Dokku's config writes take no lock)
        env.set(k, v);
        writeEnv(app, env);
    },
});

function main(argv) {
    if (argv[0] === "__locked-deploy") {
        // The locked part of a deploy, run by ./dokku-deploys.js under flock(1): not a call of its own.
        const [, app, source, buildMs, checkMs, id] = argv;
        process.exit(deploys.lockedPart(app, source, Number(buildMs), Number(checkMs), id));
    }
    let quiet = false;
    while (argv.length && /^--(quiet|trace|force)$/.test(argv[0])) {
        const g = argv.shift();
        if (g === "--quiet") quiet = true;
        if (g === "--force") globalForce = true;
    }
    const cmd = argv.shift() || "help";
    const args = argv;
    invocation = { cmd, args, kind: "read" };
    // Fault injection: DOKKU_DOUBLE_FAIL_ON=cmd[,cmd] makes those commands die
    // (exit 255, like a cut SSH session) before doing anything, once per
    // marker file DOKKU_DOUBLE_FAIL_ONCE if set.
    const failOn = (process.env.DOKKU_DOUBLE_FAIL_ON || "").split(",").filter(Boolean);
    if (failOn.includes(cmd)) {
        const once = process.env.DOKKU_DOUBLE_FAIL_ONCE;
        if (!once || !fs.existsSync(once)) {
            if (once) fs.writeFileSync(once, cmd);
            invocation.kind = "error";
            process.stderr.write("Connection to host closed by remote host.\n");
            finish(255);
        }
    }
    // Session death at an exact step: when $ROOT/var/lib/dokku-double/kill-at
    // holds N, the N-th dokku call from then on SIGKILLs the shell that runs
    // the script (as if the SSH session or the host died there) and the fault
    // file is removed, so it fires once.
    const killAt = r("var/lib/dokku-double/kill-at");
    if (fs.existsSync(killAt)) {
        const countFile = r("var/lib/dokku-double/count");
        const n = Number(readOr(countFile, "0")) + 1;
        fs.writeFileSync(countFile, String(n));
        if (n >= Number(fs.readFileSync(killAt, "utf8"))) {
            fs.rmSync(killAt, { force: true });
            fs.rmSync(countFile, { force: true });
            invocation.kind = "error";
            log({ ...invocation, exit: 255, killed: true });
            // Every shell (and flock) above this call up to the first other
            // process: the script's shell also when the call runs in a $(...)
            // subshell or under flock.
            const comm = (pid) => readOr(`/proc/${pid}/comm`, "").trim();
            const ppidOf = (pid) =>
                Number(readOr(`/proc/${pid}/stat`, "").split(") ")[1]?.split(" ")[1]);
            const victims = [];
            for (let pid = process.ppid; pid > 1 && /^(sh|dash|bash|flock)$/.test(comm(pid));) {
                victims.push(pid);
                pid = ppidOf(pid);
            }
            for (const pid of victims.reverse()) process.kill(pid, "SIGKILL");
            process.exit(255);
        }
    }
    sleepMs(Number(process.env.DOKKU_DOUBLE_COST_MS || 0));
    if (!MODELLED && !["version", "-v", "--version"].includes(cmd)) {
        process.stderr.write(
            `dokku double: Dokku ${FULL_VERSION} is modelled for \`dokku version\` only\n`,
        );
        invocation.kind = "error";
        finish(1);
    }
    switch (cmd) {
        case "version":
        case "-v":
        case "--version":
            out(`dokku version ${FULL_VERSION}\n`);
            break;
        case "apps":
        case "apps:list": {
            if (args.includes("--format")) {
                if (VERSION === "0.37") {
                    process.stderr.write("Usage of apps:list:\nunknown flag: --format\n");
                    finish(2);
                }
                out(JSON.stringify(apps()) + "\n");
                break;
            }
            if (args.some((a) => a.startsWith("--"))) {
                process.stderr.write(`Usage of apps:list:\nunknown flag: ${args[0]}\n`);
                finish(2);
            }
            if (!quiet) out("=====> My Apps\n");
            const list = apps();
            if (list.length === 0) err("You haven't deployed any applications yet");
            for (const a of list) out(a + "\n");
            break;
        }
        case "apps:exists":
            requireApp(args[0]);
            break;
        case "apps:report":
            // Only the flag the converge reads (plugins/apps report.go reportLocked).
            if (args[1] !== "--app-locked") fail("dokku double: only apps:report APP --app-locked");
            deploys.appLocked(args[0]);
            break;
        case "builds:list":
            if (VERSION !== "0.38") {
                // No builds plugin before 0.38.0.
                err(`\`${[cmd, ...args].join(" ")}\` is not a dokku command.`);
                err("See `dokku help` for a list of available commands.");
                finish(1);
            }
            deploys.buildsList(args);
            break;
        case "git:from-image": {
            requireApp(args[0]);
            invocation.kind = "deploy";
            const code = deploys.fromImage(args[0]);
            if (code !== 0) invocation.kind = "error";
            finish(code);
            break;
        }
        case "repo:purge-cache": {
            // plugins/repo/repo.go PurgeCache (dokku v0.38.27): removes the app's build-stage
            // containers (none exist in the double), then `docker volume rm -f cache-<app>`.
            requireApp(args[0]);
            invocation.kind = "write";
            const r = require("child_process").spawnSync(
                "docker",
                ["volume", "rm", "-f", `cache-${args[0]}`],
                { encoding: "utf8" },
            );
            process.stderr.write(r.stderr || "");
            if (r.status !== 0) fail("Unable to remove cache volume", r.status || 1);
            break;
        }
        case "apps:create": {
            const app = args[0];
            const re = VERSION === "0.38" ? /^[a-z0-9][a-z0-9.-]*$/ : /^[a-z0-9][^/:_A-Z]*$/;
            if (!app || !re.test(app)) {
                fail(
                    VERSION === "0.38"
                        ? "App name must begin with lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens"
                        : "App name must begin with lowercase alphanumeric character, and cannot include uppercase characters, colons, or underscores",
                );
            }
            if (exists(app)) fail("Name is already taken");
            invocation.kind = "write";
            fs.mkdirSync(path.join(HOME, app, "refs"), { recursive: true });
            writeFile600(
                path.join(LIB, "config/apps", app, "created-at"),
                String(Math.floor(Date.now() / 1000)),
            );
            writeFile600(path.join(LIB, "config/ps", app, "scale"), "web=1");
            if (VERSION === "0.38") {
                fs.mkdirSync(path.join(LIB, "config", app), { recursive: true });
                fs.mkdirSync(path.join(LIB, "config/config", app), { recursive: true });
            }
            out(`-----> Creating ${app}...\n`);
            break;
        }
        case "storage:list": {
            let format = "text";
            const rest = [];
            for (let i = 0; i < args.length; i++) {
                if (args[i] === "--format") format = args[++i];
                else rest.push(args[i]);
            }
            requireApp(rest[0]);
            if (format !== "text" && format !== "json") fail("Invalid --format value specified");
            storageList(rest[0], format, quiet);
            break;
        }
        case "storage:report":
            requireApp(args[0]);
            storageReport(args[0], args.slice(1));
            break;
        case "storage:mount":
        case "storage:unmount":
            if (storage.handle(cmd, args)) break;
            requireApp(args[0]);
            if (args[1] === undefined)
                fail("Storage path must be two valid paths divided by colon.");
            invocation.kind = "write";
            if (cmd === "storage:mount") storageMount(args[0], args[1]);
            else storageUnmount(args[0], args[1]);
            break;
        case "config:set":
            configSet(args, quiet);
            break;
        case "config:unset":
            configUnset(args, quiet);
            break;
        case "config:export":
            configExport(args);
            break;
        case "config:get": {
            const rest = args.filter((a) => a !== "--quoted");
            requireApp(rest[0]);
            if (rest.length < 2) fail("Expected: key");
            if (rest.length > 2) fail(`Unexpected argument(s): [${rest.slice(2).join(" ")}]`);
            const env = loadEnv(rest[0], true);
            const key = godotenv.bytes(rest[1]);
            if (!KEY_RE.test(key) || !env.has(key)) finish(1);
            const v = env.get(key);
            outBytes((args.includes("--quoted") ? `'${v.split("'").join("'\\''")}'` : v) + "\n");
            break;
        }
        case "config:keys":
            requireApp(args[0]);
            outBytes(
                godotenv
                    .sortBytes([...loadEnv(args[0]).keys()])
                    .map((k) => k + "\n")
                    .join(""),
            );
            break;
        case "ps:report": {
            requireApp(args[0]);
            const d = deployed(args[0]);
            if (args[1] === "--deployed") out(`${d}\n`);
            else if (args[1] === "--running") out(`${d}\n`);
            else out(`=====> ${args[0]} ps information\n       ${"Deployed:".padEnd(34)}${d}\n`);
            break;
        }
        case "ps:restart":
        case "ps:rebuild":
            requireApp(args[0]);
            restart(args[0], cmd === "ps:rebuild" ? "rebuild" : "restart");
            break;
        default:
            if (dockerOptions(cmd, args)) break;
            if (storage.handle(cmd, args)) break;
            err(`\`${[cmd, ...args].join(" ")}\` is not a dokku command.`);
            err("See `dokku help` for a list of available commands.");
            finish(1);
    }
    deploys.maybeStartAfter(cmd, args);
    finish(0);
}

if (require.main === module) main(process.argv.slice(2));
module.exports = { GODOTENV, FULL_VERSION, loadEnvBytes, applyConfig };
