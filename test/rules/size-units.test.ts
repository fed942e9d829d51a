import { expect } from "chai";
import { dockerSize, sizeBytes, sizeProblem } from "../../rules/size-units";

describe("config sizes", () => {
    it("mean what they say: decimal units are powers of 1000, binary units powers of 1024", () => {
        expect(sizeBytes("20GB")).to.equal(20000000000n);
        expect(sizeBytes("20GiB")).to.equal(21474836480n);
        expect(sizeBytes("512MB")).to.equal(512000000n);
        expect(sizeBytes("1.5TB")).to.equal(1500000000000n);
        expect(sizeBytes("1.5KiB")).to.equal(1536n);
        expect(sizeBytes("1kB")).to.equal(sizeBytes("1KB"));
        expect(sizeBytes("8192TiB")).to.equal(2n ** 53n);
        expect(sizeBytes("8192.001TiB")).to.equal(undefined);
        expect(sizeBytes("9007.2TB")).to.equal(undefined);
    });

    it("are passed to Docker as a plain byte count", () => {
        expect(dockerSize("20GB")).to.equal("20000000000");
        expect(dockerSize("20GiB")).to.equal("21474836480");
        expect(() => dockerSize("20gb")).to.throw("internal: unvalidated size");
    });

    it("refuse what is not a size, saying what is allowed", () => {
        for (const bad of [
            "20gb",
            "20 GB",
            "0GB",
            "20",
            "1.2345GB",
            "20PB",
            "20G",
            -1,
            null,
            "1e3GB",
        ]) {
            const why = sizeProblem(bad);
            expect(why, String(bad)).to.contain('must be a size like "20GB"');
            expect(why, String(bad)).to.contain("powers of 1000");
            expect(why, String(bad)).to.contain(
                '"20GiB" (binary: KiB, MiB, GiB, TiB = powers of 1024)',
            );
            expect(why, String(bad)).to.contain(`; got ${JSON.stringify(bad)}`);
        }
        for (const good of ["20GB", "20GiB", "1B", "0.5GB".replace("0.", "1."), "512MiB"])
            expect(sizeProblem(good), good).to.equal(undefined);
    });
});
