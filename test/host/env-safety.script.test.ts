/**
 * components/env-safety.ts against the real godotenv (testkit/godotenv): on
 * the same 10,000+ values as the double's differential test, its answer
 * (survives or not, and what is read back) must be the real round trip's.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import { ENV_RULES_JQ } from "../../host/env-safety";
import { GODOTENV_VERSIONS, envKeyRoundTrip, envRoundTrip } from "../../rules/godotenv";
import { runGodotenv } from "../../testkit/godotenv";
import { corpus, rng } from "../../testkit/godotenv/corpus";

describe("env-safety rules = real godotenv round trip", function () {
    this.timeout(120000);
    const values = corpus(10000);

    for (const version of GODOTENV_VERSIONS) {
        it(`${values.length} values (godotenv ${version})`, () => {
            const real = runGodotenv(
                version,
                values.map((v) => ({ file: null, set: { K: v }, unset: [] })),
            );
            const rules = new Map<string, number>();
            values.forEach((v, i) => {
                const a = real[i];
                const survives =
                    a.readErr === undefined && a.read !== null && Object.keys(a.read).length === 1;
                const readBack = a.readErr !== undefined ? null : (a.read?.K ?? null);
                const got = envRoundTrip(v, version);
                const msg = `${version} ${JSON.stringify(v)}: real ${JSON.stringify(a)}`;
                expect(got.ok, msg).to.equal(survives && readBack === v);
                if (!got.ok) {
                    expect(got.readBack, msg).to.equal(readBack);
                    rules.set(got.rule, (rules.get(got.rule) ?? 0) + 1);
                }
            });
            // Every rule of this version was exercised.
            const want =
                version === "v1.5.1"
                    ? ["integer", "trailing-backslash", "trailing-quote"]
                    : ["hash-comment", "line-too-long"];
            expect([...rules.keys()].sort()).to.deep.equal(want);
        });

        it(`keys (godotenv ${version}): the export prefix`, () => {
            const r = rng(7);
            const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789";
            const keys = ["export", "exportX", "export_", "EXPORT", "Export_x", "xexport", "A"];
            while (keys.length < 500) {
                let k = r() < 0.5 ? "export" : "";
                const n = Math.floor(r() * 8) + (k ? 0 : 1);
                for (let i = 0; i < n; i++) k += letters[Math.floor(r() * (i || k ? 63 : 53))];
                keys.push(k);
            }
            const real = runGodotenv(
                version,
                keys.map((k) => ({ file: null, set: { [k]: "v" }, unset: [] })),
            );
            keys.forEach((k, i) => {
                const read = Object.keys(real[i].read ?? {});
                const got = envKeyRoundTrip(k, version);
                expect(got.ok, k).to.equal(read.length === 1 && read[0] === k);
                if (!got.ok) expect([got.readBack], k).to.deep.equal(read);
            });
        });
    }

    it("the converge guard's jq rules give the same answers (10,000 values, export keys)", () => {
        const pairs: [string, string][] = [
            ...values.map((v): [string, string] => ["K", v]),
            ...["exportX", "export", "EXPORT_x", "xexport"].map((k): [string, string] => [k, "v"]),
        ];
        const r = spawnSync("jq", ["-c", ENV_RULES_JQ], {
            input: JSON.stringify(pairs),
            encoding: "utf8",
            maxBuffer: 1 << 28,
        });
        expect(r.status, r.stderr).to.equal(0);
        const got = JSON.parse(r.stdout) as [string | null, string | null][];
        pairs.forEach(([k, v], i) => {
            const want = GODOTENV_VERSIONS.map((gv) => {
                const key = envKeyRoundTrip(k, gv);
                if (!key.ok) return "export-key";
                const t = envRoundTrip(v, gv, k);
                return t.ok ? null : t.rule;
            });
            expect(got[i], `${k}=${JSON.stringify(v)}`).to.deep.equal(want);
        });
    });
});
