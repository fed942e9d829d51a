/**
 * Supported Dokku versions with the real engine: a host whose `dokku
 * version` is below the floor (the double reporting 0.37.4) is refused with
 * a clear message before any write: by the probe at preview/up, and with
 * drift detection off (no probe) by each app's converge before it writes.
 */
import { expect } from "chai";
import * as fs from "fs";
import { MIN_DOKKU_VERSION } from "../../rules/dokku-version";
import { World, endWorld, hostConfig, makeWorld } from "./world";

describe("e2e Dokku version floor (real engine)", function () {
    this.timeout(600000);
    let w: World;
    before(async () => {
        w = await makeWorld("0.37", { DOKKU_DOUBLE_VERSION: "0.37.4" });
        w.host.createApp("api", true);
    });
    after(async () => endWorld(w));

    const refusal = `this host runs Dokku 0.37.4 (from \`dokku version\`); dokku-shared-cache supports Dokku ${MIN_DOKKU_VERSION} and later`;

    it("preview and up refuse before anything is created", async () => {
        w.stack.setConfig(hostConfig(w.host, { apps: [{ name: "api", caches: ["pip"] }] }));
        w.host.clearLog();
        for (const r of [await w.stack.preview(), await w.stack.up()]) {
            const out = r.stdout + r.stderr;
            expect(r.code, out).not.to.equal(0);
            expect(out).to.contain(`dokku-shared-cache: 127.0.0.1: ${refusal}`);
        }
        expect(w.host.writes()).to.deep.equal([]);
        expect([...new Set(w.host.log().map((i) => i.cmd))].sort()).to.deep.equal([
            "apps:list",
            "version",
        ]);
        expect(fs.existsSync(w.host.stateDir), "no state dir").to.equal(false);
        expect(fs.existsSync(w.host.sharedRoot), "no cache dir").to.equal(false);
    });

    it("without the probe (detectDrift off) each app's converge refuses before it writes", async () => {
        w.stack.setConfig(
            hostConfig(w.host, {
                apps: [{ name: "api", caches: ["pip"] }],
                detectDrift: false,
                buildCache: false,
            }),
        );
        w.host.clearLog();
        const r = await w.stack.up();
        const out = r.stdout + r.stderr;
        expect(r.code, out).not.to.equal(0);
        expect(out).to.contain('Process exited with status 9: running "sh -s converge"');
        expect(out).to.contain(`dokku-shared-cache: app api: ${refusal}`);
        expect(w.host.writes()).to.deep.equal([]);
        expect(w.host.log().map((i) => i.cmd)).to.deep.equal(["version"]);
        expect(w.host.mounts("api")).to.deep.equal([]);
    });
});
