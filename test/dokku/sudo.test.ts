/**
 * `connection.sudo: true` on the real Dokku 0.38.27 (testkit/real-dokku.sh)
 * through the real engine, logged in over our loopback sshd as an ordinary
 * user who has the documented sudoers line (testkit/sudo-user.ts; the user and
 * its /etc/sudoers.d file are removed afterwards): up converges a deployed app
 * as root through `sudo -n` (real `dokku storage:*`, `config:set`, restart),
 * a second up changes nothing, destroy leaves the app as it was.
 *
 * Run under the shared lock: flock /tmp/dsc-real-dokku.lock npx mocha --timeout 900000 test/dokku/sudo.test.ts
 */
import { expect } from "chai";
import * as path from "path";
import { PulumiStack } from "../../testkit/pulumi-stack";
import { LOCAL_IMAGE, RealDokkuHost } from "../../testkit/real-dokku-host";
import { SudoUser } from "../../testkit/sudo-user";
import { E2E_ENV, ok } from "../e2e/world";

describe("real Dokku 0.38.27: connection.sudo as an ordinary user", function () {
    this.timeout(15 * 60_000);
    let h: RealDokkuHost;
    let stack: PulumiStack;
    let deploy: SudoUser;
    let api: string;
    let initial: Record<string, string>;
    let started: string[];

    before(async () => {
        h = new RealDokkuHost();
        await h.start();
        h.globalSetup();
        deploy = SudoUser.create("dokku", h.sshd, { sudoers: true });
        api = h.createApp("sudo", { image: LOCAL_IMAGE });
        initial = h.env(api);
        started = h.containers(api);
        stack = await PulumiStack.create({ stack: "real", env: E2E_ENV });
        await stack.setSecret("privateKey", h.clientKey);
        stack.setConfig({
            connection: { ...h.connection(), user: deploy.name, sudo: true },
            sharedRoot: h.sharedRoot,
            stateDir: h.stateDir,
            hostPaths: h.hostPaths(),
            caches: { pip: true },
            buildCache: false,
            apps: [{ name: api, caches: ["pip"] }],
        });
    });
    after(async () => {
        if (stack) stack.cleanup();
        deploy?.remove();
        if (h) await h.stop();
    });

    it("up converges as root through sudo -n, a second up is a no-op, destroy restores the app", async () => {
        expect(started).to.have.length(1);
        h.clearCalls();
        ok(await stack.up());
        const pip = `${path.join(h.sharedRoot, "pip")}:/root/.cache/pip`;
        expect(h.mountSpecs(api)).to.deep.equal([pip]);
        expect(h.env(api)).to.deep.equal({ ...initial, PIP_CACHE_DIR: "/root/.cache/pip" });
        expect(h.restarts().map((r) => r[1])).to.deep.equal([api]);
        const now = h.containers(api);
        expect(now).to.have.length(1);
        expect(now[0]).not.to.equal(started[0]);

        h.clearCalls();
        ok(await stack.up("--expect-no-changes"));
        expect(h.writes(), "a second up writes nothing").to.deep.equal([]);

        h.clearCalls();
        ok(await stack.destroy());
        expect(h.mountSpecs(api)).to.deep.equal([]);
        expect(h.env(api)).to.deep.equal(initial);
        expect(h.newStorageEntries(), "no entry of ours is left").to.deep.equal([]);
    });
});
