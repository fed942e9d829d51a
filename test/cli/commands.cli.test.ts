/**
 * docs/plan.md's offline-plan block, run as written with the real Pulumi CLI
 * (through `npm run pulumi`): in a copy of the project, on a temp file://
 * backend and PULUMI_HOME, `plan --stack example --scripts` reads the example
 * stack's config through the CLI (the secret decrypted by Pulumi, no stdin)
 * and prints every resource and script without contacting any host.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docsShBlock } from "../../testkit/readme";

const REPO = path.resolve(__dirname, "../..");

describe("docs/plan.md: the offline plan works as written (real Pulumi CLI)", function () {
    this.timeout(300000);
    let dir: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-plan-"));
        const skip = new Set(["node_modules", ".git", ".state", ".pulumi-home"]);
        fs.cpSync(REPO, path.join(dir, "project"), {
            recursive: true,
            filter: (src) => !skip.has(path.basename(src)) || path.dirname(src) !== REPO,
        });
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "project", "node_modules"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("npm run plan -- --stack example --scripts, and --help", () => {
        const lines = docsShBlock("plan.md", "# The offline plan: `npm run plan`");
        expect(lines.join("\n")).to.contain("npm run -s plan -- --stack example --scripts");
        const marks = lines.map((l, i) => `${l}\necho "@@step ${i} rc=$?"`);
        const script = ["set -e", `cd ${path.join(dir, "project")}`, ...marks].join("\n");
        const r = spawnSync("bash", ["-c", script], {
            encoding: "utf8",
            env: {
                PATH: process.env.PATH,
                HOME: process.env.HOME,
                PULUMI_HOME: path.join(dir, "pulumi-home"),
                PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
                PULUMI_SKIP_UPDATE_CHECK: "true",
                LANG: "C.UTF-8",
                npm_config_update_notifier: "false",
            },
        });
        const out = r.stdout + r.stderr;
        expect(r.status, `docs/plan.md block failed:\n${out.slice(-4000)}`).to.equal(0);
        expect(out).to.include(`@@step ${lines.length - 1} rc=0`);
        // The state went to the backend the test chose, not into the project.
        expect(fs.existsSync(path.join(dir, "state", ".pulumi"))).to.equal(true);
        expect(fs.existsSync(path.join(dir, "project", ".state"))).to.equal(false);
        expect(r.stdout)
            .to.contain("Plan (offline, mock engine):")
            .and.contain("host not contacted")
            .and.contain("+ dokku-shared-cache:index:AppCaches  dokku-app-frontend")
            .and.contain("4 managed app(s)")
            .and.contain("----- dokku-app-api-converge: create/update `sh -s converge`")
            .and.contain("APP='api'")
            .and.contain("Usage: npm run plan --");
        // The stack's secret was decrypted by Pulumi for the program, and is printed nowhere.
        expect(out).not.to.match(/PRIVATE KEY/);
    });
});
