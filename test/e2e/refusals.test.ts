/**
 * Scenarios 7 and 8 of issue 10 with the real engine: a configured app that
 * the host does not have, and a host that presents another host key. Both
 * must stop before anything changes on the host.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { World, endWorld, hostConfig, makeWorld } from "./world";

function otherHostKey(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-otherkey-"));
    try {
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "k")]);
        return fs.readFileSync(path.join(dir, "k.pub"), "utf8").trim();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("e2e refusals (scenarios 7, 8)", function () {
    this.timeout(300000);
    let w: World;
    before(async () => {
        w = await makeWorld("0.38");
        w.host.createApp("api", true);
    });
    after(async () => endWorld(w));

    it("7. a configured app missing on the host: preview and up fail naming it; nothing is changed", async () => {
        w.stack.setConfig(
            hostConfig(w.host, {
                apps: [{ name: "api", caches: ["pip"] }, { name: "ghost" }],
                buildCache: { schedule: "daily", olderThan: "168h", maxSize: "20GB" },
            }),
        );
        w.host.clearLog();
        for (const r of [await w.stack.preview(), await w.stack.up()]) {
            const out = r.stdout + r.stderr;
            expect(r.code, out).not.to.equal(0);
            expect(out).to.contain("app(s) not found on 127.0.0.1: ghost");
            expect(out).to.contain("dokku-shared-cache:apps[1].name");
            expect(out).not.to.match(/app\(s\) not found[^\n]*api/);
        }
        expect(w.host.writes()).to.deep.equal([]);
        expect(w.host.restarts()).to.deep.equal([]);
        expect(w.host.mounts("api")).to.deep.equal([]);
        expect(fs.existsSync(w.host.sharedRoot), "no cache dir").to.equal(false);
        expect(fs.existsSync(w.host.stateDir), "no state dir").to.equal(false);
        const st = await w.stack.exportState();
        expect(
            (st.deployment.resources ?? []).filter((r) => r.type === "command:remote:Command"),
        ).to.deep.equal([]);
    });

    it("8. a host presenting another host key is refused before any command runs (probe and provider)", async () => {
        const wrong = otherHostKey();
        for (const detectDrift of [true, false]) {
            // detectDrift on: the program's read-only probe meets the key first; off: the command provider.
            w.stack.setConfig(
                hostConfig(w.host, {
                    connection: w.host.connection({ hostKey: wrong }),
                    apps: [{ name: "api", caches: ["pip"] }],
                    detectDrift,
                }),
            );
            w.host.clearLog();
            w.host.clearDockerLog(); // test 7's probes read `docker info` (free space) on the host
            const r = await w.stack.up();
            const out = r.stdout + r.stderr;
            expect(r.code, out).not.to.equal(0);
            expect(out, `detectDrift: ${detectDrift}`).to.match(
                detectDrift ? /Host key verification failed/ : /host key|knownhosts|handshake/i,
            );
            expect(w.host.log(), "no dokku call at all").to.deep.equal([]);
            expect(w.host.dockerLog()).to.deep.equal([]);
            expect(fs.existsSync(w.host.sharedRoot), "no cache dir").to.equal(false);
            expect(fs.existsSync(w.host.stateDir), "no state dir").to.equal(false);
        }
    });
});
