/**
 * Property: every env value that validation accepts reaches the host byte
 * for byte. Random values (any Unicode, quotes, `$`, backslashes, spaces,
 * control characters other than NUL/CR/LF) go through config validation,
 * the converge script (one `config:set --encoded`) and the dokku double's
 * godotenv ENV file, and `dokku config:get` must print exactly them.
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { checkEnvValue } from "../../config";
import { appScript } from "../../host/app-converge";
import { LocalHost } from "../../testkit/local-host";

const tricky = fc.constantFrom(
    " ",
    "'",
    '"',
    "$",
    "`",
    "\\",
    "!",
    "#",
    "=",
    "\t",
    "\v",
    "\f",
    "%",
    "*",
    "?",
    "~",
    "\u2028",
    "é",
    "✓",
    "😀",
);
const value = fc
    .array(fc.oneof(tricky, fc.string({ unit: "binary", minLength: 1, maxLength: 3 })), {
        minLength: 1,
        maxLength: 12,
    })
    .map((parts) => parts.join(""))
    .filter((v) => checkEnvValue(v) === undefined);

describe("odd but valid env values round-trip to the host (property)", function () {
    this.timeout(120000);
    for (const version of ["0.37", "0.38"] as const) {
        it(`config:get returns the exact bytes (Dokku ${version})`, () => {
            const h = new LocalHost(version);
            let tried = 0;
            try {
                h.createApp("api");
                fc.assert(
                    fc.property(fc.array(value, { minLength: 1, maxLength: 8 }), (values) => {
                        const env = Object.fromEntries(values.map((v, i) => [`V_${i}`, v]));
                        const r = h.sh(
                            appScript(
                                { name: "api", mounts: [], env },
                                {
                                    stateDir: h.stateDir,
                                    afterChange: "none",
                                    maxParallelRestarts: 1,
                                },
                            ),
                        );
                        expect(r.code, r.stderr).to.equal(0);
                        values.forEach((v, i) => {
                            tried++;
                            const got = h.dokku("config:get", "api", `V_${i}`);
                            expect(got.code).to.equal(0);
                            expect(got.stdout, JSON.stringify(v)).to.equal(v + "\n");
                        });
                    }),
                    { numRuns: 12 },
                );
            } finally {
                h.cleanup();
            }
            expect(tried).to.be.greaterThan(12);
        });
    }
});
