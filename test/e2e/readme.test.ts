/**
 * The README's "On a real host" section, run as written: its code block is read from README.md,
 * its first line (HOST/PORT/KEY) gets the loopback test host's values, and it runs with bash in a
 * copy of the project, with HOME in a temp dir (so `login --local` and the stack's state stay
 * there). The only lines added are test-only settings that keep the host's paths inside the
 * test host's temp root (sharedRoot, stateDir, hostPaths); they are inserted after `stack init`.
 * One line is swapped: `login --local` means `file://~`, and the CLI resolves `~` with the
 * account's home from the user database, not $HOME (pkg/backend/diy/backend.go, v3.259.0), so the
 * test says `login file://$HOME` (the same thing for the temp HOME) to keep /root/.pulumi clean.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readmeShBlock } from "../../testkit/readme";
import { SshHost } from "../../testkit/ssh-host";

const REPO = path.resolve(__dirname, "../..");
const TOOLS =
    process.env.PULUMI_TOOLS_DIR ?? path.join(os.homedir(), ".cache/dokku-shared-cache/tools");

/** The fenced sh block under the README heading `## On a real host`. */
export function realHostBlock(readme: string): string[] {
    return readmeShBlock("## On a real host", readme);
}

describe("README: the real-host section works as written", function () {
    this.timeout(600000);
    let host: SshHost;
    let dir: string;
    let home: string;

    before(async () => {
        host = new SshHost("0.38");
        await host.start();
        // The apps Pulumi.prod.yaml names; two deployed, two not.
        for (const [app, deployed] of [
            ["api", true],
            ["scraper", true],
            ["web", false],
            ["search-indexer", false],
        ] as const) {
            host.createApp(app, deployed);
        }
        host.dokku("config:set", "--no-restart", "api", "USER_OWN=kept");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-readme-"));
        home = path.join(dir, "home");
        fs.mkdirSync(home);
        const proj = path.join(dir, "project");
        const skip = new Set(["node_modules", ".git", ".state", ".pulumi-home"]);
        fs.cpSync(REPO, proj, {
            recursive: true,
            filter: (src) => !skip.has(path.basename(src)) || path.dirname(src) !== REPO,
        });
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(proj, "node_modules"));
        fs.writeFileSync(path.join(dir, "id_ed25519"), host.clientKey, { mode: 0o600 });
    });

    after(async () => {
        await host.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("login, stack init, config, preview, up, output, verify and destroy converge and undo the host", () => {
        const lines = realHostBlock(fs.readFileSync(path.join(REPO, "README.md"), "utf8"));
        expect(lines[0], "the block starts with the HOST/PORT/KEY line").to.match(/^HOST=/);
        lines[0] = `HOST=127.0.0.1; PORT=${host.port}; KEY=${path.join(dir, "id_ed25519")}`;
        const login = lines.findIndex((l) => l.includes(" login --local"));
        expect(login, "login --local line").to.be.greaterThan(0);
        lines[login] = lines[login].replace(" login --local", ' login "file://$HOME"');
        const init = lines.findIndex((l) => l.includes(" stack init prod"));
        expect(init, "stack init line").to.be.greaterThan(0);
        const set = (k: string, v: string) =>
            `npm run -s pulumi -- config set -s prod --path ${k} '${v}'`;
        lines.splice(
            init + 1,
            0,
            set("sharedRoot", host.sharedRoot),
            set("stateDir", host.stateDir),
            ...Object.entries(host.hostPaths()).map(([k, v]) => set(`hostPaths.${k}`, v)),
        );
        // After each README line, the test records the state it needs to check.
        const marks = lines.map((l, i) => `${l}\necho "@@step ${i} rc=$?" >&2`);
        const script = ["set -e", `cd ${path.join(dir, "project")}`, ...marks].join("\n");
        const env: NodeJS.ProcessEnv = {
            PATH: process.env.PATH,
            HOME: home,
            PULUMI_HOME: path.join(home, ".pulumi"),
            PULUMI_TOOLS_DIR: TOOLS,
            LANG: "C.UTF-8",
            npm_config_update_notifier: "false",
        };
        const r = spawnSync("bash", ["-c", script], { env, encoding: "utf8" });
        const out = r.stdout + r.stderr;
        expect(r.status, `README block failed:\n${out.slice(-4000)}`).to.equal(0);
        expect(out).to.include("@@step " + (lines.length - 1) + " rc=0");
        // The stack's state went where `login --local` puts it.
        expect(fs.existsSync(path.join(home, ".pulumi", "stacks"))).to.equal(true);
        // up converged, and destroy undid exactly what was added.
        expect(r.stdout).to.match(/managed app/); // the summary output
        expect(host.mounts("api")).to.deep.equal([]);
        expect(host.config("api")).to.deep.equal({ USER_OWN: "kept" });
        expect(fs.existsSync(path.join(host.sharedRoot, "pip")), "cache data stays").to.equal(true);
        const restarted = host
            .restarts()
            .map((i) => i.args[i.args.length - 1])
            .sort();
        expect(restarted, "only deployed apps restart").to.include.members(["api", "scraper"]);
        expect(restarted).to.not.include("web");
    });
});
