import { expect } from "chai";
import * as fs from "fs";
import { GENERATED, generatedSource } from "../../scripts/embed-host-scripts";

describe("host/generated/scripts.ts", () => {
    it("holds the script files as they are (npm run embed after editing host/sh or host/jq)", () => {
        expect(
            fs.readFileSync(GENERATED, "utf8") === generatedSource(),
            "host/generated/scripts.ts is stale: run npm run embed",
        ).to.equal(true);
    });
});
