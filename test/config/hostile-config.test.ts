import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { validateSettings } from "../../config";
import { HOSTILE } from "../fixtures/hostile-configs";

describe(`hostile configurations (${HOSTILE.length} cases)`, () => {
    it("has at least 60 cases", () => {
        expect(HOSTILE.length).to.be.at.least(60);
    });
    for (const c of HOSTILE) {
        it(`rejects ${c.name}`, () => {
            let err: unknown;
            try {
                validateSettings(c.raw);
            } catch (e) {
                err = e;
            }
            expect(pulumi.InputPropertiesError.isInstance(err), `${c.name} was accepted`).to.equal(
                true,
            );
            const errors = (err as pulumi.InputPropertiesError).errors;
            const hit = errors.find((e) => e.propertyPath.startsWith(c.key));
            expect(
                hit,
                `${c.name}: no error names ${c.key}; got ${JSON.stringify(errors)}`,
            ).to.not.equal(undefined);
            expect(hit!.reason.length).to.be.greaterThan(10);
        });
    }
});
