/**
 * `connection.sudo: true` through the real engine (pulumi CLI, Node.js language
 * host, command provider 1.2.1) over the loopback sshd, logged in as an
 * ordinary user who may run the scripts through `sudo -n` (the documented
 * sudoers line, testkit/sudo-user.ts): up, a no-op up, destroy. And a user
 * without the line: the preview fails before anything runs, naming the line.
 */
import { expect } from "chai";
import { sudoersLine } from "../../host/sudo";
import { SudoUser } from "../../testkit/sudo-user";
import {
    World,
    endWorld,
    hostConfig,
    makeWorld,
    mountsOf,
    ok,
    restarted,
    writeSummary,
} from "./world";

describe("e2e: connection.sudo, as an ordinary user with the sudoers line", function () {
    this.timeout(600000);
    let w: World;
    let deploy: SudoUser;
    let stranger: SudoUser;
    const config = (u: SudoUser) =>
        hostConfig(w.host, {
            connection: { ...w.host.connection(), user: u.name, sudo: true },
            apps: [
                { name: "api", caches: ["pip", "uv"] },
                { name: "web", caches: ["npm"] },
            ],
            buildCache: { schedule: "daily", olderThan: "168h", maxSize: "20GB" },
        });

    before(async () => {
        w = await makeWorld("0.38");
        for (const a of ["api", "web"]) w.host.createApp(a, true);
        deploy = SudoUser.create("e2e", w.host.sshd, { sudoers: true });
        stranger = SudoUser.create("e2ex", w.host.sshd, { sudoers: false });
    });
    after(async () => {
        deploy?.remove();
        stranger?.remove();
        await endWorld(w);
    });

    it("without the sudoers line the preview fails before any change, naming the line", async () => {
        w.stack.setConfig(config(stranger));
        w.host.clearLog();
        const r = await w.stack.preview();
        expect(r.code).not.to.equal(0);
        expect(r.stdout + r.stderr).to.contain("sudo: a password is required");
        expect(r.stdout + r.stderr).to.contain(sudoersLine(stranger.name));
        expect(w.host.log()).to.deep.equal([]);
    });

    it("up converges as root through sudo -n; a second up is a no-op; destroy undoes it", async () => {
        w.stack.setConfig(config(deploy));
        w.host.clearLog();
        const logFrom = w.host.sshd.log.length;
        ok(await w.stack.up());
        expect(mountsOf(w.host, "api")).to.have.length(2);
        expect(mountsOf(w.host, "web")).to.have.length(1);
        expect(restarted(w.host).sort()).to.deep.equal(["api", "web"]);
        const st = await w.stack.exportState();
        const commands = (st.deployment.resources ?? []).filter(
            (r) => r.type === "command:remote:Command",
        );
        expect(commands.length).to.be.greaterThan(3);
        for (const c of commands) {
            const inputs = c.inputs as Record<string, unknown>;
            expect(inputs.create, c.urn).to.match(/^sudo -n sh -s converge/);
            if (inputs.delete !== undefined)
                expect(inputs.delete, c.urn).to.equal("sudo -n sh -s remove");
        }

        w.host.clearLog();
        ok(await w.stack.up("--expect-no-changes"));
        expect(writeSummary(w.host)).to.deep.equal([]);
        expect(w.host.restarts()).to.deep.equal([]);

        w.host.clearLog();
        ok(await w.stack.destroy());
        expect(mountsOf(w.host, "api")).to.deep.equal([]);
        expect(mountsOf(w.host, "web")).to.deep.equal([]);
        expect(w.host.config("api")).not.to.have.property("PIP_CACHE_DIR");
        // Nothing of up, the no-op up or destroy logged in as root: a host with
        // `PermitRootLogin no` serves them the same (sshd logs every accepted login).
        const logins = w.host.sshd.log.slice(logFrom).match(/Accepted publickey for \S+/g) ?? [];
        expect(logins.length).to.be.greaterThan(0);
        expect([...new Set(logins)]).to.deep.equal([`Accepted publickey for ${deploy.name}`]);
    });

    it("a stack converged as root, switched to the sudo user: the up rewrites no app and restarts none", async () => {
        const asRoot = config(deploy);
        asRoot.connection = w.host.connection();
        w.stack.setConfig(asRoot);
        ok(await w.stack.up());
        expect(mountsOf(w.host, "api")).to.have.length(2);

        w.stack.setConfig(config(deploy));
        w.host.clearLog();
        ok(await w.stack.up());
        expect(writeSummary(w.host), "nothing written to Dokku").to.deep.equal([]);
        expect(w.host.restarts()).to.deep.equal([]);
        expect(mountsOf(w.host, "api")).to.have.length(2);
        ok(await w.stack.up("--expect-no-changes"));

        ok(await w.stack.destroy());
        expect(mountsOf(w.host, "api")).to.deep.equal([]);
    });
});
