/**
 * A real Pulumi stack of this repository's program, for the end-to-end tests
 * and the benchmark: the real `pulumi` CLI, the real Node.js language host and
 * the real command provider 1.2.1 (found or built by scripts/install-pulumi.sh),
 * a `file://` backend and a project folder in a temp dir.
 *
 * The project folder holds only `Pulumi.yaml` (`main:` points at the repo, so
 * the language host runs index.ts with the repo's node_modules and tsconfig)
 * and the stack file `Pulumi.<stack>.yaml`, which {@link PulumiStack.setConfig}
 * writes whole (config values as JSON, which is YAML) keeping the encryption
 * salt and the secrets that `pulumi config set --secret` wrote.
 *
 *   const s = await PulumiStack.create({ stack: "e2e" });
 *   await s.setSecret("privateKey", key);
 *   s.setConfig({ connection: {...}, apps: ["api"] });
 *   const r = await s.up();            // {code, stdout, stderr, ms, args}
 *   await s.cleanup();
 *
 * Every command runs in its own process group (so a test can SIGKILL the CLI
 * with its language host and plugins, {@link PulumiStack.start}), with
 * `--non-interactive`, and `--yes --skip-preview` for up/destroy/refresh.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The repository root: the program every stack runs by default. */
export const REPO = path.resolve(__dirname, "..");
/** The project name in Pulumi.yaml, i.e. the config namespace. */
export const PROJECT = "dokku-shared-cache";

export interface PulumiResult {
    /** The CLI's exit code (-1 when killed by a signal). */
    code: number;
    /** The signal that ended it, if any. */
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    /** Wall time in milliseconds. */
    ms: number;
    /** The arguments `pulumi` ran with. */
    args: string[];
}

export interface PulumiStackOptions {
    /** Stack name (default `e2e`). */
    stack?: string;
    /** Folder holding the program's Pulumi.yaml/index.ts (default: this repo). */
    program?: string;
    /** Engine bin dir (default: what scripts/install-pulumi.sh prints, see {@link engineBin}). */
    bin?: string;
    /** Extra environment for every pulumi command (e.g. `PULUMI_DEBUG_COMMANDS`). */
    env?: NodeJS.ProcessEnv;
    /** Passphrase of the stack's secrets (default `e2e-passphrase`). */
    passphrase?: string;
    /** Parent of the temp dir (default os.tmpdir()). */
    tmpRoot?: string;
    /** Share this PULUMI_HOME (the provider must be registered there); default: one per process. */
    pulumiHome?: string;
    /**
     * `engine` (default): run the engine's `pulumi` directly, with Pulumi's own defaults;
     * `npm`: run it as a user does, through `npm run pulumi` (scripts/pulumi.sh, with
     * `--cwd` the project folder), with the settings that script adds.
     */
    cli?: "engine" | "npm";
}

let sharedHome: string | undefined;
const binByHome = new Map<string, string>();

/**
 * Finds or builds the engine (scripts/install-pulumi.sh) and registers the
 * command provider in `pulumiHome`; returns the bin dir. Cached per home.
 */
export function engineBin(pulumiHome: string): string {
    const known = binByHome.get(pulumiHome);
    if (known) return known;
    const bin = execFileSync("bash", [path.join(REPO, "scripts/install-pulumi.sh")], {
        env: { ...process.env, PULUMI_HOME: pulumiHome },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    }).trim();
    if (!fs.existsSync(path.join(bin, "pulumi"))) {
        throw new Error(`scripts/install-pulumi.sh printed ${bin}, which has no pulumi`);
    }
    binByHome.set(pulumiHome, bin);
    return bin;
}

/** A process-wide PULUMI_HOME in the temp dir with the provider registered (removed at exit). */
export function defaultPulumiHome(): string {
    if (!sharedHome) {
        const home = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-pulumi-home-"));
        process.on("exit", () => fs.rmSync(home, { recursive: true, force: true }));
        sharedHome = home;
    }
    return sharedHome;
}

/** A running pulumi command (see {@link PulumiStack.start}). */
export interface RunningPulumi {
    proc: ChildProcess;
    /** Output so far. */
    stdout(): string;
    stderr(): string;
    /** Resolves when the process exits. */
    done: Promise<PulumiResult>;
    /** Sends `signal` to the whole process group (CLI, language host, plugins). */
    killGroup(signal?: NodeJS.Signals): void;
}

export class PulumiStack {
    readonly stack: string;
    /** Temp dir holding everything below. */
    readonly root: string;
    /** Project folder: Pulumi.yaml and Pulumi.<stack>.yaml. */
    readonly dir: string;
    /** The file:// backend's folder. */
    readonly backend: string;
    readonly pulumiHome: string;
    readonly bin: string;
    /** Environment of every pulumi command. */
    readonly env: NodeJS.ProcessEnv;
    /** Every command run so far, in order (for timings). */
    readonly history: PulumiResult[] = [];
    readonly cli: "engine" | "npm";
    private secureLines: Record<string, string> = {};
    private salt = "";
    private config: Record<string, unknown> = {};

    private constructor(opts: PulumiStackOptions) {
        this.stack = opts.stack ?? "e2e";
        this.root = fs.mkdtempSync(path.join(opts.tmpRoot ?? os.tmpdir(), "dsc-stack-"));
        this.dir = path.join(this.root, "project");
        this.backend = path.join(this.root, "backend");
        fs.mkdirSync(this.dir);
        fs.mkdirSync(this.backend);
        this.pulumiHome = opts.pulumiHome ?? defaultPulumiHome();
        this.bin = opts.bin ?? engineBin(this.pulumiHome);
        this.cli = opts.cli ?? "engine";
        const program = opts.program ?? REPO;
        fs.writeFileSync(
            path.join(this.dir, "Pulumi.yaml"),
            [
                `name: ${PROJECT}`,
                "runtime:",
                "    name: nodejs",
                "    options:",
                "        typescript: true",
                // relative, as Pulumi documents `main`; the language host then runs from there
                `main: ${JSON.stringify(path.relative(this.dir, program))}`,
                "",
            ].join("\n"),
        );
        this.env = {
            ...process.env,
            PATH: `${this.bin}:${process.env.PATH ?? ""}`,
            PULUMI_HOME: this.pulumiHome,
            PULUMI_BACKEND_URL: `file://${this.backend}`,
            PULUMI_CONFIG_PASSPHRASE: opts.passphrase ?? "e2e-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            // No colour codes in the captured output.
            NO_COLOR: "1",
            ...opts.env,
        };
        delete this.env.PULUMI_CONFIG_PASSPHRASE_FILE;
        delete this.env.PULUMI_ACCESS_TOKEN;
        // Pulumi's defaults unless the test asks: the caller's shell may have set this one.
        if (opts.env?.PULUMI_CONTINUE_ON_ERROR === undefined)
            delete this.env.PULUMI_CONTINUE_ON_ERROR;
    }

    /** Makes the temp project, backend and `stack init`. */
    static async create(opts: PulumiStackOptions = {}): Promise<PulumiStack> {
        const s = new PulumiStack(opts);
        await s.must(["stack", "init", s.stack]);
        const file = fs.readFileSync(s.stackFile(), "utf8");
        s.salt = /^encryptionsalt: (.+)$/m.exec(file)?.[1] ?? "";
        return s;
    }

    stackFile(): string {
        return path.join(this.dir, `Pulumi.${this.stack}.yaml`);
    }

    /**
     * Runs `pulumi <args>` (plus `--non-interactive`) in the project folder
     * and resolves with its result; never rejects on a non-zero exit.
     */
    run(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<PulumiResult> {
        const r = this.start(args, opts.input);
        if (opts.timeoutMs) {
            const t = setTimeout(() => r.killGroup("SIGKILL"), opts.timeoutMs);
            void r.done.then(() => clearTimeout(t));
        }
        return r.done;
    }

    /** Like {@link run}, but rejects with the output when the exit code is not 0. */
    async must(args: string[], opts: { input?: string } = {}): Promise<PulumiResult> {
        const r = await this.run(args, opts);
        if (r.code !== 0) {
            throw new Error(`pulumi ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
        }
        return r;
    }

    /** Starts `pulumi <args>` in its own process group and returns at once. */
    start(args: string[], input?: string): RunningPulumi {
        const full = [...args, "--non-interactive"];
        const t0 = Date.now();
        const [exe, argv] =
            this.cli === "npm"
                ? ["npm", ["run", "--silent", "pulumi", "--", "--cwd", this.dir, ...full]]
                : [path.join(this.bin, "pulumi"), full];
        const proc = spawn(exe, argv, {
            cwd: this.cli === "npm" ? REPO : this.dir,
            env: this.env,
            detached: true,
            stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        proc.stdout!.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
        proc.stdin!.on("error", () => undefined);
        proc.stdin!.end(input ?? "");
        const done = new Promise<PulumiResult>((resolve, reject) => {
            proc.on("error", reject);
            proc.on("close", (code, signal) => {
                const r = { code: code ?? -1, signal, stdout, stderr, ms: Date.now() - t0, args };
                this.history.push(r);
                resolve(r);
            });
        });
        return {
            proc,
            stdout: () => stdout,
            stderr: () => stderr,
            done,
            killGroup: (signal: NodeJS.Signals = "SIGKILL") => {
                try {
                    process.kill(-proc.pid!, signal);
                } catch {
                    // already gone
                }
            },
        };
    }

    /** `pulumi config set --secret <key>` with the value on stdin (never on a command line). */
    async setSecret(key: string, value: string): Promise<void> {
        await this.must(["config", "set", "--secret", key, "-s", this.stack], { input: value });
        const file = fs.readFileSync(this.stackFile(), "utf8");
        const q = `${PROJECT}:${key}`.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        const m = new RegExp(`^  ${q}:\\n    secure: (.+)$`, "m").exec(file);
        if (!m) throw new Error(`pulumi wrote no secure value for ${key}:\n${file}`);
        this.secureLines[key] = m[1];
        this.writeStackFile();
    }

    /**
     * The stack's ciphertext of `value` (`{secure: "v1:…"}`), to place inside a
     * structured config value, e.g. `hosts[1].privateKey` (what
     * `pulumi config set --secret --path 'hosts[1].privateKey'` writes).
     */
    async secureValue(value: string): Promise<{ secure: string }> {
        const tmp = "secureValueScratch";
        await this.setSecret(tmp, value);
        const secure = this.secureLines[tmp];
        delete this.secureLines[tmp];
        this.writeStackFile();
        return { secure };
    }

    /**
     * Replaces the stack's (non-secret) config with `values` (keys without the
     * project namespace; values any JSON) and writes the stack file.
     */
    setConfig(values: Record<string, unknown>): void {
        this.config = { ...values };
        this.writeStackFile();
    }

    /** Merges `values` into the current config (`undefined` removes a key). */
    updateConfig(values: Record<string, unknown>): void {
        const next = { ...this.config, ...values };
        for (const [k, v] of Object.entries(values)) if (v === undefined) delete next[k];
        this.setConfig(next);
    }

    /** The current (non-secret) config as last written. */
    currentConfig(): Record<string, unknown> {
        return JSON.parse(JSON.stringify(this.config)) as Record<string, unknown>;
    }

    private writeStackFile(): void {
        const lines = this.salt ? [`encryptionsalt: ${this.salt}`] : [];
        lines.push("config:");
        for (const [k, v] of Object.entries(this.secureLines)) {
            lines.push(`  ${PROJECT}:${k}:`, `    secure: ${v}`);
        }
        for (const [k, v] of Object.entries(this.config)) {
            if (v === undefined) continue;
            // JSON is YAML: strings stay strings, objects and lists stay structured.
            lines.push(`  ${PROJECT}:${k}: ${JSON.stringify(v)}`);
        }
        fs.writeFileSync(this.stackFile(), lines.join("\n") + "\n");
    }

    preview(...extra: string[]): Promise<PulumiResult> {
        return this.run(["preview", "-s", this.stack, ...extra]);
    }
    up(...extra: string[]): Promise<PulumiResult> {
        return this.run(["up", "--yes", "--skip-preview", "-s", this.stack, ...extra]);
    }
    destroy(...extra: string[]): Promise<PulumiResult> {
        return this.run(["destroy", "--yes", "--skip-preview", "-s", this.stack, ...extra]);
    }
    refresh(...extra: string[]): Promise<PulumiResult> {
        return this.run(["refresh", "--yes", "--skip-preview", "-s", this.stack, ...extra]);
    }
    cancel(...extra: string[]): Promise<PulumiResult> {
        return this.run(["cancel", "--yes", "-s", this.stack, ...extra]);
    }
    /** `pulumi stack output --json --show-secrets`, parsed. */
    async outputs(): Promise<Record<string, unknown>> {
        const r = await this.must([
            "stack",
            "output",
            "--json",
            "--show-secrets",
            "-s",
            this.stack,
        ]);
        return JSON.parse(r.stdout) as Record<string, unknown>;
    }
    /** `pulumi stack export` (the checkpoint), parsed. */
    async exportState(showSecrets = false): Promise<StackExport> {
        const r = await this.must([
            "stack",
            "export",
            "-s",
            this.stack,
            ...(showSecrets ? ["--show-secrets"] : []),
        ]);
        return JSON.parse(r.stdout) as StackExport;
    }
    /** `pulumi stack import` of `state`. */
    async importState(state: StackExport): Promise<PulumiResult> {
        const f = path.join(this.root, "import.json");
        fs.writeFileSync(f, JSON.stringify(state));
        return this.must(["stack", "import", "--file", f, "-s", this.stack]);
    }

    /** Removes the temp dir (the stack's state goes with it). */
    cleanup(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

/** The parts of `pulumi stack export` this kit reads. */
export interface StackExport {
    version: number;
    deployment: {
        resources?: { urn: string; type: string; inputs?: Record<string, unknown> }[];
        pending_operations?: { resource: { urn: string }; type: string }[];
        [k: string]: unknown;
    };
}

/** Resource URNs of a given type in an export. */
export function urnsOfType(state: StackExport, type: string): string[] {
    return (state.deployment.resources ?? []).filter((r) => r.type === type).map((r) => r.urn);
}
