/**
 * The build-cache schedule over a real OpenSSH session, both ways the host
 * may run it: a systemd timer (systemd present: `run/systemd/system` exists
 * and `systemctl` answers, the double here) and a cron entry otherwise.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { scheduleInstallScript, scheduleRemoveScript } from "../../host/build-cache";
import { runSsh } from "../../io/ssh";
import { parseResults } from "../../host/result";
import { SshHost } from "../../testkit/ssh-host";

describe("prune schedule over SSH", function () {
    this.timeout(60000);
    let h: SshHost;
    before(async () => {
        h = new SshHost("0.38");
        await h.start();
    });
    after(async () => h.stop());

    const spec = { schedule: "hourly" as const, olderThan: "72h", maxSize: "10GB" };
    const o = () => ({ stateDir: h.stateDir, paths: h.hostPaths() });

    it("installs and removes a systemd timer where systemd runs", async () => {
        fs.mkdirSync(h.hostPaths().systemdRunDir, { recursive: true });
        const r = await runSsh(h.connection(), h.clientKey, scheduleInstallScript(spec, o()));
        expect(r.code, r.stderr).to.equal(0);
        expect(parseResults(r.stdout)[0]).to.include({ scheduler: "systemd", changed: true });
        const unit = path.join(h.hostPaths().systemdUnitDir, "dokku-shared-cache-prune.timer");
        expect(fs.readFileSync(unit, "utf8")).to.contain("OnCalendar=hourly");
        const calls = () =>
            fs.readFileSync(path.join(h.root, "var/lib/systemctl-double/calls.log"), "utf8");
        expect(calls()).to.contain("enable --now dokku-shared-cache-prune.timer");
        const rm = await runSsh(h.connection(), h.clientKey, scheduleRemoveScript(o()));
        expect(parseResults(rm.stdout)[0]).to.deep.equal({ removed: true });
        expect(fs.existsSync(unit)).to.equal(false);
        expect(calls()).to.contain("disable --now dokku-shared-cache-prune.timer");
        fs.rmSync(h.hostPaths().systemdRunDir, { recursive: true });
    });

    it("installs and removes a cron entry where systemd does not run", async () => {
        const r = await runSsh(h.connection(), h.clientKey, scheduleInstallScript(spec, o()));
        expect(parseResults(r.stdout)[0]).to.include({ scheduler: "cron", variant: "buildx-max" });
        const cron = path.join(h.hostPaths().cronDir, "dokku-shared-cache-prune");
        expect(fs.readFileSync(cron, "utf8")).to.match(
            /^17 \* \* \* \* root DSC_PRUNE_LOCKED=1 flock -n /m,
        );
        const rm = await runSsh(h.connection(), h.clientKey, scheduleRemoveScript(o()));
        expect(parseResults(rm.stdout)[0]).to.deep.equal({ removed: true });
        expect(fs.existsSync(cron)).to.equal(false);
        expect(fs.existsSync(path.join(h.stateDir, "bin/dokku-shared-cache-prune"))).to.equal(
            false,
        );
    });
});
