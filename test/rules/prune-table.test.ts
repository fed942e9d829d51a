import { expect } from "chai";
import {
    parseBuildxVersion,
    parseVersion,
    pruneCommands,
    pruneVariant,
} from "../../rules/prune-table";

describe("build cache prune table: versions and flags", () => {
    it("parses engine and buildx versions in the forms hosts print", () => {
        expect(parseVersion("28.2.2")).to.deep.equal([28, 2, 2]);
        expect(parseVersion("v0.18.0")).to.deep.equal([0, 18, 0]);
        expect(parseVersion("0.13.1+ds1-3")).to.deep.equal([0, 13, 1]);
        expect(parseVersion("29.7.2-rc.1")).to.deep.equal([29, 7, 2]);
        expect(parseVersion("20.10")).to.deep.equal([20, 10, 0]);
        expect(parseVersion("")).to.equal(undefined);
        expect(parseVersion("unknown")).to.equal(undefined);
        expect(parseBuildxVersion("github.com/docker/buildx v0.23.0 28c90ea\n")).to.equal(
            "v0.23.0",
        );
        expect(parseBuildxVersion("github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3\n")).to.equal(
            "0.13.1+ds1",
        );
        expect(parseBuildxVersion("docker: unknown command: docker buildx")).to.equal(undefined);
    });

    it("picks the variant by buildx first, then the engine", () => {
        expect(pruneVariant("28.2.2", undefined)).to.equal("legacy");
        expect(pruneVariant("28.2.2", "v0.17.1")).to.equal("buildx-keep");
        expect(pruneVariant("27.5.1", "v0.18.0")).to.equal("buildx-reserved");
        expect(pruneVariant(undefined, "v0.18.0")).to.equal("buildx-reserved");
        expect(pruneVariant("28.0.0", "v0.18.0")).to.equal("buildx-max");
        expect(pruneVariant("29.7.2", "v1.0.0")).to.equal("buildx-max");
    });

    it("builds two prunes: by age, then by size with the flag the variant understands", () => {
        const o = { olderThan: "168h", maxSize: "20GB" };
        expect(pruneCommands("buildx-max", o)).to.deep.equal([
            ["docker", "buildx", "prune", "--force", "--all", "--filter", "until=168h"],
            // What the config means (20 × 10^9 bytes), not Docker's reading of "20GB" (20 GiB).
            ["docker", "buildx", "prune", "--force", "--all", "--max-used-space", "20000000000"],
        ]);
        expect(pruneCommands("buildx-reserved", o)[1]).to.include("--reserved-space");
        expect(pruneCommands("buildx-keep", o)[1]).to.include("--keep-storage");
        const legacy = pruneCommands("legacy", o);
        expect(legacy[0].slice(0, 3)).to.deep.equal(["docker", "builder", "prune"]);
        expect(legacy[1]).to.include("--keep-storage");
    });
});
