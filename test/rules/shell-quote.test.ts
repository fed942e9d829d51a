import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fc from "fast-check";
import { shJoin, shQuote } from "../../rules/shell-quote";

/** Runs `printf %s <quoted>` through a real /bin/sh and returns the bytes it printed. */
function roundTrip(values: string[]): string[] {
    const script = values.map((v) => `printf '%s\\0' ${shQuote(v)}`).join("\n");
    const r = spawnSync("/bin/sh", ["-c", script], { encoding: "buffer" });
    expect(r.status, r.stderr.toString()).to.equal(0);
    const parts = r.stdout.toString("utf8").split("\0");
    parts.pop();
    return parts;
}

describe("shQuote", () => {
    it("quotes hostile strings so /bin/sh reads them back unchanged", () => {
        const hostile = [
            "",
            "a b",
            "it's",
            "'",
            "''",
            '"$HOME"',
            "$(reboot)",
            "`id`",
            "a;rm -rf /",
            "x\ny",
            "\\",
            "*",
            "~root",
            "-n",
            "--",
            "a\tb",
            "ünïcødé ✓",
        ];
        expect(roundTrip(hostile)).to.deep.equal(hostile);
    });

    it("round-trips arbitrary strings through a real /bin/sh (property)", () => {
        fc.assert(
            fc.property(
                fc.array(
                    fc.string({ unit: "binary" }).filter((s) => !s.includes("\0")),
                    { maxLength: 8 },
                ),
                (values) => {
                    // Lone surrogates cannot cross a UTF-8 pipe; compare the UTF-8 encodings.
                    const norm = values.map((v) => Buffer.from(v, "utf8").toString("utf8"));
                    expect(roundTrip(norm)).to.deep.equal(norm);
                },
            ),
            { numRuns: 150 },
        );
    });

    it("refuses NUL, which no shell word can hold", () => {
        expect(() => shQuote("a\0b")).to.throw(/NUL/);
    });

    it("joins words", () => {
        expect(shJoin(["a", "b c"])).to.equal("'a' 'b c'");
    });
});
