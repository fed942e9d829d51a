/**
 * Issue 14, with the real engine: a host whose command FAILS during `up`
 * (not unreachable at planning, which test/e2e/fleet.test.ts covers) fails
 * only its own resources, and the other host converges completely.
 *
 * The engine (pulumi v3.259.0) stops at the first failed step unless
 * `--continue-on-error` / PULUMI_CONTINUE_ON_ERROR is set: cancelDueToError
 * (pkg/resource/deploy/step_executor.go:435-461) cancels the step executor's
 * context, and executeChain (:404-431) starts no further step, on any host.
 * `npm run pulumi` (scripts/pulumi.sh) sets PULUMI_CONTINUE_ON_ERROR=true
 * unless the user set it; these tests run the CLI through it, as a user does.
 *
 * The first test shows the engine fact with PULUMI_CONTINUE_ON_ERROR=false
 * and `--parallel 1` (one worker, so the order is known: see there). At
 * Pulumi's default (4 × cores: 8 workers here) a fleet of dozens of apps is
 * queued the same way, and the first failure strands the commands behind it.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { SshHost } from "../../testkit/ssh-host";
import { PulumiStack } from "../../testkit/pulumi-stack";
import { DOUBLE_FAILED_CHECK_WORDS } from "../fixtures/settings";
import { E2E_ENV, appOf, cachePath, hostEntry, hostQuiet, mountsOf, ok, restarted } from "./world";

describe("e2e fleet: a host whose command fails during up fails alone (npm run pulumi)", function () {
    this.timeout(600000);
    const beta = new SshHost("0.37"); // fails api's restart; listed first
    const alpha = new SshHost("0.38");
    let stack: PulumiStack;
    const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;
    const failRestart = (h: SshHost, apps: string) => {
        const f = path.join(h.root, "var/lib/dokku-double/fail-restart");
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, apps);
    };
    const pip = (h: SshHost) => [`${cachePath(h, "pip")}:/root/.cache/pip`];
    const up = () => stack.up("--parallel", "1");

    before(async () => {
        await Promise.all([alpha.start(), beta.start()]);
        for (const a of ["api", "web"]) beta.createApp(a, true);
        for (const a of ["api", "web", "worker"]) alpha.createApp(a, true);
        stack = await PulumiStack.create({ stack: "fleetfail", env: E2E_ENV, cli: "npm" });
        await stack.setSecret("privateKey", alpha.clientKey);
        stack.setConfig({
            caches: { pip: true },
            buildCache: false,
            hosts: [
                hostEntry("beta", beta, {
                    privateKey: await stack.secureValue(beta.clientKey),
                    apps: ["api", "web"],
                }),
                hostEntry("alpha", alpha, { apps: ["api", "web", "worker"] }),
            ],
        });
        failRestart(beta, "api\n");
    });

    after(async () => {
        stack?.cleanup();
        await Promise.all([alpha.stop(), beta.stop()]);
    });

    it("Pulumi's default (PULUMI_CONTINUE_ON_ERROR=false): beta's failure stops the engine; no alpha app is converged", async () => {
        // beta's pip directory cannot be created (a file is in the way). With one worker,
        // alpha's app commands are registered only after alpha's directory command has run;
        // whichever host's directory command runs first, beta's fails before then.
        const blocker = cachePath(beta, "pip");
        fs.mkdirSync(path.dirname(blocker), { recursive: true });
        fs.writeFileSync(blocker, "not a directory\n");
        stack.env.PULUMI_CONTINUE_ON_ERROR = "false";
        try {
            const r = await up();
            expect(r.code, out(r)).to.not.equal(0);
            expect(out(r)).to.match(/command:remote:Command \(beta-caches-pip\):/);
            expect(out(r)).to.contain(
                `dokku-shared-cache: ${blocker} exists and is not a directory`,
            );
            for (const a of ["api", "web", "worker"])
                expect(mountsOf(alpha, a), a).to.deep.equal([]);
            expect(restarted(alpha)).to.deep.equal([]);
        } finally {
            delete stack.env.PULUMI_CONTINUE_ON_ERROR;
            fs.rmSync(blocker);
        }
    });

    it("npm run pulumi: alpha converges completely, beta's other app too; the error names beta and api", async () => {
        await Promise.all([hostQuiet(alpha), hostQuiet(beta)]);
        alpha.clearLog();
        beta.clearLog();
        const r = await up();
        expect(r.code, out(r)).to.not.equal(0);
        // The failed resource (host beta, app api) and Dokku's words for it.
        expect(out(r)).to.match(/command:remote:Command \(beta-app-api-converge\):/);
        expect(out(r)).to.contain(
            `dokku-shared-cache: app api: the restart (dokku ps:restart) failed with exit 1; Dokku says: "${DOUBLE_FAILED_CHECK_WORDS}"`,
        );
        expect(out(r)).to.not.match(/\((alpha-[^)]*|beta-app-web-converge)\):\s*\n\s*error:/);
        for (const a of ["api", "web", "worker"])
            expect(mountsOf(alpha, a), a).to.deep.equal(pip(alpha));
        expect(restarted(alpha)).to.deep.equal(["api", "web", "worker"]);
        expect(mountsOf(beta, "web")).to.deep.equal(pip(beta));
        expect(restarted(beta)).to.deep.equal(["web"]);
        const tried = beta.log().filter((i) => i.cmd === "ps:restart" && appOf(i) === "api");
        expect(tried.map((i) => i.kind)).to.deep.equal(["error"]); // api's restart: tried, failed
        // alpha's resources are all in the state; beta's api is not (its create failed).
        const urns = (await stack.exportState()).deployment.resources!.map((x) => x.urn);
        for (const a of ["api", "web", "worker"])
            expect(
                urns.some((u) => u.endsWith(`::alpha-app-${a}-converge`)),
                a,
            ).to.equal(true);
        expect(urns.some((u) => u.endsWith("::beta-app-web-converge"))).to.equal(true);
        expect(urns.some((u) => u.endsWith("::beta-app-api-converge"))).to.equal(false);
    });

    it("fixed: the next up converges beta's api only; the one after is a no-op on both", async () => {
        failRestart(beta, "");
        await Promise.all([hostQuiet(alpha), hostQuiet(beta)]);
        alpha.clearLog();
        beta.clearLog();
        ok(await up());
        expect(alpha.writes()).to.deep.equal([]);
        expect(restarted(beta)).to.deep.equal(["api"]);
        expect(mountsOf(beta, "api")).to.deep.equal(pip(beta));
        await Promise.all([hostQuiet(alpha), hostQuiet(beta)]);
        alpha.clearLog();
        beta.clearLog();
        ok(await up());
        expect(alpha.writes()).to.deep.equal([]);
        expect(beta.writes()).to.deep.equal([]);
        expect(restarted(alpha).concat(restarted(beta))).to.deep.equal([]);
    });
});
