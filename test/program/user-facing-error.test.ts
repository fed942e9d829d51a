/**
 * userFacingError: what the CLI prints when the program fails (a RunError,
 * printed as its message alone, never through the SDK's slow util.inspect).
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { userFacingError } from "../../program";

describe("userFacingError", () => {
    it("turns a config error into a RunError naming every key, once", () => {
        const e = new pulumi.InputPropertiesError({
            message: "app(s) not found on h: ghost; nothing was changed on any app",
            errors: [{ propertyPath: "dokku-shared-cache:apps[1].name", reason: "no such app" }],
        });
        const r = userFacingError(e) as Error;
        expect(pulumi.RunError.isInstance(r)).to.equal(true);
        expect(r.message).to.equal(
            "app(s) not found on h: ghost; nothing was changed on any app\n" +
                "  dokku-shared-cache:apps[1].name: no such app",
        );
        const listed = new pulumi.InputPropertiesError({
            message: "invalid stack configuration (1 problem):\n  dokku-shared-cache:x: bad",
            errors: [{ propertyPath: "dokku-shared-cache:x", reason: "bad" }],
        });
        expect((userFacingError(listed) as Error).message).to.equal(listed.message);
    });

    it("keeps our own messages as they are and other errors with their stack", () => {
        const ours = new Error("dokku-shared-cache: cannot read root@h:22 (ssh exit 255): refused");
        expect((userFacingError(ours) as Error).message).to.equal(ours.message);
        const bug = new TypeError("x is undefined");
        const r = userFacingError(bug) as Error;
        expect(pulumi.RunError.isInstance(r)).to.equal(true);
        expect(r.message).to.equal(bug.stack);
        const run = new pulumi.RunError("already");
        expect((userFacingError(run) as Error).message).to.equal("already");
        expect(userFacingError("a string")).to.equal("a string");
    });

    it("leaves no stack frame in the error's stack (the SDK inspects it; frames cost minutes there)", () => {
        for (const e of [
            new Error("dokku-shared-cache: x"),
            new TypeError("bug"),
            new pulumi.InputPropertiesError({ message: "m", errors: [] }),
        ]) {
            const r = userFacingError(e) as Error;
            expect(r.stack).not.to.match(/\n\s+at /);
            expect(r.stack).to.match(/^RunError: /);
        }
    });
});
