/**
 * Who can write a cache during a build (rules/builder.ts): herokuish's
 * herokuishuser 32767:32767, a CNB build user chosen as the cache's owner,
 * world-writable modes, and never below /root.
 */
import { expect } from "chai";
import { buildCanWrite, buildOption, wantedBuildOptions } from "../../rules/builder";

describe("build-phase options: who can write", () => {
    it("herokuish: owner or group 32767 with the write bit, or world-writable; never under /root", () => {
        const w = (owner: string, mode: string, c = "/cache/pip") =>
            buildCanWrite("herokuish", owner, mode, c);
        expect(w("32767:32767", "0755")).to.equal(true);
        expect(w("32767:0", "0555")).to.equal(false);
        expect(w("0:32767", "0775")).to.equal(true);
        expect(w("0:32767", "0755")).to.equal(false);
        expect(w("0:0", "1777")).to.equal(true);
        expect(w("0:0", "0755")).to.equal(false);
        expect(w("32767:32767", "0777", "/root/.cache/pip")).to.equal(false);
        expect(w("32767:32767", "0777", "/root")).to.equal(false);
        expect(w("32767:32767", "0777", "/rootless/pip")).to.equal(true);
    });

    it("pack: a non-root owner with the write bit (the builder's uid), or world-writable; other builders only world-writable", () => {
        expect(buildCanWrite("pack", "1000:1000", "0755", "/cache/npm")).to.equal(true);
        expect(buildCanWrite("pack", "0:0", "0775", "/cache/npm")).to.equal(false);
        expect(buildCanWrite("pack", "0:0", "0777", "/cache/npm")).to.equal(true);
        expect(buildCanWrite("dockerfile", "0:0", "0777", "/cache/npm")).to.equal(true);
        expect(buildCanWrite("dockerfile", "1000:1000", "0755", "/cache/npm")).to.equal(false);
    });

    it("options: the mode is always written (pack mounts ro by default); read-only mounts outside /root only", () => {
        const m = (cache: string, containerPath: string, readOnly: boolean) => ({
            cache,
            hostPath: `/s/${cache}`,
            containerPath,
            readOnly,
        });
        expect(buildOption(m("pip", "/cache/pip", false))).to.equal("-v /s/pip:/cache/pip:rw");
        expect(buildOption(m("pip", "/cache/pip", true))).to.equal("-v /s/pip:/cache/pip:ro");
        const opts = wantedBuildOptions(
            [
                m("pip", "/cache/pip", false),
                m("npm", "/cache/npm", true),
                m("uv", "/root/.cache/uv", true),
            ],
            (b, cache) => b === "herokuish" && cache === "pip",
        );
        expect(opts).to.deep.equal({
            herokuish: ["-v /s/pip:/cache/pip:rw", "-v /s/npm:/cache/npm:ro"],
            pack: ["-v /s/npm:/cache/npm:ro"],
        });
    });
});
