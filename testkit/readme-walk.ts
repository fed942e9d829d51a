/**
 * Runs the README's numbered operator steps as written, with bash, in a copy of the project (no
 * tracked stack file in it), HOME in a temp dir, against a loopback sshd host (the doubles' or the
 * real Dokku's). What it changes, and why (the README says the same above its steps):
 * - Step 1 (`npm ci`) is not run: the copy links this checkout's node_modules (no registry here).
 * - Step 2's first line (HOST/PORT/KEY/STACK) gets the test host's values.
 * - After `stack init`, test-only settings keep the host's paths inside the test host's temp root
 *   (sharedRoot, stateDir, hostPaths), plus any `extra` settings a test names (and says why).
 * - `login --local` means `file://~`, and the CLI resolves `~` with the account's home from the
 *   user database, not $HOME (pkg/backend/diy/backend.go, v3.259.0), so the walk says
 *   `login file://$HOME` (the same thing for the temp HOME) to keep /root/.pulumi clean.
 * - The `ssh` lines get `-o UserKnownHostsFile=$HOME/.ssh/known_hosts`: an operator's ssh already
 *   knows the host; OpenSSH, too, takes `~` from the user database, not $HOME.
 * The steps up to the undo step and the undo step run as two bash processes, so a test can look at
 * the converged host in between; the second starts with step 2's first two lines again (the shell
 * variables and the passphrase).
 */
import { expect } from "chai";
import { SpawnSyncReturns, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HostPathsSpec } from "../config";
import { README, readmeSteps } from "./readme";

const REPO = path.dirname(README);
const TOOLS =
    process.env.PULUMI_TOOLS_DIR ?? path.join(os.homedir(), ".cache/dokku-shared-cache/tools");

/** What the walk needs of a test host. */
export interface WalkHost {
    port: number;
    hostKey: string;
    clientKey: string;
    sharedRoot: string;
    stateDir: string;
    hostPaths(): HostPathsSpec;
}

export class ReadmeWalk {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-readme-"));
    readonly home = path.join(this.dir, "home");
    readonly project = path.join(this.dir, "project");
    readonly stack = "dokku1";
    private readonly key = path.join(this.dir, "id_ed25519");

    constructor(private readonly host: WalkHost) {
        fs.mkdirSync(path.join(this.home, ".ssh"), { recursive: true });
        fs.writeFileSync(
            path.join(this.home, ".ssh/known_hosts"),
            `[127.0.0.1]:${host.port} ${host.hostKey}\n`,
        );
        const skip = new Set(["node_modules", ".git", ".state", ".pulumi-home"]);
        fs.cpSync(REPO, this.project, {
            recursive: true,
            filter: (src) =>
                (!skip.has(path.basename(src)) || path.dirname(src) !== REPO) &&
                !/^Pulumi\.(?!yaml$).*\.yaml$/.test(path.basename(src)), // no stack files
        });
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(this.project, "node_modules"));
        fs.writeFileSync(this.key, host.clientKey, { mode: 0o600 });
    }

    /**
     * The README's steps 2..N-1 (`converge`) and its last step (`undo`), changed as the header
     * says; `extra` are `[key, value]` settings to add after `stack init` (`--path` keys).
     */
    steps(extra: [string, string][] = []): { converge: string[]; undo: string[] } {
        const steps = readmeSteps(fs.readFileSync(README, "utf8"));
        expect(
            steps.map((s) => s.n),
            "steps 1..7",
        ).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
        expect(steps[0].lines, "step 1 is npm ci alone (not run here)").to.deep.equal(["npm ci"]);
        const lines = steps.slice(1, -1).flatMap((s) => s.lines);
        const undo = steps[steps.length - 1].lines;
        expect(undo.join("\n"), "the last step destroys").to.match(/ destroy -s "\$STACK" --yes/);

        expect(lines[0], "step 2 starts with the HOST/PORT/KEY/STACK line").to.match(
            /^HOST=.*; STACK=\S+/,
        );
        lines[0] = `HOST=127.0.0.1; PORT=${this.host.port}; KEY=${this.key}; STACK=${this.stack}`;
        const settings = lines.slice(0, 2);
        const login = lines.findIndex((l) => l.includes(" login --local"));
        expect(login, "login --local line").to.be.greaterThan(0);
        lines[login] = lines[login].replace(" login --local", ' login "file://$HOME"');
        expect(lines, "the stack comes from the template").to.include(
            'cp stacks/template.yaml "Pulumi.$STACK.yaml"',
        );
        const init = lines.findIndex((l) => l.includes(' stack init "$STACK"'));
        expect(init, "stack init line").to.be.greaterThan(0);
        const set = ([k, v]: [string, string]) =>
            `npm run -s pulumi -- config set -s "$STACK" --path '${k}' '${v}'`;
        lines.splice(
            init + 1,
            0,
            ...(
                [
                    ["sharedRoot", this.host.sharedRoot],
                    ["stateDir", this.host.stateDir],
                    ...Object.entries(this.host.hostPaths()).map(([k, v]) => [`hostPaths.${k}`, v]),
                    ...extra,
                ] as [string, string][]
            ).map(set),
        );
        const knownHosts = `ssh -o UserKnownHostsFile=${path.join(this.home, ".ssh/known_hosts")} `;
        const ssh = lines.flatMap((l, i) => (l.startsWith("ssh ") ? [i] : []));
        expect(ssh, "a before and an after ssh check").to.have.length(2);
        for (const i of ssh) lines[i] = lines[i].replace(/^ssh /, knownHosts);
        return { converge: lines, undo: [...settings, ...undo] };
    }

    /** Runs `lines` with bash in the project copy, each followed by a mark; expects success. */
    run(lines: string[], tag: string): SpawnSyncReturns<string> {
        const marks = lines.map((l, i) => `${l}\necho "@@${tag} ${i} rc=$?" >&2`);
        const script = ["set -e", `cd ${this.project}`, ...marks].join("\n");
        const r = spawnSync("bash", ["-c", script], {
            env: {
                PATH: process.env.PATH,
                HOME: this.home,
                PULUMI_HOME: path.join(this.home, ".pulumi"),
                PULUMI_TOOLS_DIR: TOOLS,
                LANG: "C.UTF-8",
                npm_config_update_notifier: "false",
            },
            encoding: "utf8",
            maxBuffer: 64 << 20,
        });
        const out = r.stdout + r.stderr;
        expect(r.status, `README steps failed:\n${out.slice(-6000)}`).to.equal(0);
        expect(out).to.include(`@@${tag} ${lines.length - 1} rc=0`);
        expect(fs.existsSync(path.join(this.project, `Pulumi.${this.stack}.yaml`))).to.equal(true);
        expect(fs.existsSync(path.join(this.home, ".pulumi", "stacks")), "state in ~").to.equal(
            true,
        );
        return r;
    }

    cleanup(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** `[before, after]` Build Cache sizes of the two `docker system df` tables in `out`. */
export function buildCacheSizes(out: string): string[] {
    return [...out.matchAll(/^Build Cache\s+\d+\s+\d+\s+(\S+)/gm)].map((m) => m[1]);
}
