/**
 * With the real Pulumi CLI (built from Go modules by scripts/install-pulumi.sh,
 * which `npm run test:cli` runs first) on a file:// backend: the private key
 * set the way the README says is encrypted in the stack file, absent from
 * `pulumi stack export` and from `pulumi config` without --show-secrets; the
 * example stack's key appears in no tracked file of the repository.
 */
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    ConfigJsonEntry,
    configJsonMap,
    namespaceValues,
    rawFromValues,
    validateSettings,
} from "../../config";

const FAKE_KEY =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAbm90YXJlYWxrZXk=\n-----END OPENSSH PRIVATE KEY-----\n";

const REPO = path.resolve(__dirname, "../..");
const BIN = path.join(
    process.env.PULUMI_TOOLS_DIR ?? path.join(os.homedir(), ".cache/dokku-shared-cache/tools"),
    "bin",
);

function bodyLines(key: string): string[] {
    return key
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.length >= 20 && !l.startsWith("-----"));
}

describe("stack files and the real Pulumi CLI keep the key secret", function () {
    this.timeout(120000);
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const pulumi = (args: string[], input?: string) => {
        const r = spawnSync(path.join(BIN, "pulumi"), args, {
            cwd: dir,
            env,
            input,
            encoding: "utf8",
        });
        if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
    };
    before(() => {
        expect(
            fs.existsSync(path.join(BIN, "pulumi")),
            `no Pulumi CLI in ${BIN}: run scripts/install-pulumi.sh`,
        ).to.equal(true);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-cli-"));
        fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        for (const f of ["Pulumi.example.yaml", "Pulumi.prod.yaml"]) {
            fs.copyFileSync(path.join(REPO, f), path.join(dir, f));
        }
        env = {
            ...process.env,
            PULUMI_HOME: path.join(dir, ".pulumi-home"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_CONFIG_PASSPHRASE: "example",
        };
        fs.mkdirSync(path.join(dir, "state"));
        pulumi(["login", "--non-interactive", `file://${dir}/state`]);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("`pulumi config set --secret privateKey < key` stores it encrypted only", () => {
        pulumi(["stack", "init", "t", "--non-interactive"]);
        const keyFile = path.join(dir, "id");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile]);
        const key = fs.readFileSync(keyFile, "utf8");
        pulumi(["config", "set", "--secret", "privateKey", "-s", "t"], key);
        expect(pulumi(["config", "get", "privateKey", "-s", "t"]).trim()).to.equal(key.trim());
        const stackFile = fs.readFileSync(path.join(dir, "Pulumi.t.yaml"), "utf8");
        expect(stackFile).to.match(/dokku-shared-cache:privateKey:\n\s+secure: v1:/);
        const shown = pulumi(["config", "--json", "-s", "t"]);
        const exported = pulumi(["stack", "export", "-s", "t"]);
        for (const line of bodyLines(key)) {
            expect(stackFile).not.to.contain(line);
            expect(shown).not.to.contain(line);
            expect(exported).not.to.contain(line);
        }
        expect(JSON.parse(shown)["dokku-shared-cache:privateKey"]).to.deep.include({
            secret: true,
        });
    });

    it("the example stack's key decrypts, and is in no tracked file of the repository", () => {
        pulumi(["stack", "init", "example", "--non-interactive"]);
        const cfg = JSON.parse(
            pulumi(["config", "--json", "--show-secrets", "-s", "example"]),
        ) as Record<string, { value: string; secret: boolean }>;
        const key = cfg["dokku-shared-cache:privateKey"];
        expect(key.secret).to.equal(true);
        expect(key.value).to.contain("PRIVATE KEY");
        const files = execFileSync("git", ["ls-files"], { cwd: REPO, encoding: "utf8" })
            .split("\n")
            .filter((f) => f && fs.existsSync(path.join(REPO, f)));
        expect(files.length).to.be.greaterThan(20);
        for (const f of files) {
            const text = fs.readFileSync(path.join(REPO, f), "latin1");
            for (const line of bodyLines(key.value)) {
                expect(text.includes(line), `${f} contains the example private key`).to.equal(
                    false,
                );
            }
        }
        // and the production stack file holds no secret in clear at all
        const prod = fs.readFileSync(path.join(REPO, "Pulumi.prod.yaml"), "utf8");
        expect(prod).not.to.match(/PRIVATE KEY|BEGIN OPENSSH/);
    });

    it("the committed stacks (example, prod) pass validation as the CLI reads them", () => {
        pulumi(["stack", "init", "prod", "--non-interactive"]);
        for (const stack of ["example", "prod"]) {
            const cfg = JSON.parse(
                pulumi(["config", "--json", "--show-secrets", "-s", stack]),
            ) as Record<string, ConfigJsonEntry>;
            const values = namespaceValues(configJsonMap(cfg));
            const s = validateSettings({
                ...rawFromValues(values),
                privateKey: values.privateKey ?? FAKE_KEY,
            });
            expect(s.apps.length, stack).to.be.greaterThan(2);
            expect(s.buildCache?.schedule, stack).to.equal("daily");
        }
    });
});
