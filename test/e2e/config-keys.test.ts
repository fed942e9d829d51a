/**
 * A typo in a top-level key of the project's namespace fails `pulumi preview`
 * with the real engine, naming the key and the near miss, before the host is
 * read; with the key spelled right the same stack previews.
 */
import { expect } from "chai";
import { World, endWorld, hostConfig, makeWorld } from "./world";

describe("e2e: unknown top-level stack keys (real engine)", function () {
    this.timeout(600000);
    let w: World;
    before(async () => {
        w = await makeWorld("0.38");
        w.host.createApp("api", true);
    });
    after(async () => endWorld(w));

    it("dokku-shared-cache:buildcache fails the preview naming it; buildCache previews", async () => {
        w.stack.setConfig(
            hostConfig(w.host, { apps: ["api"], buildcache: false, afterchange: "none" }),
        );
        w.host.clearLog();
        const r = await w.stack.preview();
        const out = r.stdout + r.stderr;
        expect(r.code, out).not.to.equal(0);
        expect(out)
            .to.contain(
                'dokku-shared-cache:buildcache: unknown setting "buildcache"; did you mean buildCache?',
            )
            .and.contain(
                'dokku-shared-cache:afterchange: unknown setting "afterchange"; did you mean afterChange?',
            );
        expect(w.host.log(), "the host was read").to.deep.equal([]);

        w.stack.setConfig(
            hostConfig(w.host, { apps: ["api"], buildCache: false, afterChange: "none" }),
        );
        const ok = await w.stack.preview();
        expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
        expect(ok.stdout).to.contain("dokku-app-api-converge");
    });
});
