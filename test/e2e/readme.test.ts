/**
 * The README's operator steps, run as written: the sh blocks of its numbered steps (`### 2. Make
 * your stack` … `### 7. Undo`) are read from README.md and run with bash, in order, in a copy of
 * the project, with HOME in a temp dir, against a loopback sshd with the dokku and docker doubles
 * (real engine: the pulumi CLI, the Node.js language host, the command provider). What the test
 * changes, and why (the README says the same above its steps):
 * - Step 1 (`npm ci`) is not run: the copy links this checkout's node_modules (no registry here).
 * - Step 2's first line (HOST/PORT/KEY/STACK) gets the test host's values.
 * - After `stack init`, test-only settings keep the host's paths inside the test host's temp root
 *   (sharedRoot, stateDir, hostPaths).
 * - `login --local` means `file://~`, and the CLI resolves `~` with the account's home from the
 *   user database, not $HOME (pkg/backend/diy/backend.go, v3.259.0), so the test says
 *   `login file://$HOME` (the same thing for the temp HOME) to keep /root/.pulumi clean.
 * - The `ssh` lines get `-o UserKnownHostsFile=$HOME/.ssh/known_hosts`: an operator's ssh already
 *   knows the host; OpenSSH, too, takes `~` from the user database, not $HOME.
 * The run is cut in two before step 7 so the test can look at the converged host; the second part
 * starts with step 2's first two lines again (the shell variables and the passphrase).
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readmeSteps } from "../../testkit/readme";
import { SshHost } from "../../testkit/ssh-host";

const REPO = path.resolve(__dirname, "../..");
const TOOLS =
    process.env.PULUMI_TOOLS_DIR ?? path.join(os.homedir(), ".cache/dokku-shared-cache/tools");

const GB = 1e9;

describe("README: the operator's steps work as written", function () {
    this.timeout(900000);
    let host: SshHost;
    let dir: string;
    let home: string;
    let proj: string;

    before(async () => {
        host = new SshHost("0.38");
        await host.start();
        // Two apps deployed, two not; all four discovered by the template's `discover`.
        for (const [app, deployed] of [
            ["api", true],
            ["scraper", true],
            ["web", false],
            ["search-indexer", false],
        ] as const) {
            host.createApp(app, deployed);
        }
        host.dokku("config:set", "--no-restart", "api", "USER_OWN=kept");
        // Docker's build cache: 30 GB unused for 400 h (over olderThan 168h), 5 GB used 1 h ago.
        host.seedBuildCache([
            { id: "old", size: 30 * GB, hoursAgo: 400 },
            { id: "fresh", size: 5 * GB, hoursAgo: 1 },
        ]);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-readme-"));
        home = path.join(dir, "home");
        fs.mkdirSync(path.join(home, ".ssh"), { recursive: true });
        fs.writeFileSync(
            path.join(home, ".ssh/known_hosts"),
            `[127.0.0.1]:${host.port} ${host.hostKey}\n`,
        );
        proj = path.join(dir, "project");
        const skip = new Set(["node_modules", ".git", ".state", ".pulumi-home"]);
        fs.cpSync(REPO, proj, {
            recursive: true,
            filter: (src) =>
                (!skip.has(path.basename(src)) || path.dirname(src) !== REPO) &&
                !/^Pulumi\.(?!yaml$).*\.yaml$/.test(path.basename(src)), // no stack files
        });
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(proj, "node_modules"));
        fs.writeFileSync(path.join(dir, "id_ed25519"), host.clientKey, { mode: 0o600 });
    });

    after(async () => {
        await host.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const env = (): NodeJS.ProcessEnv => ({
        PATH: process.env.PATH,
        HOME: home,
        PULUMI_HOME: path.join(home, ".pulumi"),
        PULUMI_TOOLS_DIR: TOOLS,
        LANG: "C.UTF-8",
        npm_config_update_notifier: "false",
    });

    /** The apps the dokku double restarted (or rebuilt) since its log was cleared, sorted. */
    const restartedApps = () =>
        host
            .restarts()
            .map((i) => i.args[i.args.length - 1])
            .sort();

    /** Runs `lines` with bash in the project copy; each line is followed by a step mark. */
    function run(lines: string[], tag: string) {
        const marks = lines.map((l, i) => `${l}\necho "@@${tag} ${i} rc=$?" >&2`);
        const script = ["set -e", `cd ${proj}`, ...marks].join("\n");
        const r = spawnSync("bash", ["-c", script], { env: env(), encoding: "utf8" });
        const out = r.stdout + r.stderr;
        expect(r.status, `README steps failed:\n${out.slice(-6000)}`).to.equal(0);
        expect(out).to.include(`@@${tag} ${lines.length - 1} rc=0`);
        return r;
    }

    it("install, stack from the template, preview, up, disk freed, verify, destroy", () => {
        const steps = readmeSteps(fs.readFileSync(path.join(REPO, "README.md"), "utf8"));
        expect(
            steps.map((s) => s.n),
            "steps 1..7",
        ).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
        expect(steps[0].lines, "step 1 is npm ci alone (not run here)").to.deep.equal(["npm ci"]);
        const lines = steps.slice(1, 6).flatMap((s) => s.lines);
        const undo = steps[6].lines;

        expect(lines[0], "step 2 starts with the HOST/PORT/KEY/STACK line").to.match(/^HOST=/);
        expect(lines[0]).to.match(/; STACK=\S+/);
        lines[0] = `HOST=127.0.0.1; PORT=${host.port}; KEY=${path.join(dir, "id_ed25519")}; STACK=dokku1`;
        const settings = lines.slice(0, 2);
        const login = lines.findIndex((l) => l.includes(" login --local"));
        expect(login, "login --local line").to.be.greaterThan(0);
        lines[login] = lines[login].replace(" login --local", ' login "file://$HOME"');
        expect(lines, "the stack comes from the template").to.include(
            'cp stacks/template.yaml "Pulumi.$STACK.yaml"',
        );
        const init = lines.findIndex((l) => l.includes(' stack init "$STACK"'));
        expect(init, "stack init line").to.be.greaterThan(0);
        const set = (k: string, v: string) =>
            `npm run -s pulumi -- config set -s "$STACK" --path ${k} '${v}'`;
        lines.splice(
            init + 1,
            0,
            set("sharedRoot", host.sharedRoot),
            set("stateDir", host.stateDir),
            ...Object.entries(host.hostPaths()).map(([k, v]) => set(`hostPaths.${k}`, v)),
        );
        const knownHosts = `ssh -o UserKnownHostsFile=${path.join(home, ".ssh/known_hosts")} `;
        const ssh = lines.flatMap((l, i) => (l.startsWith("ssh ") ? [i] : []));
        expect(ssh, "a before and an after ssh check").to.have.length(2);
        for (const i of ssh) lines[i] = lines[i].replace(/^ssh /, knownHosts);
        expect(undo.join("\n"), "step 7 destroys").to.match(/ destroy -s "\$STACK" --yes/);

        // Steps 2-6: the stack converges every discovered app.
        const a = run(lines, "step");
        expect(fs.existsSync(path.join(proj, "Pulumi.dokku1.yaml")), "the stack file").to.equal(
            true,
        );
        expect(fs.existsSync(path.join(home, ".pulumi", "stacks")), "state in the temp ~").to.equal(
            true,
        );
        for (const app of ["api", "scraper", "web", "search-indexer"]) {
            expect(host.mounts(app), app).to.have.length(5);
            expect(host.config(app), app).to.include({ PIP_CACHE_DIR: "/root/.cache/pip" });
        }
        expect(host.config("api")).to.include({ USER_OWN: "kept" });
        // Step 3's preview shows each discovered app's env; step 6's verify found the host in sync.
        expect(a.stdout).to.match(/api \(discovered\): ms-playwright, npm, pip, rust, uv;/);
        expect(a.stdout).to.match(/PIP_CACHE_DIR +: "\/root\/.cache\/pip"/);
        expect(a.stdout).to.match(/dokku-shared-cache report for root@127\.0\.0\.1:\d+: IN SYNC/);
        // Step 5: the one-off prune's sizes, and docker system df before (35 GB) and after (5 GB).
        const pruned = /"buildCacheBefore":\s*"([^"]+)"[\s\S]*?"buildCacheAfter":\s*"([^"]+)"/.exec(
            a.stdout,
        );
        expect(pruned, "stack output buildCache shows the pruned sizes").to.not.equal(null);
        expect(pruned!.slice(1)).to.deep.equal(["35GB", "5GB"]);
        expect(a.stdout).to.include('"reclaimedBytes":30000000000');
        const df = [...a.stdout.matchAll(/^Build Cache\s+\d+\s+\d+\s+(\S+)/gm)].map((m) => m[1]);
        expect(df, "docker system df before and after").to.deep.equal(["35GB", "5GB"]);
        expect(a.stdout).to.match(/^Filesystem\s+Size\s+Used/m); // df -h ran on the host
        expect(host.buildCache().map((i) => i.id)).to.deep.equal(["fresh"]);
        expect(restartedApps(), "up restarts the deployed apps only").to.deep.equal([
            "api",
            "scraper",
        ]);

        // Step 7: destroy undoes what was added; cache data stays.
        fs.writeFileSync(path.join(host.sharedRoot, "pip", "wheel.whl"), "pip data\n");
        host.clearLog();
        run([...settings, ...undo], "undo");
        for (const app of ["api", "scraper", "web", "search-indexer"]) {
            expect(host.mounts(app), app).to.deep.equal([]);
        }
        expect(host.config("api")).to.deep.equal({ USER_OWN: "kept" });
        expect(host.config("web")).to.deep.equal({});
        expect(
            fs.readFileSync(path.join(host.sharedRoot, "pip", "wheel.whl"), "utf8"),
            "cache data stays",
        ).to.equal("pip data\n");
        expect(fs.existsSync(host.stateDir), "its records stay").to.equal(true);
        expect(
            fs.existsSync(path.join(host.hostPaths().cronDir, "dokku-shared-cache-prune")),
            "the prune job is gone",
        ).to.equal(false);
        expect(restartedApps(), "destroy restarts each deployed app once").to.deep.equal([
            "api",
            "scraper",
        ]);
        expect(host.dockerLog().filter((d) => d.kind === "forbidden")).to.deep.equal([]);
    });
});
