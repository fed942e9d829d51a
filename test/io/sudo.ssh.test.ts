/**
 * `connection.sudo: true` over a real OpenSSH server on loopback, logged in as
 * ordinary users (testkit/sudo-user.ts): one with the documented sudoers line,
 * one without. Every way the program runs something on the host goes through
 * `sudo -n`: the remote.Commands' texts (sent as remote.Command sends them,
 * testkit/apply.ts), the read-only probe of the plan, `npm run verify` and
 * `npm run purge-app-cache`. A refused sudo fails each of them with the
 * sudoers line the user needs. The sudo is the machine's real one
 * (1.9.13p3 here).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { RawSettings } from "../../config";
import { probeHost, runSsh } from "../../io/ssh";
import { sudoersLine } from "../../host/sudo";
import { configJson, hostRaw, plan, runTs, sendAll, up } from "../../testkit/apply";
import { SshHost } from "../../testkit/ssh-host";
import { SudoUser } from "../../testkit/sudo-user";

describe("connection.sudo: an ordinary SSH user runs the scripts through sudo -n", function () {
    this.timeout(120000);
    let h: SshHost;
    let ok: SudoUser;
    let no: SudoUser;
    const rawFor = (u: SudoUser): RawSettings =>
        hostRaw(h, {
            connection: { ...h.connection(), user: u.name, sudo: true },
            apps: [{ name: "py", caches: ["pip"] }],
            buildCache: { schedule: "daily", pruneNow: "first" },
        });
    const cli = (raw: RawSettings, script: string, args: string[] = []) => {
        const cfgFile = path.join(h.root, "stack-config.json");
        fs.writeFileSync(cfgFile, configJson(raw, h.clientKey), { mode: 0o600 });
        return runTs(script, ["--config-file", cfgFile, ...args]);
    };

    before(async () => {
        h = new SshHost("0.38");
        await h.start();
        h.createApp("py", true);
        ok = SudoUser.create("ok", h.sshd, { sudoers: true });
        no = SudoUser.create("no", h.sshd, { sudoers: false });
    });
    after(async () => {
        ok?.remove();
        no?.remove();
        await h?.stop();
    });

    it("runs as root under sudo, with the script on stdin, its arguments and its exit status", async () => {
        const conn = { ...h.connection(), user: ok.name };
        const plain = await runSsh(conn, h.clientKey, "id -u");
        expect(plain.code, plain.stderr).to.equal(0);
        expect(plain.stdout.trim()).not.to.equal("0");
        const su = await runSsh({ ...conn, sudo: true }, h.clientKey, "id -u");
        expect(su.code, su.stderr).to.equal(0);
        expect(su.stdout.trim()).to.equal("0");
        const args = await runSsh(
            { ...conn, sudo: true },
            h.clientKey,
            'printf "%s|" "$@"; exit 7',
            "sh -s converge 3",
        );
        expect(args.stdout).to.equal("converge|3|");
        expect(args.code).to.equal(7);
    });

    it("up, a no-op second up, verify, plan --probe, purge and destroy, all through sudo -n", async () => {
        const raw = rawFor(ok);
        const p = await plan(raw, h.clientKey);
        expect(p.commands.length).to.be.greaterThan(3);
        for (const c of p.commands) {
            for (const k of ["create", "update", "delete"] as const) {
                const text = c.inputs[k] as string | undefined;
                if (text !== undefined) expect(text, `${c.name} ${k}`).to.match(/^sudo -n sh -s /);
            }
        }
        h.clearLog();
        await up(raw, h.clientKey);
        expect(h.mounts("py")).to.include(`${h.sharedRoot}/pip:/root/.cache/pip`);
        expect(h.config("py")).to.deep.include({ PIP_CACHE_DIR: "/root/.cache/pip" });
        // Written as root: the cache directory is root's (the default owner 0:0).
        expect(fs.statSync(path.join(h.sharedRoot, "pip")).uid).to.equal(0);
        expect(h.restarts().map((i) => i.args[0])).to.deep.equal(["py"]);

        h.clearLog();
        const again = await up(raw, h.clientKey);
        expect(again.runs.every((r) => r.code === 0)).to.equal(true);
        expect(h.writes(), "a second up writes nothing").to.deep.equal([]);

        const verify = cli(raw, "cli/verify.ts");
        expect(verify.code, verify.stderr + verify.stdout).to.equal(0);
        expect(verify.stdout).to.contain(`${ok.name}@127.0.0.1`);

        const planned = cli(raw, "cli/plan.ts", ["--probe"]);
        expect(planned.code, planned.stderr).to.equal(0);
        expect(planned.stdout).to.contain("host read (--probe)");

        const purge = cli(raw, "cli/purge-app-cache.ts", ["--app", "py", "--yes"]);
        expect(purge.code, purge.stderr).to.equal(0);
        // The script ran (as root): it asked Dokku whether the app exists.
        expect(JSON.parse(purge.stdout)).to.deep.include({ app: "py" });
        expect(h.log().some((i) => i.cmd === "apps:exists" && i.args[0] === "py")).to.equal(true);

        const down = await sendAll(raw, h.clientKey, p.commands, "delete");
        expect(
            down.filter((r) => r.code !== 0),
            JSON.stringify(down.map((r) => r.stderr)),
        ).to.deep.equal([]);
        expect(h.mounts("py")).not.to.include(`${h.sharedRoot}/pip:/root/.cache/pip`);
    });

    it("a user without the sudoers line: probe, program, plan --probe, verify and purge each name the line", async () => {
        const raw = rawFor(no);
        const line = sudoersLine(no.name);
        h.clearLog();
        let probe: Error | undefined;
        await probeHost(raw.connection as never, h.clientKey, ["py"]).catch((e: Error) => {
            probe = e;
        });
        expect(probe?.message).to.contain("sudo: a password is required");
        expect(probe?.message).to.contain(line);
        let planned: Error | undefined;
        await plan(raw, h.clientKey).catch((e: Error) => (planned = e));
        expect(String(planned)).to.contain(line);
        const probed = cli(raw, "cli/plan.ts", ["--probe"]);
        expect(probed.code).not.to.equal(0);
        expect(probed.stderr + probed.stdout).to.contain(line);
        const verify = cli(raw, "cli/verify.ts");
        expect(verify.code).to.equal(2);
        expect(verify.stderr + verify.stdout).to.contain(line);
        const purge = cli(raw, "cli/purge-app-cache.ts", ["--app", "py", "--yes"]);
        expect(purge.code).to.equal(2);
        expect(purge.stderr).to.contain(line);
        // Nothing ran for it: Dokku was never called.
        expect(h.log()).to.deep.equal([]);
    });
});
