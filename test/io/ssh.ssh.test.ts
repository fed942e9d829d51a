/**
 * Over a real OpenSSH server on loopback: the read-only probe, host-key
 * pinning, and the converge scripts sent over SSH exactly as remote.Command
 * would (one session per app).
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import { driftOf } from "../../report/drift";
import { probeHost, runSsh } from "../../io/ssh";
import { appScript } from "../../host/app-converge";
import { parseResults } from "../../host/result";
import { SshHost } from "../../testkit/ssh-host";

for (const version of ["0.37", "0.38"] as const) {
    describe(`over SSH, Dokku ${version}`, function () {
        this.timeout(60000);
        let h: SshHost;
        before(async () => {
            h = new SshHost(version);
            await h.start();
            h.createApp("py", true);
            h.createApp("node", true);
            h.createApp("rusty", false);
        });
        after(async () => h.stop());

        const app = (name: string, cache: string, c: string, env: string) => ({
            name,
            mounts: [
                { cache, hostPath: `${h.sharedRoot}/${cache}`, containerPath: c, readOnly: false },
            ],
            env: { [env]: c },
        });
        const opts = () => ({
            stateDir: h.stateDir,
            afterChange: "restart" as const,
            maxParallelRestarts: 2,
        });

        it("converges three apps, one SSH session each; a second pass writes nothing", async () => {
            const apps = [
                app("py", "pip", "/root/.cache/pip", "PIP_CACHE_DIR"),
                app("node", "npm", "/root/.cache/npm", "NPM_CONFIG_CACHE"),
                app("rusty", "rust", "/root/.cargo", "CARGO_HOME"),
            ];
            h.clearLog();
            for (const a of apps) {
                const r = await runSsh(h.connection(), h.clientKey, appScript(a, opts()));
                expect(r.code, r.stderr).to.equal(0);
                expect(parseResults(r.stdout)[0]).to.deep.include({ app: a.name });
            }
            expect(
                h
                    .restarts()
                    .map((i) => i.args[0])
                    .sort(),
            ).to.deep.equal(["node", "py"]);
            expect(h.config("rusty")).to.deep.equal({ CARGO_HOME: "/root/.cargo" });
            h.clearLog();
            for (const a of apps) await runSsh(h.connection(), h.clientKey, appScript(a, opts()));
            expect(h.writes()).to.have.length(0);
            expect(h.restarts()).to.have.length(0);

            const observed = await probeHost(h.connection(), h.clientKey, [
                "py",
                "node",
                "rusty",
                "ghost",
            ]);
            expect(observed.apps).to.deep.equal(["node", "py", "rusty"]);
            expect(observed.state.ghost.exists).to.equal(false);
            for (const a of apps) expect(driftOf(a, observed.state[a.name]), a.name).to.equal("");
            // Drift made by hand is seen by the read-only probe.
            h.dokku("config:unset", "--no-restart", "py", "PIP_CACHE_DIR");
            const drifted = await probeHost(h.connection(), h.clientKey, ["py"]);
            expect(driftOf(apps[0], drifted.state.py)).to.equal("env PIP_CACHE_DIR missing");
        });

        it("refuses a host presenting a different host key before any command runs", async () => {
            const other = execFileSync("sh", [
                "-c",
                "d=$(mktemp -d); ssh-keygen -q -t ed25519 -N '' -f $d/k; cat $d/k.pub; rm -rf $d",
            ])
                .toString()
                .trim();
            h.clearLog();
            let err: unknown;
            try {
                await probeHost(h.connection({ hostKey: other }), h.clientKey, ["py"]);
            } catch (e) {
                err = e;
            }
            expect(String(err)).to.match(/Host key verification failed|REMOTE HOST IDENTIFICATION/);
            expect(h.log()).to.have.length(0);
        });

        it("fails fast and clearly when the host is unreachable", async () => {
            const t0 = Date.now();
            let err: unknown;
            try {
                await probeHost(h.connection({ port: 1 }), h.clientKey, ["py"]);
            } catch (e) {
                err = e;
            }
            expect(String(err)).to.contain("cannot read root@127.0.0.1:1");
            expect(Date.now() - t0).to.be.below(30000);
        });
    });
}
