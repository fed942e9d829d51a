import { expect } from "chai";
import {
    MIN_DOKKU_VERSION,
    dokkuVersionProblem,
    dokkuVersionWarning,
    parseDokkuVersion,
} from "../../rules/dokku-version";

describe("Dokku version rules", () => {
    it("parses what `dokku version` prints (stable, git-describe and v-prefixed builds)", () => {
        expect(parseDokkuVersion("dokku version 0.38.27\n")).to.deep.equal([0, 38, 27]);
        expect(parseDokkuVersion("dokku version v0.37.10-3-gabcdef")).to.deep.equal([0, 37, 10]);
        expect(parseDokkuVersion("dokku version ~master (2026-11-27T10:00+00:00)")).to.equal(
            undefined,
        );
        expect(parseDokkuVersion(undefined)).to.equal(undefined);
    });

    it(`refuses below ${MIN_DOKKU_VERSION} and unknown versions, saying why and that nothing changed`, () => {
        for (const v of ["0.37.4", "0.36.12", "0.30.0"]) {
            const why = dokkuVersionProblem(`dokku version ${v}`);
            expect(why, v).to.contain(`this host runs Dokku ${v} (from \`dokku version\`)`);
            expect(why, v).to.contain(`supports Dokku ${MIN_DOKKU_VERSION} and later`);
            expect(why, v).to.contain("Nothing was changed");
        }
        expect(dokkuVersionProblem("dokku version ~master")).to.contain(
            'Dokku of unknown version ("dokku version ~master")',
        );
    });

    it("accepts the floor and later, warning only above the last tested line", () => {
        for (const v of ["0.37.5", "0.37.7", "0.37.10", "0.38.0", "0.38.12", "0.38.27", "0.39.1"])
            expect(dokkuVersionProblem(`dokku version ${v}`), v).to.equal(undefined);
        expect(dokkuVersionWarning("dokku version 0.38.27")).to.equal(undefined);
        expect(dokkuVersionWarning("dokku version 0.39.1")).to.contain(
            "Dokku 0.39.1, newer than the last line tested (0.38.x)",
        );
        expect(dokkuVersionWarning("dokku version 1.0.0")).to.contain("newer");
    });
});
