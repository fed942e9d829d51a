/**
 * Differential tests against the real github.com/docker/go-units v0.5.0
 * RAMInBytes (testkit/go-units, built from the Go module proxy): what Docker
 * makes of the sizes this program passes, and the docker test double's port
 * of the parser (testkit/double/go-units.js).
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { dockerSize, sizeBytes } from "../../rules/size-units";
import { ramInBytes as real } from "../../testkit/go-units";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const double = require("../../testkit/double/go-units") as {
    ramInBytes: (s: string) => bigint | Error;
};

const UNITS = ["B", "kB", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB"];
const configSize = fc
    .tuple(
        fc.integer({ min: 1, max: 999999 }),
        fc.option(fc.stringMatching(/^[0-9]{1,3}$/), { nil: undefined }),
        fc.constantFrom(...UNITS),
    )
    .map(([n, f, u]) => `${n}${f !== undefined ? "." + f : ""}${u}`);

describe("sizes against Docker's parser (go-units RAMInBytes, real)", function () {
    this.timeout(300000);

    it("Docker reads every size we pass as exactly the bytes the config means (10,000 generated sizes, those up to 8192TiB)", () => {
        const sizes = fc.sample(configSize, { numRuns: 10000, seed: 15 });
        sizes.push("20GB", "20GiB", "1B", "9007.199TB", "8192TiB", "8191.999TiB", "1.001GiB");
        const valid = sizes.filter((s) => sizeBytes(s) !== undefined);
        expect(valid.length).to.be.greaterThan(8000);
        const got = real(valid.map(dockerSize));
        valid.forEach((s, i) => {
            expect(got[i], s).to.deep.equal({ bytes: sizeBytes(s)!.toString() });
        });
    });

    it("Docker reads the raw text as binary: that is why we convert (20GB = 21474836480 bytes)", () => {
        const [gb, gib] = real(["20GB", "20GiB"]);
        expect(gb).to.deep.equal({ bytes: "21474836480" });
        expect(gib).to.deep.equal({ bytes: sizeBytes("20GiB")!.toString() });
        expect(sizeBytes("20GB")).to.equal(20000000000n);
    });

    it("the docker double's parser is go-units' byte for byte (10,000 random strings and edge cases)", () => {
        const alphabet = "0123456789. kKmMgGtTpPiIbBeE+-x";
        const random = fc.sample(
            fc
                .array(fc.constantFrom(...alphabet), { minLength: 0, maxLength: 9 })
                .map((a) => a.join("")),
            { numRuns: 10000, seed: 15 },
        );
        const edge = [
            "",
            " ",
            ".",
            "5.",
            ".5",
            "5 ",
            "5  ",
            " 5",
            "+5",
            "-5",
            "-0",
            "5 gb",
            "5gib",
            "5GIB",
            "5kb",
            "5k",
            "5b",
            "5bb",
            "5ib",
            "5kbb",
            "5 kib",
            "1e3",
            "1e3k",
            "9e999",
            "1e-400",
            "9e18",
            "9e18k",
            "8191p",
            "8192p",
            "inf",
            "1inf",
            ...fc.sample(configSize, { numRuns: 200, seed: 7 }),
        ];
        const inputs = [...edge, ...random].filter((s) => !s.includes("x"));
        const want = real(inputs);
        inputs.forEach((s, i) => {
            const mine = double.ramInBytes(s);
            const got = mine instanceof Error ? { err: mine.message } : { bytes: mine.toString() };
            expect(got, JSON.stringify(s)).to.deep.equal(want[i]);
        });
    });
});
