/**
 * Issue 20 on a real Dokku 0.38.27 (testkit/real-dokku.sh) through the real engine: the drift
 * check reads the real `storage:list`/`config:export` and the ledger's `applied` record, so a
 * cache added to one app previews as that app's change (no drift warning, the outputs name the
 * mount and the env key), and a mount removed by hand is the one drift warned about.
 * See docs/preview.md and test/e2e/preview.test.ts (the same scenarios on the doubles).
 */
import { expect } from "chai";
import * as path from "path";
import { storageEntryName } from "../../host/storage-entries";
import { PulumiResult, PulumiStack } from "../../testkit/pulumi-stack";
import { RealDokkuHost } from "../../testkit/real-dokku-host";
import { E2E_ENV, ok } from "../e2e/world";

/** The `warning:` lines of a run. */
const warnings = (r: PulumiResult) =>
    (r.stdout + r.stderr)
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith("warning:"));

describe("real Dokku 0.38.27: preview --diff reads as a plan", function () {
    this.timeout(15 * 60_000);
    let h: RealDokkuHost;
    let stack: PulumiStack;
    let api: string;
    let web: string;
    const config = (apiCaches: string[]) => ({
        connection: h.connection(),
        sharedRoot: h.sharedRoot,
        stateDir: h.stateDir,
        hostPaths: h.hostPaths(),
        caches: { pip: true, npm: true },
        buildCache: false,
        apps: [
            { name: api, caches: apiCaches },
            { name: web, caches: ["npm"] },
        ],
    });

    before(async () => {
        h = new RealDokkuHost();
        await h.start();
        h.globalSetup();
        api = h.createApp("api");
        web = h.createApp("web");
        stack = await PulumiStack.create({ stack: "real", env: E2E_ENV });
        await stack.setSecret("privateKey", h.clientKey);
        stack.setConfig(config(["pip"]));
        ok(await stack.up());
    });
    after(async () => {
        if (stack) stack.cleanup();
        if (h) await h.stop();
    });

    it("a cache added to one app: no drift warning; one update; the outputs add the mount and env by name", async () => {
        stack.setConfig(config(["npm", "pip"]));
        h.clearCalls();
        const r = ok(await stack.preview("--diff"));
        expect(h.writes(), "a preview writes nothing").to.deep.equal([]);
        expect(warnings(r).filter((l) => !l.includes("stack output"))).to.deep.equal([]);
        const out = r.stdout.split("\n").map((l) => l.replace(/\s+$/, ""));
        expect(out).to.include("      ~ stdin: [secret] => [secret]");
        expect(out).to.include('              + NPM_CONFIG_CACHE: "/root/.cache/npm"');
        expect(out).to.include(
            `              + /root/.cache/npm: "${path.join(h.sharedRoot, "npm")}"`,
        );
        expect(r.stdout).to.match(/~ 1 to update/);
        expect(r.stdout).not.to.contain("dsc_gen");
        ok(await stack.up());
        ok(await stack.preview("--expect-no-changes"));
    });

    it("a mount removed by hand is the drift warned about, with a `drift` output", async () => {
        const entry = storageEntryName("npm", path.join(h.sharedRoot, "npm"));
        h.must("storage:unmount", web, entry, "--container-dir", "/root/.cache/npm");
        const r = ok(await stack.preview("--diff"));
        expect(warnings(r).filter((l) => !l.includes("stack output"))).to.deep.equal([
            `warning: app ${web} drifted on the host (mount /root/.cache/npm missing); this run converges it again`,
        ]);
        expect(r.stdout).to.contain(`+ ${web}: "mount /root/.cache/npm missing"`);
        ok(await stack.up());
        ok(await stack.preview("--expect-no-changes"));
    });
});
