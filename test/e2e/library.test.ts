/**
 * Issue 14, the library: examples/library is a Pulumi program (and npm
 * package) of its own that depends on `dokku-shared-cache` (`file:../..`) and
 * imports it through the package's `exports` entry (the built dist/). With the real engine: the package
 * builds, the example type-checks against the published types, a bad app
 * name fails the preview with the stack program's own error, and the
 * example previews and converges a loopback host, then is a no-op.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as path from "path";
import { PulumiStack, REPO } from "../../testkit/pulumi-stack";
import { SshHost } from "../../testkit/ssh-host";
import { E2E_ENV, cachePath, changes, mountsOf, ok, previewJson } from "./world";

const EXAMPLE = path.join(REPO, "examples/library");

describe("e2e library: examples/library uses the package entry", function () {
    this.timeout(600000);
    const host = new SshHost("0.38");
    let stack: PulumiStack;

    before(async () => {
        await host.start();
        host.createApp("api", true);
        host.createApp("web", false);
    });
    after(async () => {
        stack?.cleanup();
        await host.stop();
    });

    it("builds (npm run build:lib) and the example type-checks against its types", () => {
        execFileSync("npm", ["run", "-s", "build:lib"], { cwd: REPO, stdio: "pipe" });
        // As another program installs it: a `file:` dependency (npm links the folder).
        execFileSync(
            "npm",
            ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--no-package-lock"],
            { cwd: EXAMPLE, stdio: "pipe" },
        );
        execFileSync("npx", ["tsc", "-p", EXAMPLE], { cwd: REPO, stdio: "pipe" });
        const resolved = execFileSync(
            process.execPath,
            ["-p", 'require.resolve("dokku-shared-cache")'],
            { cwd: EXAMPLE, encoding: "utf8" },
        ).trim();
        expect(resolved).to.equal(path.join(REPO, "dist/lib/index.js"));
    });

    it("a bad app name fails the preview naming the key, before the host is read", async () => {
        stack = await PulumiStack.create({ stack: "lib", program: EXAMPLE, env: E2E_ENV });
        await stack.setSecret("sshKey", host.clientKey);
        const base = {
            server: host.connection(),
            hostDirs: {
                sharedRoot: host.sharedRoot,
                stateDir: host.stateDir,
                hostPaths: host.hostPaths(),
            },
        };
        stack.setConfig({ ...base, apps: ["api", { name: "Web_1" }] });
        host.clearLog();
        const bad = await stack.preview();
        expect(bad.code).to.not.equal(0);
        expect(bad.stdout + bad.stderr).to.match(/dokku-shared-cache:apps\[1\]\.name: .*"Web_1"/);
        expect(host.log()).to.deep.equal([]);

        stack.setConfig({ ...base, apps: ["api", { name: "web", caches: ["npm"] }] });
        const { r, json } = await previewJson(stack);
        ok(r);
        expect(changes(json)).to.include.members(["create web1-app-api", "create web1-app-web"]);
    });

    it("converges the host, then a second up changes nothing", async () => {
        ok(await stack.up());
        expect(mountsOf(host, "api")).to.deep.equal([
            `${cachePath(host, "npm")}:/root/.cache/npm`,
            `${cachePath(host, "pip")}:/root/.cache/pip`,
        ]);
        expect(mountsOf(host, "web")).to.deep.equal([`${cachePath(host, "npm")}:/root/.cache/npm`]);
        const out = await stack.outputs();
        expect(String(out.summary)).to.contain("api");
        host.clearLog();
        ok(await stack.up());
        expect(host.writes()).to.deep.equal([]);
    });
});
