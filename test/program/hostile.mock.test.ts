/**
 * Every hostile configuration fails the whole program before any resource is
 * registered and before anything is sent to the host (the probe is the only
 * way the program could reach it at preview).
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { installMocks, recorded } from "../../cli/plan-mocks";
import { HOSTILE } from "../fixtures/hostile-configs";

installMocks();

const KEY =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAsecretbytesNOTREAL\n-----END OPENSSH PRIVATE KEY-----\n";

describe(`hostile configurations through the program (${HOSTILE.length} cases, mocks)`, () => {
    let program: typeof import("../../program");
    before(async () => {
        program = await import("../../program");
    });

    it("rejects each one with the config key named, no resource and no host contact", async () => {
        let probes = 0;
        for (const c of HOSTILE) {
            recorded.splice(0);
            let err: unknown;
            try {
                await program.runProgram({
                    raw: { detectDrift: true, ...c.raw },
                    privateKey: pulumi.secret(KEY),
                    probe: () => {
                        probes++;
                        return Promise.resolve({ apps: [], state: {} });
                    },
                });
            } catch (e) {
                err = e;
            }
            expect(pulumi.InputPropertiesError.isInstance(err), `${c.name} was accepted`).to.equal(
                true,
            );
            expect(
                (err as pulumi.InputPropertiesError).errors.some((e) =>
                    e.propertyPath.startsWith(c.key),
                ),
                c.name,
            ).to.equal(true);
            expect(recorded, `${c.name} registered resources`).to.deep.equal([]);
            expect(probes, `${c.name} reached the host`).to.equal(0);
        }
    });
});
