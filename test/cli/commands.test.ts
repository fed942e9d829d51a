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
    it("plan, hosts form: one section per host (address, resources, summary, scripts), then the fleet line", () => {
        const entry = (name: string, host: string, over: object = {}) => ({
            name,
            connection: { host, hostKey: HOST_KEY },
            ...over,
        });
        const cfg = configJson(
            {
                caches: { pip: true, npm: true },
                apps: ["api", "caches"],
                hosts: [
                    entry("web", "10.0.0.1"),
                    // host "web-app" next to host "web" with an app "caches": both have a
                    // resource named web-app-caches (types differ); each goes to its host
                    entry("web-app", "10.0.0.2", {
                        connection: { host: "10.0.0.2", port: 2222, hostKey: HOST_KEY },
                        apps: ["api"],
                        afterChange: "none",
                        buildCache: false,
                    }),
                ],
            },
            KEY,
        );
        const r = runTs("cli/plan.ts", ["--config-file", "-", "--scripts"], cfg);
        expect(r.code, r.stderr).to.equal(0);
        const [head, ...sections] = r.stdout.split("\n== host ");
        expect(head).to.match(
            /^Plan \(offline, mock engine\): 2 host\(s\), 20 resources, 10 remote commands; hosts not contacted/,
        );
        expect(sections.map((x) => x.split("\n")[0])).to.deep.equal([
            "web (10.0.0.1:22): 12 resources, 6 remote commands ==",
            "web-app (10.0.0.2:2222): 8 resources, 4 remote commands ==",
        ]);
        const [web, webApp] = sections;
        const listed = (sec: string) =>
            sec
                .split("\n")
                .filter((l) => l.startsWith("  + "))
                .map((l) => l.slice(4));
        expect(listed(web)).to.include.members([
            "dokku-shared-cache:index:DokkuSharedCache  web",
            "dokku-shared-cache:index:AppCaches  web-app-caches",
            "command:remote:Command  web-app-caches-converge",
            "command:remote:Command  web-build-cache-schedule",
        ]);
        expect(listed(webApp)).to.include.members([
            "dokku-shared-cache:index:DokkuSharedCache  web-app",
            "dokku-shared-cache:index:SharedCaches  web-app-caches",
            "command:remote:Command  web-app-caches-pip",
            "command:remote:Command  web-app-app-api-converge",
        ]);
        expect(listed(webApp).some((l) => l.includes("AppCaches  web-app-caches"))).to.equal(false);
        // each host's own summary and scripts in its section
        expect(web).to.contain("2 managed app(s); after a change: restart");
        expect(webApp).to.contain("1 managed app(s); after a change: none");
        expect(webApp).to.contain("Docker build cache: not managed (buildCache: false)");
        expect(web).to.contain("----- web-app-caches-converge: create/update `sh -s converge`");
        expect(webApp).to.contain("----- web-app-app-api-converge: create/update `sh -s converge`");
        expect(webApp).to.not.contain("----- web-app-caches-converge:");
        expect(webApp.trimEnd().split("\n").pop()).to.equal("fleet: 2 host(s)");
    });
});
