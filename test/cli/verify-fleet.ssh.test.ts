/**
 * `verify` for a stack with `hosts`, over real OpenSSH servers on loopback:
 * one section per host and a fleet summary line, `--host` to narrow,
 * `--json`, and the exit code of the worst host (0 in sync, 1 drift,
 * 2 unreadable). Hosts are converged engine-less (testkit/apply.ts).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { RawSettings } from "../../config";
import { FleetReport, verifyFleet } from "../../cli/verify";
import { configJson, hostRaw, runTs, up } from "../../testkit/apply";
import { closedLoopbackPort } from "../../testkit/ports";
import { SshHost } from "../../testkit/ssh-host";

describe("verify for a fleet (hosts), over SSH", function () {
    this.timeout(180000);
    const a = new SshHost("0.38");
    const b = new SshHost("0.37");
    let raw: RawSettings;
    let dead = 0;
    const common = { caches: { pip: true, npm: true }, apps: ["api"], buildCache: false };
    const entry = (name: string, h: SshHost, over: Record<string, unknown> = {}) => {
        const { connection, sharedRoot, stateDir, hostPaths } = hostRaw(h, {});
        return { name, connection, sharedRoot, stateDir, hostPaths, ...over };
    };

    function cli(...args: string[]) {
        const f = path.join(a.root, "fleet-config.json");
        fs.writeFileSync(f, configJson(raw, a.clientKey), { mode: 0o600 });
        return runTs("cli/verify.ts", ["--config-file", f, ...args]);
    }

    before(async () => {
        await Promise.all([a.start(), b.start()]);
        for (const h of [a, b]) h.createApp("api", true);
        await up(hostRaw(a, common), a.clientKey);
        await up(hostRaw(b, common), b.clientKey);
        dead = await closedLoopbackPort();
        raw = {
            ...common,
            hosts: [
                entry("a", a),
                entry("b", b, { privateKey: b.clientKey }),
                {
                    name: "c",
                    connection: { host: "127.0.0.1", port: dead, hostKey: a.hostKey },
                },
            ],
        };
        // b drifts by hand.
        expect(
            b.dokku("storage:unmount", "api", `${b.sharedRoot}/npm:/root/.cache/npm`).code,
        ).to.equal(0);
    });
    after(async () => {
        await Promise.all([a.stop(), b.stop()]);
    });

    it("one report per host; the exit code is the worst host's", async () => {
        a.clearLog();
        const f = await verifyFleet(raw, a.clientKey);
        expect(f.hosts.map((h) => [h.name, h.exit])).to.deep.equal([
            ["a", 0],
            ["b", 1],
            ["c", 2],
        ]);
        expect(f.exit).to.equal(2);
        expect(f.hosts[1].report!.problems.join("\n")).to.contain("npm");
        expect(f.hosts[2].error).to.match(new RegExp(`127\\.0\\.0\\.1:${dead}.*refused`, "i"));
        expect(f.summary).to.equal(
            "fleet: 3 hosts: 1 in sync (a), 1 drifted (b), 1 unreadable (c)",
        );
        expect(a.writes()).to.deep.equal([]);
        expect((await verifyFleet(raw, a.clientKey, "a,b")).exit).to.equal(1);
        expect((await verifyFleet(raw, a.clientKey, "a")).exit).to.equal(0);
    });

    it("CLI: sections and the summary line, --host, --json, unknown host", () => {
        const all = cli();
        expect(all.code, all.stderr).to.equal(2);
        expect(all.stdout).to.contain("=== host a ===");
        expect(all.stdout).to.contain("=== host b ===");
        expect(all.stdout).to.match(/=== host c ===\ncannot be read: /);
        expect(all.stdout.trim().split("\n").pop()).to.equal(
            "fleet: 3 hosts: 1 in sync (a), 1 drifted (b), 1 unreadable (c)",
        );
        const onlyA = cli("--host", "a");
        expect(onlyA.code, onlyA.stderr).to.equal(0);
        expect(onlyA.stdout).to.not.contain("=== host b ===");
        const json = cli("--host", "b", "--json");
        expect(json.code).to.equal(1);
        const f = JSON.parse(json.stdout) as FleetReport;
        expect(f.hosts.map((h) => h.name)).to.deep.equal(["b"]);
        expect(f.hosts[0].report!.inSync).to.equal(false);
        const bad = cli("--host", "zzz");
        expect(bad.code).to.equal(2);
        expect(bad.stderr).to.contain("--host zzz: no such host in the stack; its hosts: a, b, c");
    });
});
