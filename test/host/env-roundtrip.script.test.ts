/**
 * Properties over random env values (any Unicode, quotes, `$`, backslashes,
 * `#`, spaces, control characters other than NUL/CR/LF), through config
 * validation, the converge script and the dokku double, whose ENV file is
 * godotenv's byte for byte (test/script/godotenv-diff.test.ts):
 *  - every value validation accepts *and* Dokku's parser keeps
 *    (components/env-safety.ts) reaches the host byte for byte
 *    (config:export's JSON, config:get's bytes);
 *  - every value Dokku's parser would not keep stops the converge of that
 *    app before any write (exit 7, nothing written).
 * In Dokku 0.38.27 and 0.37.10 (godotenv v1.5.1) and 0.37.7 (v1.2.0).
 */
import { expect } from "chai";
import * as fc from "fast-check";
import { checkEnvValue } from "../../config";
import { appScript } from "../../host/app-converge";
import { envEntryProblem, envRoundTrip, godotenvFor } from "../../rules/godotenv";
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
    " #",
    "=",
    "\t",
    "\v",
    "\f",
    "%",
    "*",
    "?",
    "~",
    "0",
    "-",
    "\u2028",
    "é",
    "✓",
    "😀",
);
const anyValue = fc
    .array(fc.oneof(tricky, fc.string({ unit: "binary", minLength: 1, maxLength: 3 })), {
        minLength: 1,
        maxLength: 12,
    })
    .map((parts) => parts.join(""))
    .filter((v) => checkEnvValue(v) === undefined);

const MODES = [
    ["0.38", "0.38.27"],
    ["0.37", "0.37.10"],
    ["0.37.7", "0.37.7"],
] as const;

function converge(h: LocalHost, env: Record<string, string>) {
    return h.sh(
        appScript(
            { name: "api", mounts: [], env },
            { stateDir: h.stateDir, afterChange: "none", maxParallelRestarts: 1 },
        ),
    );
}

describe("env values and Dokku's ENV file (properties)", function () {
    this.timeout(300000);
    for (const [mode, full] of MODES) {
        const gv = godotenvFor(full);
        it(`values Dokku keeps reach the host byte for byte (Dokku ${full}, godotenv ${gv})`, () => {
            const h = new LocalHost(mode);
            let tried = 0;
            try {
                h.createApp("api");
                fc.assert(
                    fc.property(
                        fc.array(
                            anyValue.filter((v) => envEntryProblem("env", "V", v) === undefined),
                            { minLength: 1, maxLength: 8 },
                        ),
                        (values) => {
                            const env = Object.fromEntries(values.map((v, i) => [`V_${i}`, v]));
                            const r = converge(h, env);
                            expect(r.code, r.stderr).to.equal(0);
                            // Every value through config:export's JSON, the first through config:get's raw bytes.
                            expect(h.config("api")).to.deep.equal(env);
                            const got = h.dokku("config:get", "api", "V_0");
                            expect(got.code).to.equal(0);
                            expect(got.stdout, JSON.stringify(values[0])).to.equal(
                                values[0] + "\n",
                            );
                            tried += values.length;
                        },
                    ),
                    { numRuns: 12 },
                );
            } finally {
                h.cleanup();
            }
            expect(tried).to.be.greaterThan(12);
        });

        it(`values Dokku would not keep stop the converge before any write (Dokku ${full})`, () => {
            const h = new LocalHost(mode);
            let refused = 0;
            try {
                h.createApp("api");
                expect(h.dokku("config:set", "--no-restart", "api", "USER_OWN=mine").code).to.equal(
                    0,
                );
                fc.assert(
                    fc.property(
                        anyValue.filter((v) => !envRoundTrip(v, gv, "BAD").ok),
                        (bad) => {
                            h.clearLog();
                            const r = converge(h, { GOOD: "/root/.cache/pip", BAD: bad });
                            expect(r.code, r.stderr).to.equal(7);
                            expect(r.stderr).to.contain(
                                `dokku-shared-cache: app api: not writing its env: Dokku ${full} would corrupt the value of BAD (`,
                            );
                            expect(r.stderr).to.contain("this is the stack's own value");
                            expect(h.writes()).to.deep.equal([]);
                            expect(h.config("api")).to.deep.equal({ USER_OWN: "mine" });
                            refused++;
                        },
                    ),
                    { numRuns: 8 },
                );
            } finally {
                h.cleanup();
            }
            expect(refused).to.equal(8);
        });
    }
});
