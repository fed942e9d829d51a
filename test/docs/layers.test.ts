/**
 * The layering of docs/how-it-works.md ("The tree"), as .dependency-cruiser.js checks it in
 * `npm run lint`: the check passes on this tree, and fails on a tree that breaks each rule (an
 * import upwards, an import cycle, product code importing the tests, a folder in no layer).
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "../..");
const CONFIG = path.join(REPO, ".dependency-cruiser.js");
const DEPCRUISE = path.join(REPO, "node_modules/.bin/depcruise");

function cruise(cwd: string, paths: string[]): { status: number | null; out: string } {
    const r = spawnSync(DEPCRUISE, ["--config", CONFIG, "--output-type", "err", ...paths], {
        cwd,
        encoding: "utf8",
    });
    return { status: r.status, out: r.stdout + r.stderr };
}

describe("layers (dependency-cruiser, npm run lint)", function () {
    this.timeout(60000);

    it("this tree has no cycle and no import against the layer order", () => {
        const r = cruise(REPO, ["."]);
        expect(r.out).to.contain("no dependency violations found");
        expect(r.status).to.equal(0);
    });

    it("fails on an import upwards, a cycle, product code importing the tests, a folder in no layer", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-layers-"));
        try {
            const put = (f: string, text: string) => {
                fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
                fs.writeFileSync(path.join(dir, f), text);
            };
            put("tsconfig.json", '{"compilerOptions": {"strict": true}}');
            put("rules/r.ts", 'import { x } from "../components/c";\nexport const r = x;\n');
            put("components/c.ts", 'import "../test/t";\nexport const x = 1;\n');
            put("model/m.ts", 'import { h } from "../host/h";\nexport const m = h;\n');
            put("host/h.ts", 'import { m } from "../model/m";\nexport const h = m;\n');
            put("config/k.ts", 'import { r } from "../rules/r";\nexport const k = r;\n');
            put("test/t.ts", "export const t = 1;\n");
            put("other/o.ts", 'import { k } from "../config/k";\nexport const o = k;\n');
            const r = cruise(dir, [
                "rules",
                "config",
                "model",
                "host",
                "components",
                "test",
                "other",
            ]);
            expect(r.status, r.out).to.not.equal(0);
            for (const line of [
                "rules-not-up: rules/r.ts → components/c.ts",
                "model-not-up: model/m.ts → host/h.ts",
                "no-circular: host/h.ts",
                "product-not-to-tests: components/c.ts → test/t.ts",
                "in-a-layer: other/o.ts → config/k.ts",
            ]) {
                expect(r.out).to.contain(line);
            }
            // config may import rules (rules are the bottom layer)
            expect(r.out).to.not.match(/^ *error \S+: config\/k\.ts/m);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
