/**
 * Issue 14, upgrade with the real engine: a stack converged in the
 * single-host form, rewritten in the `hosts` form (the same host as the
 * first entry): the preview shows no replace and no delete (the first host's
 * root is aliased to the single-host root, and the alias reaches every
 * child), and `up` makes no dokku write; every URN now names the host.
 */
import { expect } from "chai";
import { StackExport } from "../../testkit/pulumi-stack";
import { World, endWorld, hostConfig, hostQuiet, makeWorld, ok, previewJson } from "./world";

function urns(s: StackExport): string[] {
    return (s.deployment.resources ?? [])
        .map((r) => r.urn)
        .filter((u) => u.includes("dokku-shared-cache:"));
}

describe("e2e fleet upgrade: single-host form → hosts form", function () {
    this.timeout(600000);
    let w: World;

    before(async () => {
        w = await makeWorld("0.38");
        w.host.createApp("api", true);
        w.host.createApp("web", true);
    });
    after(() => endWorld(w));

    it("keeps every resource (no replace, no delete) and makes 0 dokku writes", async () => {
        const { connection, ...paths } = hostConfig(w.host);
        const common = { caches: { pip: true, npm: true }, apps: ["api", "web"] };
        w.stack.setConfig({ connection, ...paths, ...common });
        ok(await w.stack.up());
        const before = urns(await w.stack.exportState());
        expect(before.length).to.be.greaterThan(4);

        w.stack.setConfig({ ...common, hosts: [{ name: "main", connection, ...paths }] });
        const { r, json } = await previewJson(w.stack);
        ok(r);
        const ops = json.steps.map((s) => s.op);
        expect(ops).to.not.include.members(["replace", "delete", "create-replacement"]);
        expect(ops.filter((o) => o === "delete" || o === "replace")).to.deep.equal([]);
        expect(json.changeSummary?.delete ?? 0).to.equal(0);
        expect(json.changeSummary?.replace ?? 0).to.equal(0);
        expect(json.changeSummary?.create ?? 0).to.equal(0);

        await hostQuiet(w.host);
        w.host.clearLog();
        ok(await w.stack.up());
        expect(w.host.writes()).to.deep.equal([]);
        const after = urns(await w.stack.exportState());
        expect(after.length).to.equal(before.length);
        const names = (l: string[]) =>
            l.filter((u) => !u.includes("::pulumi:")).map((u) => u.split("::").pop()!);
        expect(names(before).every((n) => n === "dokku" || n.startsWith("dokku-"))).to.equal(true);
        expect(names(after).every((n) => n === "main" || n.startsWith("main-"))).to.equal(true);
        expect(after.some((u) => u.endsWith("::main-app-api"))).to.equal(true);
    });
});
