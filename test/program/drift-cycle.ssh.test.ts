/**
 * The drift cycle as the engine sees it (engine emulator: only commands
 * whose inputs changed run): after a converge the next `up` runs nothing;
 * drift by hand makes exactly that app's command run; after the repair the
 * next `up` runs nothing again.
 */
import { expect } from "chai";
import { hostRaw } from "../../testkit/apply";
import { EngineEmulator } from "../../testkit/engine";
import { SshHost } from "../../testkit/ssh-host";

describe("drift cycle through the engine emulator", function () {
    this.timeout(120000);
    let h: SshHost;
    before(async () => {
        h = new SshHost("0.38");
        await h.start();
        for (const a of ["a1", "a2", "a3"]) h.createApp(a, true);
    });
    after(async () => h.stop());

    it("runs nothing when in sync, only the drifted app when not, and nothing after the repair", async () => {
        const raw = hostRaw(h, {
            apps: ["a1", "a2", "a3"].map((name) => ({ name, caches: ["pip", "npm"] })),
            buildCache: false,
        });
        const engine = new EngineEmulator(8);
        const first = await engine.up(raw, h.clientKey);
        expect(first.failed).to.deep.equal([]);
        expect(first.ran).to.have.length(5 + 3);
        h.clearLog();
        const second = await engine.up(raw, h.clientKey);
        expect(second.ran).to.deep.equal([]);
        expect(second.sessions).to.equal(1); // the read-only probe
        expect(h.writes()).to.deep.equal([]);
        h.dokku("config:unset", "--no-restart", "a2", "NPM_CONFIG_CACHE");
        h.clearLog();
        const repair = await engine.up(raw, h.clientKey);
        expect(repair.ran).to.deep.equal(["create dokku-app-a2-converge"]);
        expect(h.config("a2")).to.include({ NPM_CONFIG_CACHE: "/root/.cache/npm" });
        expect(h.restarts().map((i) => i.args[0])).to.deep.equal(["a2"]);
        h.clearLog();
        const after = await engine.up(raw, h.clientKey);
        expect(after.ran).to.deep.equal([]);
        expect(h.writes()).to.deep.equal([]);
        expect(h.restarts()).to.deep.equal([]);
    });
});
