/** The godotenv rules (rules/godotenv.ts) as validation reads them; checked against the real library in test/host/env-safety.script.test.ts. */
import { expect } from "chai";
import { envEntryProblem, godotenvFor } from "../../rules/godotenv";

describe("godotenv rules", () => {
    it("the validation message names the stack key, the env key, the value and why", () => {
        expect(envEntryProblem("caches.pip.env", "PIP_CACHE_DIR", "/root/.cache/pip")).to.equal(
            undefined,
        );
        expect(envEntryProblem("caches.pip.env", "PIP_CACHE_DIR", 'say "hi"')).to.equal(
            'caches.pip.env: PIP_CACHE_DIR="say \\"hi\\"" cannot be stored by Dokku unchanged: ' +
                "the value ends with a double quote, which is read back as a backslash and then breaks the app's ENV file at the write after " +
                '(read back as "say \\"hi\\\\") on Dokku 0.37.8 and later (godotenv v1.5.1). ' +
                'Choose another value (not ending in \\ or ", no sign or leading zeros on an integer, no "#" in a value that also has \' or ", no key starting with "export").',
        );
        expect(envEntryProblem("caches.x.env", "exportDIR", "/x")).to.match(
            /^caches\.x\.env: exportDIR="\/x" cannot be stored by Dokku unchanged: the key starts with "export", which is stripped on read \(read back as "DIR"\) on Dokku 0\.36\.0–0\.37\.7 \(godotenv v1\.2\.0\)\. Choose another name/,
        );
        expect(envEntryProblem("caches.x.env", "D", "x\\")).to.contain(
            "ends with a backslash, which makes the app's ENV file unreadable once written",
        );
        expect(envEntryProblem("caches.x.env", "D", "007")).to.contain(
            "is rewritten as the integer 7 on Dokku 0.37.8 and later",
        );
        expect(envEntryProblem("caches.x.env", "D", "x\\")).to.contain(
            "which makes the app's ENV file unreadable once written (every config command of the app then fails) on Dokku 0.37.8",
        );
        expect(envEntryProblem("caches.x.env", "D", "a#'#b#c")).to.contain(
            `has a "#" that is taken as the start of a comment, which cuts the value (read back as "a#'#c") on Dokku 0.36.0–0.37.7`,
        );
    });
    it("picks godotenv v1.2.0 below Dokku 0.37.8 and v1.5.1 from it", () => {
        expect(godotenvFor("0.37.7")).to.equal("v1.2.0");
        expect(godotenvFor("0.36.12")).to.equal("v1.2.0");
        expect(godotenvFor("0.37.8")).to.equal("v1.5.1");
        expect(godotenvFor("0.38.27")).to.equal("v1.5.1");
    });
});
