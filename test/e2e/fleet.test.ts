/**
 * Issue 14, with the real engine: several Dokku hosts in one stack (the
 * `hosts` form). Two loopback sshd hosts in different Dokku modes (0.38,
 * 0.37; the second with its own SSH key, as a nested secret) and a third
 * that nothing listens for: the reachable two converge completely, the run
 * fails naming the third; a second `up` makes no dokku write on either;
 * removing a host from the stack undoes that host only.
 */
import { expect } from "chai";
import { closedLoopbackPort } from "../../testkit/ports";
import { SshHost } from "../../testkit/ssh-host";
import { PulumiStack } from "../../testkit/pulumi-stack";
import {
    E2E_ENV,
    cachePath,
    changes,
    hostEntry,
    hostQuiet,
    mountsOf,
    ok,
    previewJson,
} from "./world";

describe("e2e fleet: hosts 0.38 + 0.37 + one unreachable, in one stack", function () {
    this.timeout(600000);
    const alpha = new SshHost("0.38");
    const beta = new SshHost("0.37");
    let stack: PulumiStack;
    let gammaPort = 0;
    let hosts: Record<string, unknown>[];
    const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

    before(async () => {
        await Promise.all([alpha.start(), beta.start()]);
        for (const h of [alpha, beta]) {
            h.createApp("api", true);
            h.createApp("web", true);
        }
        gammaPort = await closedLoopbackPort();
        stack = await PulumiStack.create({ stack: "fleet", env: E2E_ENV });
        await stack.setSecret("privateKey", alpha.clientKey); // shared key
        const betaKey = await stack.secureValue(beta.clientKey); // beta's own
        hosts = [
            hostEntry("alpha", alpha),
            hostEntry("beta", beta, {
                privateKey: betaKey,
                apps: [{ name: "api", caches: ["pip", "npm"] }, { name: "web" }],
                afterChange: "none",
                buildCache: false,
            }),
            {
                name: "gamma",
                connection: {
                    host: "127.0.0.1",
                    port: gammaPort,
                    hostKey: alpha.hostKey,
                    dialErrorLimit: 1,
                    perDialTimeout: 2,
                },
            },
        ];
        stack.setConfig({
            caches: { pip: true, npm: true },
            apps: [{ name: "api", caches: ["pip"] }],
            hosts,
        });
    });

    after(async () => {
        stack?.cleanup();
        await Promise.all([alpha.stop(), beta.stop()]);
    });

    it("preview shows both reachable hosts' resources and fails naming the unreachable one", async () => {
        const { r, json } = await previewJson(stack);
        expect(r.code).to.not.equal(0);
        const creates = changes(json).filter((c) => c.startsWith("create "));
        expect(creates).to.include.members(["create alpha-app-api", "create beta-app-api"]);
        expect(creates).to.include("create beta-app-web");
        expect(creates.some((c) => c.includes("gamma"))).to.equal(false);
        expect(JSON.stringify(json.diagnostics)).to.contain(`host gamma (127.0.0.1:${gammaPort})`);
    });

    it("up: alpha and beta converge completely; the failure names gamma", async () => {
        const r = await stack.up();
        expect(r.code, out(r)).to.not.equal(0);
        expect(out(r)).to.match(new RegExp(`host gamma \\(127\\.0\\.0\\.1:${gammaPort}\\): .+`));
        expect(out(r)).to.not.match(/host (alpha|beta) \(/);
        expect(mountsOf(alpha, "api")).to.deep.equal([
            `${cachePath(alpha, "pip")}:/root/.cache/pip`,
        ]);
        expect(mountsOf(alpha, "web")).to.deep.equal([]);
        expect(mountsOf(beta, "api")).to.deep.equal(
            [
                `${cachePath(beta, "npm")}:/root/.cache/npm`,
                `${cachePath(beta, "pip")}:/root/.cache/pip`,
            ].sort(),
        );
        expect(mountsOf(beta, "web")).to.have.length(2);
        // beta: afterChange none (its override) → no restart; alpha: the default restart.
        expect(beta.restarts()).to.deep.equal([]);
        expect(alpha.restarts().length).to.equal(1);
    });

    it("a second up makes no dokku write on either reachable host", async () => {
        await Promise.all([hostQuiet(alpha), hostQuiet(beta)]);
        alpha.clearLog();
        beta.clearLog();
        const r = await stack.up();
        expect(r.code).to.not.equal(0);
        expect(out(r)).to.contain(`host gamma (127.0.0.1:${gammaPort})`);
        expect(alpha.writes()).to.deep.equal([]);
        expect(beta.writes()).to.deep.equal([]);
    });

    it("a converged host that becomes unreachable fails alone: nothing of it is deleted", async () => {
        const lost = { ...hosts[1], connection: { ...beta.connection(), port: gammaPort } };
        stack.updateConfig({ hosts: [hosts[0], lost] });
        const before = mountsOf(beta, "api");
        beta.clearLog();
        const r = await stack.up();
        expect(r.code).to.not.equal(0);
        expect(out(r)).to.contain(`host beta (127.0.0.1:${gammaPort})`);
        // Its resources are still in the state with the old (reachable) connection: had the
        // engine deleted them, their undo would have run on beta.
        expect(beta.writes()).to.deep.equal([]);
        expect(mountsOf(beta, "api")).to.deep.equal(before);
        stack.updateConfig({ hosts });
    });

    it("removing beta and gamma undoes beta only; alpha is not written to", async () => {
        alpha.clearLog();
        beta.clearLog();
        stack.updateConfig({ hosts: [hosts[0]] });
        const { json } = await previewJson(stack);
        expect(changes(json).every((c) => c.startsWith("delete ") && c.includes("beta"))).to.equal(
            true,
            changes(json).join("\n"),
        );
        ok(await stack.up());
        expect(mountsOf(beta, "api")).to.deep.equal([]);
        expect(mountsOf(beta, "web")).to.deep.equal([]);
        expect(beta.writes().length).to.be.greaterThan(0);
        expect(mountsOf(alpha, "api")).to.have.length(1);
        expect(alpha.writes()).to.deep.equal([]);
        const outputs = await stack.outputs();
        expect(Object.keys(outputs.hosts as object)).to.deep.equal(["alpha"]);
    });
});
