/*
 * The dokku double's docker-options (per phase) and builder:report, required
 * from dokku.js. Read from Dokku's source:
 *
 * 0.38 mode (v0.38.27, plugins/docker-options dockeroptions.go, functions.go,
 * report.go; plugins/common properties.go):
 * - options live in the property list $DOKKU_LIB_ROOT/config/docker-options/
 *   <app>/_default_.<phase>, one per line;
 * - `docker-options:add APP PHASES OPTION...` joins the words after the
 *   phases with spaces, splits them on flag boundaries (SplitOptionString:
 *   every word starting with `-` opens a new option), appends each option to
 *   each phase and sorts the list: NO duplicate check;
 * - `docker-options:remove` drops every stored option equal word by word
 *   (optionsEqual) and re-sorts;
 * - `docker-options:report APP --docker-options-<phase>` prints the phase's
 *   options joined by single spaces, then a newline (common.ReportSingleApp);
 *   `--format json` gives {build, deploy, run, build-list, deploy-list,
 *   run-list, docker-options-build, …};
 * - `docker-options:list APP --phase P` prints one option per line.
 *
 * 0.37 mode (v0.37.10, plugins/docker-options functions, internal-functions,
 * subcommands/add, docker-args-deploy):
 * - options live in $DOKKU_ROOT/<app>/DOCKER_OPTIONS_<PHASE>, one per line,
 *   the same files the 0.37 storage plugin writes its `-v` lines to;
 * - add appends the joined words as ONE line and `sort -u`s the file;
 * - remove deletes lines matching `^OPTION$` (a sed regex; modelled as exact
 *   equality, which is what it does for option text without regex
 *   metacharacters) and `sort -u`s;
 * - the info flag prints the file's lines joined by spaces with a trailing
 *   space (`tr '\n' ' '`), then an empty line; `--format` does not exist
 *   there ("Invalid flag passed").
 *
 * builder:report (v0.38.27 and v0.37.10 plugins/builder/report.go): the
 * properties $DOKKU_LIB_ROOT/config/builder/<app>/{selected,detected} and
 * …/--global/selected; `--builder-computed-selected` is the app's selected,
 * else the global one; an info flag prints the value and a newline. Dokku
 * sets `detected` at each deploy (common/functions dokku_receive); tests set
 * it through `builder:set APP detected X` here, which real Dokku refuses
 * (builder/subcommands.go: "detected" is read-only) - the double accepts it
 * only with DOKKU_DOUBLE_ALLOW_DETECTED=1.
 */
"use strict";
const fs = require("fs");
const path = require("path");

const PHASES = ["build", "deploy", "run"];

function tokens(s) {
    // Whitespace split with simple single/double quote grouping (our options carry no quotes).
    const out = [];
    const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
    let m;
    while ((m = re.exec(s))) out.push(m[1] ?? m[2] ?? m[3]);
    return out;
}
function splitOptions(words) {
    const groups = [];
    for (const t of tokens(words.join(" "))) {
        if (t.length > 1 && t[0] === "-" && groups.length) groups.push([t]);
        else if (groups.length) groups[groups.length - 1].push(t);
        else groups.push([t]);
    }
    return groups.map((g) =>
        g.map((t) => (/[\s"'$`\\*?[\]<>|&;(){}!#~]/.test(t) ? `'${t}'` : t)).join(" "),
    );
}
const byteSort = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function create(ctx) {
    const { VERSION, HOME, LIB, requireApp, fail, out, writeFile600, readOr, setKind } = ctx;
    const file = (app, phase) =>
        VERSION === "0.37"
            ? path.join(HOME, app, `DOCKER_OPTIONS_${phase.toUpperCase()}`)
            : path.join(LIB, "config/docker-options", app, `_default_.${phase}`);
    const read = (app, phase) =>
        readOr(file(app, phase), "")
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l !== "");
    const write = (app, phase, list) =>
        writeFile600(file(app, phase), list.length ? list.join("\n") + "\n" : "");
    function phasesOf(arg) {
        const ps = (arg || "").split(",");
        if (!arg || ps.some((p) => !PHASES.includes(p)))
            fail(`Phase(s) must be one of [${PHASES.join(" ")}]`);
        return ps;
    }
    function prop(plugin, app, key) {
        return readOr(path.join(LIB, "config", plugin, app, key), "").trim();
    }

    return function handle(cmd, args) {
        switch (cmd) {
            case "docker-options:add":
            case "docker-options:remove": {
                requireApp(args[0]);
                const phases = phasesOf(args[1]);
                const words = args.slice(2);
                if (words.join("").trim() === "")
                    fail(
                        `Please specify docker options to ${cmd.endsWith("add") ? "add to" : "remove from"} the phase`,
                    );
                setKind("write");
                for (const p of phases) {
                    if (VERSION === "0.37") {
                        const line = words.join(" ");
                        const cur = read(args[0], p);
                        const next = cmd.endsWith("add")
                            ? [...cur, line]
                            : cur.filter((l) => l !== line);
                        write(args[0], p, [...new Set(next)].sort(byteSort));
                        continue;
                    }
                    const opts = splitOptions(words);
                    let cur = read(args[0], p);
                    for (const o of opts) {
                        if (cmd.endsWith("add")) cur = [...cur, o];
                        else {
                            const w = tokens(o).join("\0");
                            cur = cur.filter((l) => tokens(l).join("\0") !== w);
                        }
                    }
                    write(args[0], p, cur.sort(byteSort));
                }
                return true;
            }
            case "docker-options:report": {
                requireApp(args[0]);
                const flag = args[1];
                if (flag === "--format") {
                    if (VERSION === "0.37")
                        fail(
                            "Invalid flag passed, valid flags: --docker-options-build --docker-options-deploy --docker-options-run",
                        );
                    const data = {};
                    for (const p of PHASES) {
                        data[p] = read(args[0], p).join(" ");
                        data[`docker-options-${p}`] = data[p];
                        data[`${p}-list`] = read(args[0], p);
                    }
                    out(JSON.stringify(data) + "\n");
                    return true;
                }
                const m = /^--docker-options-(build|deploy|run)$/.exec(flag || "");
                if (!m) {
                    if (flag === undefined) {
                        out(`=====> ${args[0]} docker options information\n`);
                        for (const p of PHASES)
                            out(
                                `       ${`Docker options ${p}:`.padEnd(30)} ${read(args[0], p).join(" ")}\n`,
                            );
                        return true;
                    }
                    fail(
                        "Invalid flag passed, valid flags: --docker-options-build, --docker-options-deploy, --docker-options-run",
                    );
                }
                const list = read(args[0], m[1]);
                if (VERSION === "0.37") out((list.length ? list.join(" ") + " \n" : "") + "\n");
                else out(list.join(" ") + "\n");
                return true;
            }
            case "docker-options:list": {
                if (VERSION === "0.37") return false;
                const i = args.indexOf("--phase");
                const phase = i >= 0 ? args[i + 1] : "";
                const app = args.filter((a, j) => j !== i && j !== i + 1)[0];
                requireApp(app);
                if (!phase) fail("--phase is required");
                if (!PHASES.includes(phase)) fail(`Phase must be one of [${PHASES.join(" ")}]`);
                for (const o of read(app, phase)) out(o + "\n");
                return true;
            }
            case "builder:set": {
                const [app, key, value] = args;
                if (app !== "--global") requireApp(app);
                if (key === "detected" && process.env.DOKKU_DOUBLE_ALLOW_DETECTED !== "1")
                    fail("Invalid property specified");
                if (!["selected", "build-dir", "skip-cleanup", "detected"].includes(key))
                    fail("Invalid property specified");
                setKind("write");
                const f = path.join(LIB, "config/builder", app, key);
                if (value === undefined || value === "") fs.rmSync(f, { force: true });
                else writeFile600(f, value);
                return true;
            }
            case "builder:report": {
                requireApp(args[0]);
                const app = args[0];
                const v = {
                    "--builder-selected": prop("builder", app, "selected"),
                    "--builder-global-selected": prop("builder", "--global", "selected"),
                    "--builder-detected": prop("builder", app, "detected"),
                    "--builder-build-dir": prop("builder", app, "build-dir"),
                    "--builder-global-build-dir": prop("builder", "--global", "build-dir"),
                };
                v["--builder-computed-selected"] =
                    v["--builder-selected"] || v["--builder-global-selected"];
                v["--builder-computed-build-dir"] =
                    v["--builder-build-dir"] || v["--builder-global-build-dir"];
                const flag = args[1];
                if (flag === undefined) {
                    out(`=====> ${app} builder information\n`);
                    for (const [k, val] of Object.entries(v)) {
                        const label = k.slice(2).replace(/-/g, " ");
                        out(
                            `       ${(label[0].toUpperCase() + label.slice(1) + ":").padEnd(30)}${val}\n`,
                        );
                    }
                    return true;
                }
                if (!(flag in v))
                    fail(`Invalid flag passed, valid flags: ${Object.keys(v).sort().join(", ")}`);
                out(v[flag] + "\n");
                return true;
            }
            default:
                return false;
        }
    };
}

module.exports = { create };
