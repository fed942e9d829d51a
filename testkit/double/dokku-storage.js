/*
 * The dokku double's named storage entries and the scheduler selection,
 * required from dokku.js (0.38 mode only: none of these commands exists in
 * 0.37.10, whose storage plugin has list/mount/unmount/report/ensure-directory).
 * Read from Dokku's source, dokku/dokku tags as noted per behaviour:
 *
 * Entries (v0.38.27 plugins/storage entry.go, commands_entries.go,
 * src/subcommands/subcommands.go; the same since v0.38.0 unless noted):
 * - one JSON file per entry in $DOKKU_LIB_ROOT/data/storage-registry/entries/
 *   <name>.json (json.MarshalIndent of Entry, omitempty fields, mode 0600);
 * - names: DNS-1123 label, at most 45 characters, not starting with
 *   `legacy-` (ValidateEntryName);
 * - `storage:create NAME [PATH]`: default path $DOKKU_LIB_ROOT/data/storage/
 *   NAME; an existing entry of the same scheduler is rewritten ("already
 *   exists, leaving in place"), another scheduler is refused; `--chown` and
 *   `--mode` only on the default path (requireDefaultHostPath); the
 *   docker-local directory is created (0755) when missing; k3s needs --size,
 *   refuses --mode, accepts --access-mode/--storage-class-name (the cluster
 *   side, the storage-create trigger, is not modelled);
 * - `storage:info NAME --format json`, `storage:list-entries [--scheduler s]
 *   --format json` (sorted by name);
 * - `storage:set NAME PROPERTY [VALUE]` (property form, v0.38.27): chown,
 *   mode (same default-path rule), namespace, reclaim-policy, size;
 *   access-mode and storage-class-name cannot change;
 * - `storage:destroy NAME`: refused while any app has it attached ("is still
 *   mounted by app(s): …"); from v0.38.10 it asks for confirmation unless
 *   `--force` or the global `dokku --force` (DOKKU_APPS_FORCE_DELETE=1), and
 *   before v0.38.10 the `--force` flag does not exist (pflag: "unknown flag");
 *   `--destroy-host-dir` (v0.38.27) removes only the default path; a custom
 *   path is always kept.
 *
 * Named attachments (attachment.go, subcommands.go CommandMount/Unmount):
 * - `storage:mount APP NAME --container-dir DIR [--volume-readonly]` stores
 *   {entry_name, container_path, phases: [deploy, run], process_type:
 *   _default_, readonly} in the app's attachment list (the same file the
 *   colon form uses, see dokku.js); the same (entry, dir, process type)
 *   again is an error before v0.38.13 (AddAttachment: "is already mounted
 *   at") and an in-place update from v0.38.13 (UpsertAttachment);
 * - `storage:unmount APP NAME [--container-dir DIR]` (RemoveAttachment).
 *
 * Scheduler (v0.38.27 and v0.37.10 plugins/scheduler report.go,
 * subcommands.go): property $DOKKU_LIB_ROOT/config/scheduler/<app>/selected
 * (and --global); `scheduler:report APP --scheduler-computed-selected` is the
 * app's, else the global, else docker-local; `scheduler:set APP selected V`.
 * A k3s app's deploy fails on an attached docker-local entry
 * (scheduler-k3s/storage.go ToProcessVolumes, v0.38.27): see deployProblem.
 */
"use strict";
const fs = require("fs");
const path = require("path");

const MAX_NAME = 45;
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MODE_RE = /^[0-7]{3,4}$/;

/** Go pflag-ish parse: known string flags, known bool flags, positionals anywhere. */
function parseFlags(cmd, args, strings, bools, fail) {
    const flags = {};
    const pos = [];
    for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (!a.startsWith("--")) {
            pos.push(a);
            continue;
        }
        const [k, inline] = a.slice(2).split(/=(.*)/s);
        if (bools.includes(k)) flags[k] = inline === undefined ? true : inline === "true";
        else if (strings.includes(k)) flags[k] = inline !== undefined ? inline : args[++i];
        else fail(`unknown flag: --${k}\nUsage of ${cmd}:`, 2);
    }
    return { flags, pos };
}

function create(ctx) {
    const { FULL_VERSION, VERSION, LIB, requireApp, fail, out, writeFile600, readOr, apps } = ctx;
    const atLeast = ctx.versionAtLeast;
    const entriesDir = path.join(LIB, "data/storage-registry/entries");
    const storageDir = path.join(LIB, "data/storage");
    const entryFile = (n) => path.join(entriesDir, n + ".json");
    const load = (n) => JSON.parse(fs.readFileSync(entryFile(n), "utf8"));
    const existsEntry = (n) => fs.existsSync(entryFile(n));
    const mountsFile = (app) => path.join(LIB, "config/storage", app, "mounts");
    const attachments = (app) =>
        readOr(mountsFile(app), "")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l));
    const saveAttachments = (app, list) =>
        writeFile600(mountsFile(app), list.map((a) => JSON.stringify(a) + "\n").join(""));
    const ORDER = [
        "name",
        "scheduler",
        "host_path",
        "size",
        "access_mode",
        "storage_class",
        "namespace",
        "chown",
        "mode",
        "reclaim_policy",
        "annotations",
        "labels",
    ];
    /** json.MarshalIndent(entry, "", "  ") with omitempty. */
    function marshal(e) {
        const o = {};
        for (const k of ORDER) if (e[k] !== undefined && e[k] !== "") o[k] = e[k];
        o.schema_version = e.schema_version || 1;
        return JSON.stringify(o, null, 2);
    }
    function save(e) {
        writeFile600(entryFile(e.name), marshal(e));
    }
    function validateName(n) {
        if (!n) fail("storage entry name is required");
        if (n.length > MAX_NAME)
            fail(
                `storage entry name "${n}" is too long (max ${MAX_NAME} characters); helm release names cap our budget`,
            );
        if (!DNS1123.test(n))
            fail(
                `storage entry name "${n}" must be a DNS-1123 label (lowercase letters, digits, and dashes; cannot start or end with a dash)`,
            );
    }
    function normalizeMode(m) {
        if (!m) return "";
        if (!MODE_RE.test(m))
            fail(
                `Unsupported directory mode "${m}". Value must be a 3 or 4 digit octal mode, such as 0755`,
            );
        return m.length === 3 ? "0" + m : m;
    }
    function requireDefault(e, flag) {
        const def = path.join(storageDir, e.name);
        if (e.host_path !== def)
            fail(
                `${flag} is only supported when the storage entry uses the default host path (${def}); omit ${flag} and manage ${e.host_path} manually`,
            );
    }
    function ensureDir(e) {
        if (e.chown && e.chown !== "false") requireDefault(e, "--chown");
        if (e.mode) requireDefault(e, "--mode");
        if (!path.isAbsolute(e.host_path)) return;
        if (fs.existsSync(e.host_path) && !fs.statSync(e.host_path).isDirectory())
            fail(`storage entry path ${e.host_path} exists but is not a directory`);
        if (!fs.existsSync(e.host_path)) {
            fs.mkdirSync(e.host_path, { recursive: true, mode: 0o755 });
            out(`       Created ${e.host_path}\n`);
        }
        if (e.mode) fs.chmodSync(e.host_path, parseInt(e.mode, 8));
    }
    function validate(e) {
        if (e.scheduler !== "docker-local" && e.scheduler !== "k3s")
            fail(
                `storage entry "${e.name}" has unsupported scheduler "${e.scheduler}" (supported: docker-local, k3s)`,
            );
        if (e.scheduler === "docker-local") {
            for (const [k, f] of [
                ["size", "--size"],
                ["storage_class", "--storage-class-name"],
                ["access_mode", "--access-mode"],
            ])
                if (e[k]) fail(`storage entry "${e.name}" (docker-local) does not accept ${f}`);
        } else {
            if (!e.size) fail(`storage entry "${e.name}" (k3s) requires --size`);
            if (e.mode) fail(`storage entry "${e.name}" (k3s) does not accept --mode`);
        }
    }
    function usingApps(n) {
        return apps().filter((a) => attachments(a).some((x) => x.entry_name === n));
    }
    function selected(app) {
        const v = readOr(path.join(LIB, "config/scheduler", app, "selected"), "").trim();
        const g = readOr(path.join(LIB, "config/scheduler/--global/selected"), "").trim();
        return v || g || "docker-local";
    }

    const handlers = {
        "storage:create"(args) {
            const { flags, pos } = parseFlags(
                "storage:create",
                args,
                [
                    "scheduler",
                    "size",
                    "access-mode",
                    "storage-class-name",
                    "namespace",
                    "chown",
                    "mode",
                    "reclaim-policy",
                ],
                [],
                fail,
            );
            const name = pos[0];
            validateName(name);
            if (name.startsWith("legacy-"))
                fail(`storage entry name "${name}" must not start with reserved prefix "legacy-"`);
            const scheduler = flags.scheduler || "docker-local";
            const e = {
                name,
                scheduler,
                host_path:
                    pos[1] || (scheduler === "docker-local" ? path.join(storageDir, name) : ""),
                size: flags.size,
                access_mode: flags["access-mode"],
                storage_class: flags["storage-class-name"],
                namespace: flags.namespace,
                chown: flags.chown,
                mode: normalizeMode(flags.mode),
                reclaim_policy: flags["reclaim-policy"],
            };
            validate(e);
            ctx.setKind("write");
            if (existsEntry(name)) {
                const old = load(name);
                if (old.scheduler !== scheduler)
                    fail(
                        `storage entry "${name}" already exists with scheduler "${old.scheduler}"; refusing to redefine`,
                    );
                out(`-----> Storage entry ${name} already exists, leaving in place\n`);
            }
            if (scheduler === "docker-local") ensureDir(e);
            save(e);
            out(`-----> Storage entry ${name} created\n`);
        },
        "storage:info"(args) {
            const { flags, pos } = parseFlags("storage:info", args, ["format"], [], fail);
            if (!pos[0]) fail("storage entry name is required");
            if (!existsEntry(pos[0])) fail(`storage entry "${pos[0]}" does not exist`);
            const e = load(pos[0]);
            if (flags.format === "json") {
                out(marshal(e) + "\n");
                return;
            }
            out(`=====> Storage entry ${e.name}\n       Scheduler:        ${e.scheduler}\n`);
            if (e.host_path) out(`       Host path:        ${e.host_path}\n`);
        },
        "storage:list-entries"(args) {
            const { flags } = parseFlags(
                "storage:list-entries",
                args,
                ["scheduler", "format"],
                [],
                fail,
            );
            const names = fs.existsSync(entriesDir)
                ? fs
                      .readdirSync(entriesDir)
                      .filter((f) => f.endsWith(".json"))
                      .map((f) => f.slice(0, -5))
                      .sort()
                : [];
            const list = names
                .map(load)
                .filter((e) => !flags.scheduler || e.scheduler === flags.scheduler);
            if (flags.format === "json") {
                out(
                    (list.length
                        ? "[\n" +
                          list.map((e) => marshal(e).replace(/^/gm, "  ")).join(",\n") +
                          "\n]"
                        : "[]") + "\n",
                );
                return;
            }
            if (!list.length) out("=====> No storage entries registered\n");
            for (const e of list) out(`       ${e.name}\t${e.scheduler}\t${e.host_path || ""}\n`);
        },
        "storage:set"(args) {
            const [name, prop, value = ""] = args;
            if (!existsEntry(name)) fail(`storage entry "${name}" does not exist`);
            const e = load(name);
            const key = {
                chown: "chown",
                mode: "mode",
                namespace: "namespace",
                "reclaim-policy": "reclaim_policy",
                size: "size",
            }[prop];
            if (prop === "access-mode" && value !== (e.access_mode || ""))
                fail("storage:set cannot change access-mode in place; recreate the entry");
            else if (prop === "storage-class-name" && value !== (e.storage_class || ""))
                fail("storage:set cannot change storage-class-name in place; recreate the entry");
            else if (!prop) fail("No property specified");
            else if (!key && prop !== "access-mode" && prop !== "storage-class-name")
                fail(
                    "Invalid property specified, valid properties include: access-mode, chown, mode, namespace, reclaim-policy, size, storage-class-name",
                );
            if (key) e[key] = key === "mode" ? normalizeMode(value) : value;
            validate(e);
            ctx.setKind("write");
            save(e);
            if (e.scheduler === "docker-local" && (prop === "chown" || prop === "mode"))
                ensureDir(e);
            out(`-----> Storage entry ${name} updated\n`);
        },
        "storage:destroy"(args) {
            const hasForceFlag = atLeast("0.38.10");
            const { flags, pos } = parseFlags(
                "storage:destroy",
                args,
                [],
                [
                    ...(hasForceFlag ? ["force"] : []),
                    ...(atLeast("0.38.27") ? ["destroy-host-dir"] : []),
                ],
                fail,
            );
            const name = pos[0];
            if (!name) fail("storage entry name is required");
            if (!existsEntry(name)) fail(`storage entry "${name}" does not exist`);
            const using = usingApps(name);
            if (using.length)
                fail(`storage entry "${name}" is still mounted by app(s): ${using.join(", ")}`);
            const e = load(name);
            const removeDir =
                e.scheduler === "docker-local" &&
                (flags["destroy-host-dir"] || e.reclaim_policy === "Delete") &&
                e.host_path === path.join(storageDir, name);
            if (flags["destroy-host-dir"] && !removeDir) requireDefault(e, "--destroy-host-dir");
            if (hasForceFlag && !flags.force && !ctx.globalForce())
                fail(`Confirmation did not match ${name}. Aborted.`);
            ctx.setKind("write");
            if (removeDir) fs.rmSync(e.host_path, { recursive: true, force: true });
            fs.rmSync(entryFile(name), { force: true });
            out(`-----> Storage entry ${name} destroyed\n`);
        },
        "scheduler:report"(args) {
            const app = args[0];
            requireApp(app);
            const rows = {
                "--scheduler-computed-selected": selected(app),
                "--scheduler-global-selected": readOr(
                    path.join(LIB, "config/scheduler/--global/selected"),
                    "",
                ).trim(),
                "--scheduler-selected": readOr(
                    path.join(LIB, "config/scheduler", app, "selected"),
                    "",
                ).trim(),
            };
            const flag = args[1];
            if (flag && !(flag in rows))
                fail(`Invalid flag passed, valid flags: ${Object.keys(rows).join(", ")}`);
            if (flag) {
                out(rows[flag] + "\n");
                return;
            }
            out(`=====> ${app} scheduler information\n`);
            for (const [k, v] of Object.entries(rows))
                out(
                    `       ${(k.slice(12, 13).toUpperCase() + k.slice(13).replace(/-/g, " ") + ":").padEnd(31)}${v}\n`,
                );
        },
        "scheduler:set"(args) {
            const [app, prop, value = ""] = args;
            if (app !== "--global") requireApp(app);
            if (prop !== "selected" && prop !== "shell") fail("Invalid property specified");
            ctx.setKind("write");
            const f = path.join(LIB, "config/scheduler", app, prop);
            if (value) writeFile600(f, value);
            else fs.rmSync(f, { force: true });
        },
    };

    /** Named form of storage:mount / storage:unmount (second argument without a colon). */
    function named(cmd, args) {
        const { flags, pos } = parseFlags(
            cmd,
            args,
            [
                "container-dir",
                "process-type",
                "volume-subpath",
                "volume-chown",
                "volume-options",
                "phase",
            ],
            ["volume-readonly"],
            fail,
        );
        const [app, name] = pos;
        requireApp(app);
        const list = attachments(app);
        if (cmd === "storage:unmount") {
            const dir = flags["container-dir"] || "";
            const hit = list.filter(
                (a) => a.entry_name === name && (!dir || a.container_path === dir),
            );
            if (!hit.length)
                fail(
                    dir
                        ? `storage entry "${name}" is not mounted at "${dir}" on app "${app}"`
                        : `storage entry "${name}" is not mounted on app "${app}"`,
                );
            if (hit.length > 1 && !dir)
                fail(
                    `storage entry "${name}" is mounted at multiple paths on app "${app}" (${hit
                        .map((a) => a.container_path)
                        .sort()
                        .join(", ")}); pass --container-dir to disambiguate`,
                );
            ctx.setKind("write");
            saveAttachments(
                app,
                list.filter((a) => !hit.includes(a)),
            );
            return;
        }
        if (!existsEntry(name))
            fail(
                `storage entry "${name}" does not exist; create it first with \`dokku storage:create\``,
            );
        const dir = flags["container-dir"];
        if (!dir) fail("--container-dir is required when mounting a named storage entry");
        if (!dir.startsWith("/")) fail(`attachment container path "${dir}" must be absolute`);
        const att = {
            entry_name: name,
            container_path: dir,
            phases: ["deploy", "run"],
            process_type: flags["process-type"] || "_default_",
        };
        if (flags["volume-readonly"]) att.readonly = true;
        if (flags["volume-options"]) att.volume_options = flags["volume-options"];
        const same = list.find(
            (a) =>
                a.entry_name === name &&
                a.container_path === dir &&
                a.process_type === att.process_type,
        );
        if (same && !atLeast("0.38.13"))
            fail(
                `storage entry "${name}" is already mounted at "${dir}" for process type "${att.process_type}" on app "${app}"`,
            );
        ctx.setKind("write");
        if (same) {
            delete same.readonly;
            delete same.volume_options;
            Object.assign(same, att);
            saveAttachments(app, list);
            out(`-----> Storage entry ${name} mount at ${dir} on ${app} updated\n`);
        } else {
            saveAttachments(app, [...list, att]);
            out(`-----> Storage entry ${name} mounted at ${dir} on ${app}\n`);
        }
    }

    return {
        /** Runs cmd when it is one of ours in this version; false otherwise. */
        handle(cmd, args) {
            if (cmd.startsWith("scheduler:")) {
                handlers[cmd] ? handlers[cmd](args) : fail(`Invalid command ${cmd}`);
                return true;
            }
            if (VERSION !== "0.38") return false;
            if ((cmd === "storage:mount" || cmd === "storage:unmount") && args[1] !== undefined) {
                const second = args.filter(
                    (a, i) =>
                        !a.startsWith("--") &&
                        !(
                            i > 0 &&
                            /^--(container-dir|process-type|volume-subpath|volume-chown|volume-options|phase)$/.test(
                                args[i - 1],
                            )
                        ),
                )[1];
                if (second === undefined || second.includes(":")) return false;
                named(cmd, args);
                return true;
            }
            if (!handlers[cmd] || !cmd.startsWith("storage:")) return false;
            handlers[cmd](args);
            return true;
        },
        /** Why a k3s app's deploy fails on its attachments (scheduler-k3s ToProcessVolumes), or "". */
        deployProblem(app) {
            if (VERSION !== "0.38" || selected(app) !== "k3s") return "";
            for (const a of attachments(app)) {
                if (existsEntry(a.entry_name) && load(a.entry_name).scheduler === "docker-local")
                    return `storage entry "${a.entry_name}" is scheduler=docker-local but is mounted on a k3s app; recreate it with --scheduler k3s`;
            }
            return "";
        },
        FULL_VERSION,
    };
}

module.exports = { create };
