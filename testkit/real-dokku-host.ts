/**
 * The real Dokku 0.38.27 (installed by testkit/real-dokku.sh) reached as the
 * program reaches a production host: our own sshd on 127.0.0.1 (testkit/sshd.ts,
 * never the machine's own), root login with a test key, and the session's
 * environment as a real root login has it — sshd's superuser PATH (Debian's
 * openssh: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin, so
 * `dokku` is /usr/bin/dokku) — plus DOCKER_HOST as Dokku reads it (it sources
 * /etc/default/dokku), so the program's own `docker` calls reach the private
 * daemon Dokku uses.
 *
 * Observing writes: one directory is put in front of that PATH holding a
 * `dokku` that appends its argv (one line, each argument base64) to a log and
 * `exec`s /usr/bin/dokku with the same arguments, stdin, stdout, stderr and
 * environment: Dokku runs exactly as without it, and the log holds every call
 * the program made, including writes that would leave the state as it was
 * (which a before/after comparison of the state cannot see). Tests also read
 * the state itself (mounts, env, containers) with /usr/bin/dokku directly;
 * those calls are not logged.
 *
 * Apps get unique names (`dsc-<label>-<random>`) and are destroyed by
 * {@link RealDokkuHost.destroyApps}, with the global storage entries Dokku
 * made for their colon mounts (`legacy-<hash>`; apps:destroy leaves them).
 */
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConnectionSpec, HostPathsSpec } from "../config";
import { hostPathsUnder } from "./host-paths";
import { LoopbackSshd } from "./sshd";

/** The image make-image.sh builds from Debian's busybox (httpd on 127.0.0.1:5000). */
export const LOCAL_IMAGE = "localtest/busybox:1";
/** What sshd (Debian, UsePAM no) gives a root session: its compiled-in superuser path. */
export const ROOT_LOGIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface DokkuRun {
    code: number;
    stdout: string;
    stderr: string;
}

export interface StorageEntry {
    entry_name?: string;
    host_path: string;
    container_path: string;
    readonly?: boolean;
    volume_options?: string;
}

/** Dokku subcommands that only read (everything else the log shows counts as a write). */
export const READS: ReadonlySet<string> = new Set([
    "apps:list",
    "apps:exists",
    "apps:report",
    "builds:list",
    "config:export",
    "config:get",
    "config:show",
    "config:keys",
    "storage:list",
    "storage:report",
    "storage:info",
    "storage:list-entries",
    "scheduler:report",
    "builder:report",
    "ps:report",
    "git:report",
    "checks:report",
    "network:report",
    "proxy:report",
    "version",
]);
export const RESTARTS: ReadonlySet<string> = new Set([
    "ps:restart",
    "ps:rebuild",
    "ps:start",
    "ps:stop",
]);

/** DOCKER_HOST as Dokku sees it: /usr/bin/dokku sources /etc/default/dokku. */
export function dokkuDockerHost(): string {
    return execFileSync(
        "bash",
        [
            "-c",
            '[ -r /etc/default/dokku ] && source /etc/default/dokku; printf %s "${DOCKER_HOST:-}"',
        ],
        { encoding: "utf8", env: { PATH: ROOT_LOGIN_PATH }, stdio: ["ignore", "pipe", "inherit"] },
    );
}

export class RealDokkuHost {
    readonly root: string;
    /** Test paths for the program (temp dirs, so the host's real ones stay untouched). */
    readonly sharedRoot: string;
    readonly stateDir: string;
    readonly dockerHost: string;
    private readonly wrapDir: string;
    private readonly callLog: string;
    private readonly timeLog: string;
    readonly sshd: LoopbackSshd;
    private readonly apps = new Set<string>();
    private entriesBefore: Set<string> = new Set();

    /**
     * `timed`: the wrapper also writes each call's start and end (ns since the epoch) to a second
     * log ({@link timedCalls}, for the benchmarks' profile); it then runs /usr/bin/dokku as a child
     * instead of `exec`ing it (stdin, stdout, stderr, environment and exit code stay the same).
     */
    constructor(private readonly opts: { timed?: boolean } = {}) {
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-real-"));
        // Dokku runs storage:create as the dokku user, which must reach the shared root
        // (as it reaches /var/lib/dokku/data/…): mkdtemp's 0700 would make it fail
        // ("unable to stat …: permission denied", plugins/storage ensureDockerLocalPath).
        fs.chmodSync(this.root, 0o755);
        this.sharedRoot = path.join(this.root, "shared");
        this.stateDir = path.join(this.root, "state");
        this.wrapDir = path.join(this.root, "observe");
        this.callLog = path.join(this.root, "dokku-calls.log");
        this.timeLog = path.join(this.root, "dokku-times.log");
        this.dockerHost = dokkuDockerHost();
        if (!this.dockerHost)
            throw new Error("/etc/default/dokku sets no DOCKER_HOST: run testkit/real-dokku.sh up");
        this.sshd = new LoopbackSshd(path.join(this.root, "sshd"), {
            PATH: `${this.wrapDir}:${ROOT_LOGIN_PATH}`,
            DOCKER_HOST: this.dockerHost,
        });
    }

    async start(): Promise<void> {
        if (!fs.existsSync("/usr/bin/dokku")) {
            throw new Error("no /usr/bin/dokku: run testkit/real-dokku.sh up");
        }
        fs.mkdirSync(this.wrapDir, { recursive: true });
        fs.writeFileSync(
            path.join(this.wrapDir, "dokku"),
            [
                "#!/bin/sh",
                "# Logs the call (argv, each argument base64) and runs the real Dokku with it unchanged.",
                'line=""',
                'for a in "$@"; do line="$line $(printf %s "$a" | base64 -w0)"; done',
                `printf '%s\\n' "\${line# }" >>${JSON.stringify(this.callLog)}`,
                ...(this.opts.timed
                    ? [
                          "t0=$(date +%s%N)",
                          '/usr/bin/dokku "$@"',
                          "rc=$?",
                          `printf '%s %s %s\\n' "$t0" "$(date +%s%N)" "\${line# }" >>${JSON.stringify(this.timeLog)}`,
                          'exit "$rc"',
                      ]
                    : ['exec /usr/bin/dokku "$@"']),
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        fs.mkdirSync(this.sharedRoot, { recursive: true });
        this.entriesBefore = new Set(this.storageEntries().map((e) => e.name));
        await this.sshd.start();
    }

    get clientKey(): string {
        return this.sshd.clientKey;
    }

    connection(over: Partial<ConnectionSpec> = {}): ConnectionSpec {
        return this.sshd.connection(over);
    }

    /** daemon.json, systemd and cron paths inside this host's temp root. */
    hostPaths(): HostPathsSpec {
        return hostPathsUnder(this.root);
    }

    /** Runs the real /usr/bin/dokku here (not logged); never throws. */
    dokku(...args: string[]): DokkuRun {
        const r = spawnSync("/usr/bin/dokku", args, {
            encoding: "utf8",
            env: { PATH: ROOT_LOGIN_PATH, HOME: "/root", LC_ALL: "C.UTF-8" },
            maxBuffer: 64 << 20,
        });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }

    /** Like {@link dokku}; throws with Dokku's output when it exits non-zero. */
    must(...args: string[]): DokkuRun {
        const r = this.dokku(...args);
        if (r.code !== 0) {
            throw new Error(`dokku ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
        }
        return r;
    }

    /** The Docker CLI against the daemon Dokku uses. */
    docker(...args: string[]): string {
        return execFileSync("docker", args, {
            encoding: "utf8",
            env: { PATH: ROOT_LOGIN_PATH, DOCKER_HOST: this.dockerHost },
            stdio: ["ignore", "pipe", "pipe"],
        });
    }

    /**
     * Builds `tag` from {@link LOCAL_IMAGE} plus `files` (path in the image →
     * content) and Dockerfile lines, with the legacy builder and no network.
     * E.g. an `/app.json` with healthchecks: for `git:from-image` deploys
     * Dokku reads app.json from the image's WORKDIR (here `/`).
     */
    buildImage(tag: string, files: Record<string, string>, lines: string[] = []): void {
        const dir = fs.mkdtempSync(path.join(this.root, "image-"));
        const copy: string[] = [];
        for (const [dest, content] of Object.entries(files)) {
            const f = `f${copy.length}`;
            fs.writeFileSync(path.join(dir, f), content);
            copy.push(`COPY ${f} ${dest}`);
        }
        fs.writeFileSync(
            path.join(dir, "Dockerfile"),
            [`FROM ${LOCAL_IMAGE}`, ...copy, ...lines, ""].join("\n"),
        );
        this.docker("build", "-q", "--network", "none", "-t", tag, dir);
    }

    /** Dokku-wide settings every test relies on: retire replaced containers after 1 s (not 60). */
    globalSetup(): void {
        this.must("checks:set", "--global", "wait-to-retire", "1");
    }

    /**
     * Creates an app with a unique name: no network (there is no bridge), no
     * proxy, checks off unless `checks`; deployed from `image` when given.
     */
    createApp(label: string, opts: { image?: string; checks?: boolean } = {}): string {
        const name = `dsc-${label}-${crypto.randomBytes(3).toString("hex")}`;
        this.must("apps:create", name);
        this.apps.add(name);
        this.must("network:set", name, "initial-network", "none");
        this.must("proxy:disable", name);
        if (!opts.checks) this.must("checks:disable", name);
        if (opts.image) this.deploy(name, opts.image);
        return name;
    }

    /** `git:from-image`: a real deploy (build from the image, start, checks unless disabled). */
    deploy(app: string, image = LOCAL_IMAGE): DokkuRun {
        return this.must("git:from-image", app, image);
    }

    setEnv(app: string, values: Record<string, string>): void {
        this.must(
            "config:set",
            "--no-restart",
            app,
            ...Object.entries(values).map(([k, v]) => `${k}=${v}`),
        );
    }

    env(app: string): Record<string, string> {
        return JSON.parse(this.must("config:export", "--format", "json", app).stdout) as Record<
            string,
            string
        >;
    }

    mounts(app: string): StorageEntry[] {
        return JSON.parse(
            this.must("storage:list", app, "--format", "json").stdout,
        ) as StorageEntry[];
    }

    /** `host:container` of each mount, sorted. */
    mountSpecs(app: string): string[] {
        return this.mounts(app)
            .map((m) => `${m.host_path}:${m.container_path}${m.readonly ? ":ro" : ""}`)
            .sort();
    }

    /**
     * IDs of the app's current running containers (named `APP.PROC.N`; a
     * replaced one is renamed `APP.PROC.N.<time>` until it retires). A
     * restart replaces them.
     */
    containers(app: string): string[] {
        const re = new RegExp(`^${app.replace(/[.]/g, "\\.")}\\.[a-z0-9-]+\\.[0-9]+$`);
        return this.docker("ps", "--no-trunc", "--format", "{{.ID}} {{.Names}}")
            .split("\n")
            .filter(Boolean)
            .map((l) => l.split(" "))
            .filter(([, n]) => re.test(n))
            .map(([id]) => id)
            .sort();
    }

    /** Dokku's global storage entries: name and host path. */
    storageEntries(): { name: string; host_path: string }[] {
        const out = this.must("storage:list-entries", "--format", "json").stdout.trim();
        return (out ? JSON.parse(out) : []) as { name: string; host_path: string }[];
    }

    /**
     * Entries for host paths under this host's temp root, made since {@link start}
     * (e.g. `legacy-<hash>` for colon mounts of our caches); other tests' entries are not ours.
     */
    newStorageEntries(): string[] {
        return this.storageEntries()
            .filter((e) => !this.entriesBefore.has(e.name))
            .filter((e) => e.host_path === this.root || e.host_path.startsWith(this.root + "/"))
            .map((e) => e.name)
            .sort();
    }

    /** Every `dokku` call the program made over SSH since the last {@link clearCalls}. */
    calls(): string[][] {
        if (!fs.existsSync(this.callLog)) return [];
        return fs
            .readFileSync(this.callLog, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((l) => l.split(" ").map((a) => Buffer.from(a, "base64").toString("utf8")));
    }

    /** With `timed`: each call since the last {@link clearCalls}, its argv, start and end (ms since the epoch). */
    timedCalls(): { args: string[]; t0: number; t1: number }[] {
        if (!fs.existsSync(this.timeLog)) return [];
        return fs
            .readFileSync(this.timeLog, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((l) => {
                const [t0, t1, ...args] = l.split(" ");
                return {
                    args: args.map((a) => Buffer.from(a, "base64").toString("utf8")),
                    t0: Number(t0) / 1e6,
                    t1: Number(t1) / 1e6,
                };
            });
    }

    clearCalls(): void {
        fs.rmSync(this.callLog, { force: true });
        fs.rmSync(this.timeLog, { force: true });
    }

    /** The calls that are not reads (see READS), e.g. `["config:set", "--encoded", …]`. */
    writes(): string[][] {
        return this.calls().filter((c) => !READS.has(subcommand(c)));
    }

    /** `[subcommand, app]` of every restart/rebuild/start/stop call. */
    restarts(): string[][] {
        return this.calls()
            .filter((c) => RESTARTS.has(subcommand(c)))
            .map((c) => [subcommand(c), c.filter((a) => !a.startsWith("-"))[1]]);
    }

    /** Destroys one app made by {@link createApp} (and forgets it). */
    destroyApp(app: string): void {
        const r = this.dokku("apps:destroy", app, "--force");
        if (r.code !== 0 && r.code !== 20) {
            throw new Error(`apps:destroy ${app} exited ${r.code}: ${r.stdout}${r.stderr}`);
        }
        this.apps.delete(app);
    }

    /** Destroys every app this host made, then the storage entries made since start. */
    destroyApps(): void {
        for (const a of [...this.apps]) this.destroyApp(a);
        for (const e of this.newStorageEntries()) this.must("storage:destroy", e, "--force");
    }

    async stop(): Promise<void> {
        try {
            this.destroyApps();
        } finally {
            await this.sshd.stop();
            fs.rmSync(this.root, { recursive: true, force: true });
        }
    }
}

/** The Dokku subcommand of a logged call (global flags such as --quiet skipped). */
export function subcommand(call: string[]): string {
    return call.find((a) => !a.startsWith("--")) ?? "";
}
