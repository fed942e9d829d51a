/**
 * The user's commands stand alone: `--help` answers without reading a stack
 * or connecting anywhere (run with a PATH that has neither `pulumi` nor
 * `ssh`), and `plan` contacts no host unless `--probe`.
 */
import { expect } from "chai";
import * as path from "path";
import { configJson, runTs } from "../../testkit/apply";
import { freePort } from "../../testkit/sshd";
import { HOST_KEY, validRaw } from "../fixtures/settings";

const KEY =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAsecretbytesNOTREAL\n-----END OPENSSH PRIVATE KEY-----\n";
/** Only node's own directory: no pulumi, no ssh. */
const BARE_ENV = { PATH: path.dirname(process.execPath), HOME: process.env.HOME };

describe("user commands (cli/)", function () {
    this.timeout(60000);

    for (const [cmd, words] of [
        ["cli/plan.ts", ["--stack NAME", "--scripts", "--probe", "--config-file"]],
        ["cli/verify.ts", ["--stack NAME", "--json", "--config-file", "Exit 0 in sync"]],
    ] as const) {
        it(`${cmd} --help prints its usage and exits 0 without reading a stack or connecting`, () => {
            const r = runTs(cmd, ["--help"], undefined, BARE_ENV);
            expect(r.code, r.stderr).to.equal(0);
            expect(r.stdout).to.match(/^Usage: npm run (plan|verify) -- /);
            for (const w of words) expect(r.stdout).to.contain(w);
            expect(r.stderr).to.equal("");
        });
    }

    it("verify without --help does try to read the stack (so --help above proves something)", () => {
        const r = runTs("cli/verify.ts", ["--stack", "nope"], undefined, BARE_ENV);
        expect(r.code).to.equal(2);
        expect(r.stderr).to.match(/^verify: /);
    });

    it("rejects an unknown option", () => {
        const r = runTs("cli/plan.ts", ["--stak", "x"], undefined, BARE_ENV);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("--stak");
    });

    it("plan contacts no host unless --probe", async () => {
        const port = await freePort(); // nothing listens there
        const cfg = configJson(
            validRaw({
                connection: { host: "127.0.0.1", port, hostKey: HOST_KEY, dialErrorLimit: 1 },
                detectDrift: true,
            }),
            KEY,
        );
        const offline = runTs("cli/plan.ts", ["--config-file", "-", "--scripts"], cfg);
        expect(offline.code, offline.stderr).to.equal(0);
        expect(offline.stdout)
            .to.contain("host not contacted")
            .and.contain("dokku-app-api-converge: create/update")
            .and.contain("set -euf");
        const probed = runTs("cli/plan.ts", ["--config-file", "-", "--probe"], cfg);
        expect(probed.code).to.equal(1);
        expect(probed.stderr).to.contain(`cannot read root@127.0.0.1:${port}`);
    });
});
