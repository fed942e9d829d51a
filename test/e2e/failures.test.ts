/**
 * Issue 15, "Failures carry Dokku's words, not the script", with the real
 * engine and command provider 1.2.1 against the loopback host (dokku double,
 * Dokku 0.38 mode): what `pulumi up` prints when an app's restart fails its
 * health check, that the next `pulumi up` retries the restart, and that a
 * changed script (it travels on `stdin`) is an update of that command only.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { World, changes, endWorld, hostConfig, makeWorld, previewJson, restarted } from "./world";
import { DOUBLE_FAILED_CHECK_WORDS } from "../fixtures/settings";

describe("e2e failures in Dokku's words (real engine)", function () {
    this.timeout(600000);
    let w: World;
    const failFile = () => path.join(w.host.root, "var/lib/dokku-double/fail-restart");
    before(async () => {
        w = await makeWorld("0.38");
        w.host.createApp("api", true);
        w.host.createApp("web", true);
    });
    after(async () => endWorld(w));

    it("a failed restart shows Dokku's output and the app, not the script; the next up retries it", async () => {
        fs.mkdirSync(path.dirname(failFile()), { recursive: true });
        fs.writeFileSync(failFile(), "api\n");
        w.stack.setConfig(
            hostConfig(w.host, {
                apps: [
                    { name: "api", caches: ["pip"] },
                    { name: "web", caches: ["pip"] },
                ],
                buildCache: false,
            }),
        );
        w.host.clearLog();
        const r = await w.stack.up();
        const out = r.stdout + r.stderr;
        expect(r.code, out).not.to.equal(0);
        // The provider's error names the short command text, then the output.
        expect(out).to.contain('running "sh -s converge"');
        expect(out).to.contain(" !     Could not start due to 1 failed checks (web.1)");
        expect(out).to.contain(
            `dokku-shared-cache: app api: the restart (dokku ps:restart) failed with exit 1; Dokku says: "${DOUBLE_FAILED_CHECK_WORDS}"`,
        );
        for (const s of ["dsc_gen_exit", "set -euf", "save_ledger", "jq -cn"])
            expect(out, `script text ${s}`).not.to.contain(s);
        // The other app converged and restarted.
        expect(restarted(w.host)).to.deep.equal(["web"]);
        expect(w.host.mounts("api")).to.deep.equal([`${w.host.sharedRoot}/pip:/root/.cache/pip`]);

        // Still failing: the next up retries the restart once, writes nothing.
        w.host.clearLog();
        const again = await w.stack.up();
        expect(again.code).not.to.equal(0);
        expect(w.host.writes()).to.deep.equal([]);
        expect(w.host.log().filter((i) => i.cmd === "ps:restart")).to.have.length(1);

        // Fixed: the next up restarts it once and succeeds; the one after is quiet.
        fs.rmSync(failFile());
        w.host.clearLog();
        const fixed = await w.stack.up();
        expect(fixed.code, fixed.stdout + fixed.stderr).to.equal(0);
        expect(restarted(w.host)).to.deep.equal(["api"]);
        w.host.clearLog();
        const quiet = await w.stack.up();
        expect(quiet.code, quiet.stdout + quiet.stderr).to.equal(0);
        expect(w.host.writes()).to.deep.equal([]);
        expect(restarted(w.host)).to.deep.equal([]);
    });

    it("a changed script (on stdin) is an update of exactly that app's command, never a replace; a failed update's restart is retried", async () => {
        w.stack.setConfig(
            hostConfig(w.host, {
                apps: [
                    { name: "api", caches: ["pip", "npm"] },
                    { name: "web", caches: ["pip"] },
                ],
                buildCache: false,
            }),
        );
        const { r, json } = await previewJson(w.stack);
        expect(r.code, r.stderr).to.equal(0);
        const c = changes(json);
        expect(c).to.include("update dokku-app-api-converge");
        expect(c.filter((x) => x.includes("-web-"))).to.deep.equal([]);
        expect(c.filter((x) => /^(replace|create-replacement|delete)/.test(x))).to.deep.equal([]);
        // The update's restart fails: the next up (same inputs) retries it.
        fs.writeFileSync(failFile(), "api\n");
        w.host.clearLog();
        const failed = await w.stack.up();
        expect(failed.code).not.to.equal(0);
        expect(w.host.mounts("api")).to.include(`${w.host.sharedRoot}/npm:/root/.cache/npm`);
        fs.rmSync(failFile());
        w.host.clearLog();
        const up = await w.stack.up();
        expect(up.code, up.stdout + up.stderr).to.equal(0);
        expect(w.host.writes()).to.deep.equal([]);
        expect(restarted(w.host)).to.deep.equal(["api"]);
    });
});
