/**
 * Peer benchmark: this program against docket 0.8.0 (dokku/docket, Dokku's declarative
 * plan/apply tool; source read and built from ../shared/third_party/docket) on the REAL Dokku
 * 0.38.27 (testkit/real-dokku.sh, private dockerd), over one loopback sshd
 * (testkit/real-dokku-host.ts), with the same desired state, each tool on its own apps and its
 * own cache directories: app i mounts the pip cache, and the npm cache when i is even, each as a
 * named storage entry attached by name, plus the caches' env vars.
 *
 * How docket reaches the host (docket 0.8.0 subprocess/ssh.go): with DOKKU_HOST=[user@]host[:port]
 * it runs `ssh -o ControlMaster=auto -o ControlPath=… -o ControlPersist=60 -o BatchMode=yes
 * [-p port] user@host -- dokku <args, each POSIX-quoted>`: one SSH connection per run, every
 * call a session on it, and the remote command is `dokku …` run by the login shell. We give it
 * root (as the program), so the shell finds `dokku` on the session PATH our sshd sets, i.e. the
 * same logging wrapper the program's calls go through: both tools' calls land in one call log,
 * counted the same way. (As the `dokku` user, sshcommand's forced command would run
 * `dokku dokku …`; docket documents any user with a login shell.) docket's own `ssh` is the
 * system OpenSSH, given our key and pinned host key through a PATH `ssh` that adds `-F`.
 *
 * docket's recipe (written beside the results, bench/peer-docket/): one `dokku_storage_entry`
 * per cache (`name`, `path`), per app one `dokku_storage_mount` per cache (`entry_name`,
 * `container_dir`) and one `dokku_config` (`restart: true`, the caches' env). Tasks run one
 * after another; each plans (reads) then applies (writes). The apps exist before (created by the
 * harness for both sides): neither recipe nor stack creates apps.
 *
 * Scenarios per N (each row: docket, then the program, then the program with its extra
 * features off):
 *   first converge          docket apply            pulumi up --skip-preview
 *   no-op                   docket apply            pulumi up (its preview, then the update)
 *   no-op, skip-preview     docket apply            pulumi up --skip-preview
 *   plan / preview, no-op   docket plan --detailed-exitcode    pulumi preview --expect-no-changes
 *   one app drifted         (a mount and an env var removed by hand) apply / up --skip-preview
 *   one cache added         (uv, to one app) apply / up --skip-preview
 *   deployed, restarts      every app deployed (git:from-image localtest/busybox:1), then the rust
 *                           cache added to every app: apply / up --skip-preview; both restart
 *
 * Counts come from the call log: Dokku calls, reads (testkit's READS), writes (the other calls but
 * restart requests), restart requests (ps:restart …), and restarts as the host saw them (apps whose
 * running containers were replaced; docket's restart is inside config:set).
 *
 *   npm run bench:peer                       # N = 20,50; appends to bench/peer-docket-results.md
 *   npm run bench:peer -- --n 3 --quick      # CI smoke: no results file
 *   npm run bench:peer -- --n 50 --sides docket,program   # without the features-off lane
 *   npm run bench:peer -- --n 50 --skip-deployed          # without the deployed apps (their deploys take long)
 *
 * Takes /tmp/dsc-real-dokku.lock for the whole run (after building docket). Exits 1 when the
 * program writes or restarts more than docket in a scenario or a no-op writes, 2 on an error.
 */
import { execFileSync, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_CACHES } from "../config/defaults";
import { storageEntryName } from "../host/storage-entries";
import { hostPathsUnder } from "../testkit/host-paths";
import { PulumiStack, defaultPulumiHome, engineBin } from "../testkit/pulumi-stack";
import {
    LOCAL_IMAGE,
    READS,
    RESTARTS,
    ROOT_LOGIN_PATH,
    RealDokkuHost,
    subcommand,
} from "../testkit/real-dokku-host";
import { busy } from "./harness";

const REPO = path.resolve(__dirname, "..");
const LOCK = "/tmp/dsc-real-dokku.lock";
const DOCKET_SRC = process.env.DSC_DOCKET_SHARED ?? path.join(REPO, "../shared/third_party/docket");
const DOCKET_OUT = path.join(os.homedir(), ".cache/dokku-shared-cache/docket");
const KEPT = path.join(REPO, "bench/peer-docket");
const RESULTS = path.join(REPO, "bench/peer-docket-results.md");

type Side = "docket" | "program" | "features off";
const SIDES: Side[] = ["docket", "program", "features off"];

interface Lane {
    side: Side;
    apps: string[];
    /** Where this lane's cache directories live. */
    root: string;
    want: Map<string, string[]>;
    stack?: PulumiStack;
    /** docket: the recipe file. */
    recipe?: string;
    /** docket: its entry names, by cache. */
    entries?: Map<string, string>;
}

export interface Measure {
    wall: number;
    calls: number;
    reads: number;
    writes: number;
    restartCalls: number;
    restarts: number;
    /** Union of the Dokku calls' run times (s). */
    hostBusy: number;
    /** `subcommand ×count`, most first. */
    bySub: string;
    exit: number;
}

interface Row {
    n: number;
    scenario: string;
    commands: string;
    noop: boolean;
    by: Partial<Record<Side, Measure>>;
}

function arg(name: string, dflt: string): string {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : dflt;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

/** Builds docket 0.8.0 (cached under ~/.cache/dokku-shared-cache/docket); its path. */
function docketBin(): string {
    const r = spawnSync("bash", [path.join(DOCKET_SRC, "build.sh"), DOCKET_OUT], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    const bin = r.stdout.trim().split("\n").pop() ?? "";
    if (r.status !== 0 || !fs.existsSync(bin)) throw new Error(`docket build failed (${r.status})`);
    return bin;
}

/** The caches app `i` (0-based) mounts at the start: pip, and npm for even i. */
const initialCaches = (i: number) => (i % 2 === 0 ? ["pip", "npm"] : ["pip"]);

function usedCaches(l: Lane): string[] {
    return [...new Set([...l.want.values()].flat())].sort();
}

/** docket's recipe for the lane's desired state (YAML; every value is a plain safe string). */
export function docketRecipe(l: Lane): string {
    const out = ["---", "- name: dokku-shared-cache peer benchmark", "  tasks:"];
    for (const c of usedCaches(l)) {
        out.push(
            `    - name: storage entry ${c}`,
            "      dokku_storage_entry:",
            `        name: ${l.entries!.get(c)}`,
            `        path: ${path.join(l.root, DEFAULT_CACHES[c].dir)}`,
        );
    }
    for (const [app, caches] of l.want) {
        for (const c of caches) {
            out.push(
                `    - name: mount ${c} on ${app}`,
                "      dokku_storage_mount:",
                `        app: ${app}`,
                `        entry_name: ${l.entries!.get(c)}`,
                `        container_dir: ${DEFAULT_CACHES[c].containerPath}`,
            );
        }
        out.push(
            `    - name: env of ${app}`,
            "      dokku_config:",
            `        app: ${app}`,
            "        restart: true",
            "        config:",
            ...caches.flatMap((c) =>
                Object.entries(DEFAULT_CACHES[c].env).map(([k, v]) => `          ${k}: "${v}"`),
            ),
        );
    }
    return out.join("\n") + "\n";
}

/** The program's stack config for the lane (features off: no cache bounds/timer, no first aid). */
function stackConfig(h: RealDokkuHost, l: Lane): Record<string, unknown> {
    return {
        connection: h.connection({ dialErrorLimit: 3, perDialTimeout: 10 }),
        sharedRoot: l.root,
        stateDir: path.join(h.root, `state-${l.side.replace(/ /g, "-")}`),
        hostPaths: hostPathsUnder(path.join(h.root, `paths-${l.side.replace(/ /g, "-")}`)),
        caches: Object.fromEntries(usedCaches(l).map((c) => [c, true])),
        apps: [...l.want].map(([name, caches]) => ({ name, caches })),
        ...(l.side === "features off" ? { buildCache: false, disk: { minFree: "1B" } } : {}),
    };
}

/** Writes the lane's desired state where its tool reads it. */
function publish(h: RealDokkuHost, l: Lane): void {
    if (l.side === "docket") {
        for (const c of usedCaches(l)) {
            if (!l.entries!.has(c))
                l.entries!.set(c, `peer-${c}-${crypto.randomBytes(3).toString("hex")}`);
        }
        fs.writeFileSync(l.recipe!, docketRecipe(l));
    } else l.stack!.setConfig(stackConfig(h, l));
}

/** `ssh` for docket: the system OpenSSH with our key and the sshd's pinned host key. */
function docketEnv(h: RealDokkuHost): NodeJS.ProcessEnv {
    const dir = path.join(h.root, "docket-ssh");
    fs.mkdirSync(dir, { recursive: true });
    const known = path.join(dir, "known_hosts");
    fs.writeFileSync(known, `[127.0.0.1]:${h.sshd.port} ${h.sshd.hostKey}\n`);
    const cfg = path.join(dir, "config");
    fs.writeFileSync(
        cfg,
        [
            "Host 127.0.0.1",
            `  IdentityFile ${path.join(h.sshd.dir, "client_ed25519")}`,
            "  IdentitiesOnly yes",
            `  UserKnownHostsFile ${known}`,
            "  StrictHostKeyChecking yes",
            "  LogLevel ERROR",
            "",
        ].join("\n"),
    );
    fs.writeFileSync(path.join(dir, "ssh"), `#!/bin/sh\nexec /usr/bin/ssh -F ${cfg} "$@"\n`, {
        mode: 0o755,
    });
    return {
        ...process.env,
        PATH: `${dir}:${process.env.PATH ?? ""}`,
        DOKKU_HOST: `root@127.0.0.1:${h.sshd.port}`,
        NO_COLOR: "1",
    };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string) {
    return new Promise<{ code: number; out: string; ms: number }>((resolve, reject) => {
        const t0 = Date.now();
        const p = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        p.stdout.on("data", (d: Buffer) => (out += d.toString()));
        p.stderr.on("data", (d: Buffer) => (out += d.toString()));
        p.on("error", reject);
        p.on("close", (code) => resolve({ code: code ?? -1, out, ms: Date.now() - t0 }));
    });
}

/** Running container IDs per app (one `docker ps`). */
function containers(h: RealDokkuHost, apps: string[]): Map<string, string> {
    const byApp = new Map<string, string[]>(apps.map((a) => [a, []]));
    for (const line of h.docker("ps", "--no-trunc", "--format", "{{.ID}} {{.Names}}").split("\n")) {
        const [id, name] = line.split(" ");
        const m = /^(.+)\.[a-z0-9-]+\.[0-9]+$/.exec(name ?? "");
        if (m && byApp.has(m[1])) byApp.get(m[1])!.push(id);
    }
    return new Map([...byApp].map(([a, ids]) => [a, ids.sort().join(",")]));
}

/**
 * Counts of the logged calls; `timed` (the same calls with their run times) gives each
 * subcommand's mean run time in the breakdown.
 */
export function countCalls(
    calls: string[][],
    timed: { args: string[]; t0: number; t1: number }[] = [],
): Omit<Measure, "wall" | "restarts" | "hostBusy" | "exit"> {
    const subs = calls.map(subcommand);
    const tally = new Map<string, number>();
    for (const s of subs) tally.set(s, (tally.get(s) ?? 0) + 1);
    const ms = new Map<string, number[]>();
    for (const c of timed) {
        const s = subcommand(c.args);
        ms.set(s, [...(ms.get(s) ?? []), c.t1 - c.t0]);
    }
    const mean = (s: string) => {
        const xs = ms.get(s);
        return xs?.length
            ? ` (${(xs.reduce((a, b) => a + b, 0) / xs.length / 1000).toFixed(2)} s)`
            : "";
    };
    return {
        calls: subs.length,
        reads: subs.filter((s) => READS.has(s)).length,
        writes: subs.filter((s) => !READS.has(s) && !RESTARTS.has(s)).length,
        restartCalls: subs.filter((s) => RESTARTS.has(s)).length,
        bySub: [...tally]
            .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
            .map(([s, k]) => `${s} ×${k}${mean(s)}`)
            .join(", "),
    };
}

type Verb = "apply" | "plan" | "up" | "up-skip" | "preview";

/** Runs one tool once on its lane and measures it. */
async function once(h: RealDokkuHost, l: Lane, verb: Verb, docket: string, env: NodeJS.ProcessEnv) {
    const before = containers(h, l.apps);
    h.clearCalls();
    let r: { code: number; out: string; ms: number };
    let ok: number[] = [0];
    if (l.side === "docket") {
        const args = verb === "plan" ? ["plan", "--detailed-exitcode"] : ["apply"];
        r = await run(docket, [...args, "--tasks", l.recipe!], env, path.dirname(l.recipe!));
    } else {
        const s = l.stack!;
        const args = {
            up: ["up", "--yes"],
            "up-skip": ["up", "--yes", "--skip-preview"],
            preview: ["preview", "--expect-no-changes"],
            apply: [],
            plan: [],
        }[verb];
        const p = await s.run([...args, "-s", s.stack]);
        r = { code: p.code, out: p.stdout + p.stderr, ms: p.ms };
        ok = verb === "preview" ? [0, 255] : [0];
    }
    if (!ok.includes(r.code) && !(l.side === "docket" && verb === "plan" && r.code === 2)) {
        throw new Error(`${l.side} ${verb} exited ${r.code}:\n${r.out.slice(-4000)}`);
    }
    const after = containers(h, l.apps);
    const timed = h.timedCalls();
    const m: Measure = {
        wall: r.ms / 1000,
        ...countCalls(h.calls(), timed),
        restarts: l.apps.filter((a) => before.get(a) && before.get(a) !== after.get(a)).length,
        hostBusy: busy(timed.map((c) => ({ t0: c.t0, t: c.t1 }))),
        exit: r.code,
    };
    process.stderr.write(
        `    ${l.side.padEnd(12)} ${verb.padEnd(7)} ${m.wall.toFixed(1)} s, ${m.calls} calls, ${m.writes} writes, ${m.restarts} restarts\n`,
    );
    return m;
}

/**
 * `git:from-image` of the local image for every app, 3 at a time (Dokku locks per app), as
 * RealDokkuHost.deploy runs it (not logged: the harness's calls, not a tool's).
 */
async function deployAll(apps: string[]): Promise<void> {
    const queue = [...apps];
    const env = { PATH: ROOT_LOGIN_PATH, HOME: "/root", LC_ALL: "C.UTF-8" };
    const worker = async () => {
        for (let a = queue.shift(); a; a = queue.shift()) {
            const r = await run("/usr/bin/dokku", ["git:from-image", a, LOCAL_IMAGE], env, "/");
            if (r.code !== 0)
                throw new Error(`deploy ${a} exited ${r.code}:\n${r.out.slice(-3000)}`);
        }
    };
    await Promise.all([worker(), worker(), worker()]);
}

/** Dokku's view of an app is the lane's desired state: mounts (host:container) and env. */
function verify(h: RealDokkuHost, l: Lane): string[] {
    const bad: string[] = [];
    for (const [app, caches] of l.want) {
        const mounts = h.mountSpecs(app);
        const want = caches
            .map(
                (c) =>
                    `${path.join(l.root, DEFAULT_CACHES[c].dir)}:${DEFAULT_CACHES[c].containerPath}`,
            )
            .sort();
        if (mounts.join() !== want.join()) bad.push(`${l.side} ${app} mounts ${mounts.join(" ")}`);
        const env = h.env(app);
        for (const c of caches)
            for (const [k, v] of Object.entries(DEFAULT_CACHES[c].env))
                if (env[k] !== v) bad.push(`${l.side} ${app} env ${k}=${env[k]}`);
    }
    return bad;
}

async function runN(
    n: number,
    docket: string,
    keep: boolean,
    sides: Side[],
    skipDeployed: boolean,
): Promise<Row[]> {
    const h = new RealDokkuHost({ timed: true });
    const lanes: Lane[] = [];
    const rows: Row[] = [];
    try {
        await h.start();
        h.globalSetup();
        const env = docketEnv(h);
        process.stderr.write(`N=${n}: creating ${n} apps per side (${sides.join(", ")})\n`);
        for (const side of sides) {
            const label = { docket: "pd", program: "pp", "features off": "pf" }[side];
            const apps = Array.from({ length: n }, () => h.createApp(label));
            const root = path.join(h.sharedRoot, side.replace(/ /g, "-"));
            fs.mkdirSync(root, { recursive: true });
            // docket's storage:create makes each entry's directory as the dokku user (Dokku 0.38
            // plugins/storage ensureDockerLocalPath), as under its default /var/lib/dokku/data/storage,
            // which that user owns: so does docket's root here. The program makes its own as root.
            if (side === "docket") execFileSync("chown", ["dokku:dokku", root]);
            const l: Lane = {
                side,
                apps,
                root,
                want: new Map(apps.map((a, i) => [a, initialCaches(i)])),
            };
            if (side === "docket") {
                l.recipe = path.join(h.root, "docket", "tasks.yml");
                fs.mkdirSync(path.dirname(l.recipe), { recursive: true });
                l.entries = new Map();
            } else {
                l.stack = await PulumiStack.create({
                    stack: `peer-${side.replace(/ /g, "-")}-${n}`,
                    env: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
                });
                await l.stack.setSecret("privateKey", h.clientKey);
            }
            publish(h, l);
            lanes.push(l);
        }
        const step = async (
            scenario: string,
            commands: string,
            verbs: { docket: Verb; program: Verb },
            opts: { noop?: boolean; only?: Side[] } = {},
        ) => {
            process.stderr.write(`  N=${n} ${scenario}\n`);
            const row: Row = { n, scenario, commands, noop: Boolean(opts.noop), by: {} };
            for (const l of lanes) {
                if (opts.only && !opts.only.includes(l.side)) continue;
                const verb = l.side === "docket" ? verbs.docket : verbs.program;
                row.by[l.side] = await once(h, l, verb, docket, env);
            }
            rows.push(row);
        };
        const change = (l: Lane, f: (app: string, caches: string[]) => string[]) => {
            for (const [a, c] of l.want) l.want.set(a, f(a, c));
            publish(h, l);
        };
        const apply = { docket: "apply", program: "up-skip" } as const;
        await step("first converge", "`apply` / `up --skip-preview`", apply);
        const wrong = lanes.flatMap((l) => verify(h, l));
        if (wrong.length) throw new Error(`state after first converge:\n${wrong.join("\n")}`);
        await step(
            "no-op",
            "`apply` / `up` (with its preview)",
            { docket: "apply", program: "up" },
            { noop: true },
        );
        await step("no-op, skip preview", "`apply` / `up --skip-preview`", apply, { noop: true });
        await step(
            "plan / preview, no-op",
            "`plan --detailed-exitcode` / `preview --expect-no-changes`",
            { docket: "plan", program: "preview" },
            { noop: true },
        );
        const two: Side[] = ["docket", "program"];
        const act = lanes.filter((l) => two.includes(l.side));
        for (const l of act) {
            // App 0 mounts pip and npm: drop the npm mount and the pip env var by hand.
            const app = l.apps[0];
            const entry =
                l.side === "docket"
                    ? l.entries!.get("npm")!
                    : storageEntryName("npm", path.join(l.root, DEFAULT_CACHES.npm.dir));
            h.must(
                "storage:unmount",
                app,
                entry,
                "--container-dir",
                DEFAULT_CACHES.npm.containerPath,
            );
            h.must("config:unset", "--no-restart", app, "PIP_CACHE_DIR");
        }
        await step("one app drifted, repaired", "`apply` / `up --skip-preview`", apply, {
            only: two,
        });
        for (const l of act) change(l, (a, c) => (a === l.apps[0] ? [...c, "uv"] : c));
        await step("one cache added to one app", "`apply` / `up --skip-preview`", apply, {
            only: two,
        });
        if (skipDeployed) {
            if (keep) keepRecipe(n, lanes, h);
            return rows;
        }
        process.stderr.write(`  N=${n} deploying ${act.length * n} apps (git:from-image)\n`);
        await deployAll(act.flatMap((l) => l.apps));
        for (const l of act) change(l, (_a, c) => [...c, "rust"]);
        await step(
            `${n} deployed apps, a cache added to each (restarts)`,
            "`apply` / `up --skip-preview`",
            apply,
            { only: two },
        );
        const end = act.flatMap((l) => verify(h, l));
        if (end.length) throw new Error(`state at the end:\n${end.join("\n")}`);
        if (keep) keepRecipe(n, lanes, h);
        return rows;
    } finally {
        for (const l of lanes) l.stack?.cleanup();
        await h.stop();
    }
}

/** The generated recipe and stack files, beside the results, for anyone to rerun by hand. */
function keepRecipe(n: number, lanes: Lane[], h: RealDokkuHost): void {
    fs.mkdirSync(KEPT, { recursive: true });
    const strip = (text: string) => text.split(h.root).join("$ROOT");
    for (const l of lanes) {
        if (l.recipe)
            fs.writeFileSync(
                path.join(KEPT, `tasks-n${n}.yml`),
                strip(fs.readFileSync(l.recipe, "utf8")),
            );
        if (l.stack) {
            const file = fs
                .readFileSync(l.stack.stackFile(), "utf8")
                .replace(/^ {2}.*privateKey:\n {4}secure: .*\n/m, "");
            fs.writeFileSync(
                path.join(KEPT, `Pulumi.peer-${l.side.replace(/ /g, "-")}-n${n}.yaml`),
                strip(file).replace(/^encryptionsalt: .*\n/m, ""),
            );
        }
    }
}

const f1 = (x: number) => x.toFixed(1);
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : a > 0 ? "∞" : "–");

export function table(rows: Row[], n: number): string[] {
    const out = [
        `### N = ${n}`,
        "",
        "| scenario | commands | docket wall | docket calls (writes, restarts) | program wall | program calls (writes, restarts) | wall ratio | calls ratio | features off: wall, calls | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ];
    const cell = (m?: Measure) =>
        m
            ? `${m.calls} (${m.writes}${m.restartCalls ? ` + ${m.restartCalls} ps:restart` : ""}, ${m.restarts})`
            : "";
    for (const r of rows.filter((x) => x.n === n)) {
        const d = r.by.docket!;
        const p = r.by.program!;
        const o = r.by["features off"];
        out.push(
            `| ${r.scenario} | ${r.commands} | ${f1(d.wall)} s | ${cell(d)} | ${f1(p.wall)} s | ${cell(p)} | ${ratio(p.wall, d.wall)} | ${ratio(p.calls, d.calls)} | ${o ? `${f1(o.wall)} s, ${o.calls}` : ""} | ${o ? ratio(o.wall, d.wall) : ""} |`,
        );
    }
    return out;
}

export function profile(rows: Row[], n: number): string[] {
    const out = [
        "",
        `Profile, N = ${n} (host busy: the union of the Dokku calls' run times; the rest of the wall is the tool itself, SSH and the engine):`,
        "",
        "| scenario | side | wall s | host busy s | calls per app | Dokku calls by subcommand (mean run time) |",
        "|---|---|---:|---:|---:|---|",
    ];
    for (const r of rows.filter((x) => x.n === n)) {
        for (const [side, m] of Object.entries(r.by)) {
            out.push(
                `| ${r.scenario} | ${side} | ${f1(m.wall)} | ${f1(m.hostBusy)} | ${(m.calls / n).toFixed(2)} | ${m.bySub} |`,
            );
        }
    }
    return out;
}

/** The smoke's checks: never more writes or restarts than docket; a no-op writes nothing. */
export function checks(rows: Row[]): { lines: string[]; failed: number } {
    const lines: string[] = [];
    let failed = 0;
    const check = (ok: boolean, text: string) => {
        lines.push(`- ${ok ? "ok" : "FAILED"}: ${text}`);
        if (!ok) failed++;
    };
    for (const r of rows) {
        const d = r.by.docket!;
        for (const side of ["program", "features off"] as const) {
            const p = r.by[side];
            if (!p) continue;
            const at = `N=${r.n} ${r.scenario}, ${side}`;
            check(p.writes <= d.writes, `${at}: ${p.writes} writes ≤ docket's ${d.writes}`);
            check(
                p.restarts <= d.restarts,
                `${at}: ${p.restarts} restarts ≤ docket's ${d.restarts}`,
            );
            if (r.noop)
                check(
                    p.writes === 0 && p.restartCalls === 0 && p.exit === 0,
                    `${at}: a no-op makes ${p.writes} writes, ${p.restartCalls} restart calls, exit ${p.exit}`,
                );
        }
    }
    return { lines, failed };
}

async function main(): Promise<number> {
    const quick = flag("quick");
    const ns = arg("n", quick ? "3" : "20,50")
        .split(",")
        .map(Number);
    // `--sides docket,program`: leave the features-off lane out (it runs the first four scenarios).
    const sides = SIDES.filter((x) => arg("sides", SIDES.join(",")).split(",").includes(x));
    const out = arg("out", quick ? "" : RESULTS);
    if (!process.env.DSC_PEER_LOCKED) {
        // Build docket and the engine first, then hold the shared lock only for the run itself,
        // through `testkit/real-dokku.sh run` (up, the run, down unless Dokku was up before).
        // `-o`: the lock's descriptor is not passed on, so a dockerd that real-dokku.sh starts
        // does not inherit it and hold the lock after the run (flock holds it while we run).
        docketBin();
        engineBin(defaultPulumiHome());
        const r = spawnSync(
            "flock",
            [
                "-o",
                LOCK,
                "bash",
                path.join(REPO, "testkit/real-dokku.sh"),
                "run",
                path.join(REPO, "node_modules/.bin/ts-node"),
                "--transpile-only",
                __filename,
                ...process.argv.slice(2),
            ],
            { stdio: "inherit", env: { ...process.env, DSC_PEER_LOCKED: "1" } },
        );
        return r.status ?? 2;
    }
    const docket = docketBin();
    const load0 = os.loadavg()[0];
    const t0 = Date.now();
    const rows: Row[] = [];
    for (const n of ns)
        rows.push(...(await runN(n, docket, Boolean(out), sides, flag("skip-deployed"))));
    const pulumiVersion = spawnSync(
        path.join(engineBin(defaultPulumiHome()), "pulumi"),
        ["version"],
        {
            encoding: "utf8",
        },
    ).stdout.trim();
    const { lines: checked, failed } = checks(rows);
    const text = [
        `## ${new Date().toISOString().slice(0, 16)}Z: N = ${ns.join(", ")}${quick ? " (quick)" : ""}`,
        "",
        `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "cpu"}; real Dokku 0.38.27 (private dockerd), docket 0.8.0, pulumi ${pulumiVersion}; one loopback sshd; 1-min load ${load0.toFixed(1)} at the start, ${os.loadavg()[0].toFixed(1)} at the end; ${Math.round((Date.now() - t0) / 60000)} min.`,
        "Calls: every `dokku` call on the host (one log for both tools); writes: calls that are neither reads nor restart requests; restarts: apps whose running containers were replaced (docket's restart is inside `config:set`).",
        "",
        ...ns.flatMap((n) => [...table(rows, n), ...profile(rows, n), ""]),
        `Checks (${failed} failed):`,
        "",
        ...checked,
        "",
    ].join("\n");
    process.stdout.write(text);
    if (out && !fs.existsSync(out)) {
        fs.writeFileSync(
            out,
            "# The program against docket 0.8.0 on the real Dokku 0.38.27 (`npm run bench:peer`)\n\n" +
                "How it runs and how to read it: [docs/benchmarks-peer.md](../docs/benchmarks-peer.md). " +
                "The recipe and the stacks of the last run: [bench/peer-docket/](peer-docket/).\n\n",
        );
    }
    if (out) fs.appendFileSync(out, text + "\n");
    return failed ? 1 : 0;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stderr.write(
                `bench:peer: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
            );
            process.exit(2);
        },
    );
}
