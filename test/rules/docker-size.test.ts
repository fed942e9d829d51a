import { expect } from "chai";
import { parseDockerSize, parsePruneOutput } from "../../rules/docker-size";

describe("build cache: parsing Docker output", () => {
    it("reads Docker's decimal human sizes", () => {
        expect(parseDockerSize("0B")).to.equal(0);
        expect(parseDockerSize("212B")).to.equal(212);
        expect(parseDockerSize("16.43MB")).to.equal(16_430_000);
        expect(parseDockerSize("1.235GB")).to.equal(1_235_000_000);
        expect(parseDockerSize("2kB")).to.equal(2000);
        expect(parseDockerSize("1GiB")).to.equal(1024 ** 3);
        expect(parseDockerSize("11.63MB (70%)")).to.equal(undefined);
        expect(parseDockerSize("lots")).to.equal(undefined);
    });

    it("reads reclaimed space from buildx and from the legacy CLI", () => {
        expect(
            parsePruneOutput(
                "ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED\nabc\ttrue\t1GB\t\nTotal:\t1.235GB\n",
            ),
        ).to.equal(1_235_000_000);
        expect(parsePruneOutput("Total:\t0B\n")).to.equal(0);
        expect(
            parsePruneOutput(
                "Deleted build cache objects:\nabc\ndef\n\nTotal reclaimed space: 3.5GB\n",
            ),
        ).to.equal(3_500_000_000);
        expect(parsePruneOutput("Total reclaimed space: 0B\n")).to.equal(0);
        expect(parsePruneOutput("")).to.equal(0);
        // the one-off prune prints both passes: they add up
        expect(parsePruneOutput("Total:\t1GB\nDSC_RESULT {}\nTotal:\t500MB\n")).to.equal(1.5e9);
        expect(parsePruneOutput("something else")).to.equal(undefined);
    });
});
