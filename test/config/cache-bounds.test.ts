/** `caches.<name>.maxSize/maxAge/prune` and the buildCache keys of issue 12: defaults and refusals. */
import { expect } from "chai";
import { validateSettings } from "../../config";
import { DEFAULT_CACHE_BOUNDS } from "../../config/defaults";
import { problems, validRaw } from "../fixtures/settings";

describe("cache bounds (config)", () => {
    it("every built-in cache gets its documented bound; a custom cache is measured only", () => {
        const s = validateSettings(
            validRaw({
                apps: [],
                caches: {
                    pip: true,
                    uv: { maxSize: "500MB", maxAge: "48h" },
                    mine: { containerPath: "/mine", prune: "evict-oldest" },
                    other: { containerPath: "/other" },
                },
            }),
        );
        const b = Object.fromEntries(s.caches.map((c) => [c.name, c.bound]));
        expect(b.pip).to.deep.equal(DEFAULT_CACHE_BOUNDS.pip);
        expect(b.uv).to.deep.equal({ maxSize: "500MB", maxAge: "48h", prune: "uv" });
        expect(b.mine).to.deep.equal({ maxSize: "2GB", maxAge: "720h", prune: "evict-oldest" });
        expect(b.other!.prune).to.equal("none");
    });

    it("a bad bound is refused naming the key, the value and what is allowed", () => {
        const p = problems(
            validRaw({
                apps: [],
                caches: { pip: { maxSize: "20 gigs", maxAge: "forever", prune: "rm-rf" } },
                buildCache: { dokkuPrune: "kill" },
            }),
        ).map((e) => `${e.propertyPath}: ${e.reason}`);
        expect(p.join("\n")).to.match(/caches\.pip\.maxSize: must be a size.*got "20 gigs"/);
        expect(p.join("\n")).to.match(/caches\.pip\.maxAge: must be an age.*got "forever"/);
        expect(p.join("\n")).to.match(
            /caches\.pip\.prune: must be one of uv, npm, pip, cargo.*got "rm-rf"/,
        );
        expect(p.join("\n")).to.match(
            /buildCache\.dokkuPrune: must be one of keep, disable; got "kill"/,
        );
    });

    it("buildCache.cachesPruneNow and dokkuPrune pass through", () => {
        const s = validateSettings(
            validRaw({ buildCache: { cachesPruneNow: true, dokkuPrune: "disable" } }),
        );
        expect(s.buildCache).to.deep.include({ cachesPruneNow: "once", dokkuPrune: "disable" });
    });
});
