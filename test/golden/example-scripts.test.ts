import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import {
    GOLDEN_DIR,
    GOLDEN_KEY,
    goldenDiff,
    goldenFiles,
    parsePlanScripts,
    renderExample,
} from "../../testkit/golden";

describe("golden: the example stack's rendered host scripts (test/golden/example)", function () {
    this.timeout(120000);
    let rendered: ReturnType<typeof renderExample>;
    before(() => {
        rendered = renderExample();
    });

    it("the program renders exactly the committed scripts (npm run golden -- --update after a reviewed change)", () => {
        expect(goldenDiff(goldenFiles(rendered))).to.deep.equal([]);
    });

    it("holds every remote command of the plan, each a script for /bin/sh; no key text in any", () => {
        expect(rendered.map((c) => c.name)).to.include.members([
            "dokku-first-aid-run",
            "dokku-caches-pip",
            "dokku-app-api-converge",
            "dokku-build-cache-daemon-gc",
        ]);
        for (const c of rendered) {
            expect(c.stdin, c.name).to.match(/^# dokku-shared-cache: run as `sh -s converge`/);
            expect(c.stdin, c.name).not.to.include("PRIVATE KEY");
            expect(c.stdin, c.name).not.to.include(GOLDEN_KEY.split("\n")[1]);
        }
    });

    it("a different stack renders different scripts (the comparison can fail)", () => {
        const other = goldenFiles(
            rendered.map((c) => ({ ...c, stdin: c.stdin.replace("APP='api'", "APP='web'") })),
        );
        expect(goldenDiff(other)).to.deep.equal(["dokku-app-api-converge.sh"]);
        const extra = path.join(GOLDEN_DIR, "..", "example-extra-check");
        fs.rmSync(extra, { recursive: true, force: true });
        expect(goldenDiff(goldenFiles(rendered), extra)).to.have.length(rendered.length + 1);
    });

    it("splits plan output at its command headers and stops at the summary", () => {
        const text = [
            "----- a: create/update `sh -s converge`, delete `sh -s remove`, stdin: -----",
            "echo a",
            "",
            "----- b: create/update `sh -s converge`, delete `undefined`, stdin: -----",
            "echo b",
            "Plan (offline, mock engine): 2 resources",
            "  + x",
        ].join("\n");
        expect(parsePlanScripts(text)).to.deep.equal([
            { name: "a", create: "sh -s converge", delete: "sh -s remove", stdin: "echo a\n" },
            { name: "b", create: "sh -s converge", delete: "undefined", stdin: "echo b" },
        ]);
    });
});
