import { expect } from "chai";
import { DiskFs, firstAidFloor, lowFileSystems, minFreeBytes } from "../../rules/disk";

describe("free-space rules", () => {
    const fs = (mount: string, availBytes: number): DiskFs => ({
        mount,
        sizeBytes: 10e9,
        availBytes,
        labels: ["docker"],
        paths: [mount],
    });

    it("reads disk.minFree as the config means it (decimal and binary units)", () => {
        expect(minFreeBytes("1GB")).to.equal(1e9);
        expect(minFreeBytes("512MiB")).to.equal(512 * 1024 * 1024);
        expect(() => minFreeBytes("lots")).to.throw(/unvalidated size/);
    });

    it("stops a run below the smaller of minFree and 64 MiB", () => {
        expect(firstAidFloor(1e9)).to.equal(64 * 1024 * 1024);
        expect(firstAidFloor(1e6)).to.equal(1e6);
    });

    it("names the file systems below minFree, none when the probe gave none", () => {
        const low = lowFileSystems([fs("/", 5e8), fs("/var/lib/docker", 2e9)], 1e9);
        expect(low.map((d) => d.mount)).to.deep.equal(["/"]);
        expect(lowFileSystems(undefined, 1e9)).to.deep.equal([]);
    });
});
