import { expect } from "chai";
import { connectionId, generationOf } from "../../host/generation";

const conn = {
    host: "h",
    port: 22,
    user: "root",
    hostKey: "ssh-ed25519 AAAA",
    dialErrorLimit: 3,
    perDialTimeout: 10,
};

describe("generations", () => {
    it("hash inputs stably and unambiguously", () => {
        expect(generationOf(["a", "b"])).to.equal(generationOf(["a", "b"]));
        expect(generationOf(["ab", ""])).to.not.equal(generationOf(["a", "b"]));
        expect(generationOf(["x"])).to.match(/^[0-9a-f]{16}$/);
    });
    it("change with every connection setting and with the key, without containing it", () => {
        const key =
            "-----BEGIN OPENSSH PRIVATE KEY-----\nsecretbytes\n-----END OPENSSH PRIVATE KEY-----\n";
        const base = connectionId(conn, key);
        expect(base).not.to.contain("secretbytes");
        expect(connectionId(conn, key + "x")).to.not.equal(base);
        for (const over of [
            { host: "h2" },
            { port: 2222 },
            { user: "dokku" },
            { hostKey: "ssh-ed25519 BBBB" },
            { dialErrorLimit: 5 },
        ]) {
            expect(connectionId({ ...conn, ...over }, key), JSON.stringify(over)).to.not.equal(
                base,
            );
        }
    });
});
