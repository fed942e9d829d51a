/**
 * Differential test: the dokku double's ENV handling (testkit/double/godotenv.js
 * and the config steps in testkit/double/dokku.js) against the real
 * github.com/joho/godotenv v1.5.1 and v1.2.0, built from the Go module
 * (testkit/godotenv). Byte for byte: the ENV file Dokku writes, what it
 * reads back (or godotenv's exact error), the keys it deletes, and
 * config:export's JSON. At least 10,000 values per version, then a second
 * write over every file (the "next config:set"), hand-written files, and the
 * double's real CLI for a sample.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    GODOTENV_VERSIONS,
    GodotenvAnswer,
    GodotenvRequest,
    GodotenvVersion,
    runGodotenv,
} from "../../testkit/godotenv";
import { KEYS, corpus, randomFiles } from "../../testkit/godotenv/corpus";
import { LocalHost } from "../../testkit/local-host";

interface Godotenv {
    version: string;
    parse(src: string): Map<string, string>;
    write(env: Map<string, string>): string;
}
interface GodotenvModule {
    v15: Godotenv;
    v12: Godotenv;
    GodotenvError: new (m: string) => Error;
    goJsonMap(env: Map<string, string>): string;
}
interface DokkuEnv {
    applyConfig(
        g: Godotenv,
        before: string | null,
        set: Map<string, string>,
        unset: string[],
    ): { loadErr?: string; deleted?: string[]; after?: string | null; wrote?: boolean };
}
// The double is plain JavaScript run by node; load its modules as they are.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const gd = require("../../testkit/double/godotenv.js") as GodotenvModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dokkuEnv = require("../../testkit/double/dokku.js") as DokkuEnv;

const b64 = (bytes: string): string => Buffer.from(bytes, "latin1").toString("base64");
const fromB64 = (s: string): string => Buffer.from(s, "base64").toString("latin1");
const bytes = (s: string): string => Buffer.from(s, "utf8").toString("latin1");
const utf8 = (b: string): string => Buffer.from(b, "latin1").toString("utf8");
const impl = (v: GodotenvVersion): Godotenv => (v === "v1.5.1" ? gd.v15 : gd.v12);

/** The double's answer to one request, in main.go's shape. */
function doubleAnswer(g: Godotenv, q: GodotenvRequest): GodotenvAnswer {
    const set = new Map(Object.entries(q.set).map(([k, v]) => [bytes(k), bytes(v)]));
    const res = dokkuEnv.applyConfig(
        g,
        q.file === null ? null : fromB64(q.file),
        set,
        q.unset.map(bytes),
    );
    if (res.loadErr !== undefined) {
        return {
            loadErr: res.loadErr,
            deleted: [],
            file: null,
            wrote: false,
            read: null,
            json: "",
        };
    }
    const a: GodotenvAnswer = {
        deleted: res.deleted!,
        file: res.after === null || res.after === undefined ? null : b64(res.after),
        wrote: res.wrote!,
        read: null,
        json: "",
    };
    if (res.after !== null && res.after !== undefined) {
        try {
            const read = g.parse(res.after);
            a.read = Object.fromEntries([...read].map(([k, v]) => [utf8(k), utf8(v)]));
            a.json = gd.goJsonMap(read);
        } catch (e) {
            if (!(e instanceof gd.GodotenvError)) throw e;
            a.readErr = e.message;
        }
    }
    return a;
}

/** Go's answer with its strings as the double's byte strings. */
function normalise(a: GodotenvAnswer): GodotenvAnswer {
    return {
        ...(a.loadErr !== undefined ? { loadErr: bytes(a.loadErr) } : {}),
        deleted: a.loadErr !== undefined ? [] : [...a.deleted].map(bytes).sort(),
        file: a.file,
        wrote: a.wrote,
        read: a.read,
        ...(a.readErr !== undefined ? { readErr: bytes(a.readErr) } : {}),
        json: a.json,
    };
}

/** Runs requests through both; returns Go's answers. Fails on the first difference. */
function compare(version: GodotenvVersion, reqs: GodotenvRequest[]): GodotenvAnswer[] {
    const real = runGodotenv(version, reqs);
    const g = impl(version);
    reqs.forEach((q, i) => {
        const want = normalise(real[i]);
        const got = doubleAnswer(g, q);
        if (got.deleted.length) got.deleted = [...got.deleted].sort();
        if (JSON.stringify(got) !== JSON.stringify(want))
            expect(got, `${version} request ${i}: ${JSON.stringify(q)}`).to.deep.equal(want);
    });
    return real;
}

describe("dokku double ENV handling = real godotenv, byte for byte (differential)", function () {
    this.timeout(300000);
    const values = corpus(10000);

    for (const version of GODOTENV_VERSIONS) {
        describe(`godotenv ${version}`, () => {
            let firstWrites: GodotenvAnswer[] = [];
            it(`${values.length} values: written file, read back, config:export JSON`, () => {
                const reqs = values.map((v) => ({ file: null, set: { K: v }, unset: [] }));
                firstWrites = compare(version, reqs);
                // The corpus reaches the cases that matter, in both directions.
                const same = firstWrites.filter((a, i) => a.read?.K === values[i]).length;
                expect(same).to.be.greaterThan(values.length / 2);
                expect(values.length - same).to.be.greaterThan(version === "v1.5.1" ? 1000 : 50);
            });
            it("groups of values under sort-order and `export` keys, then unset", () => {
                const reqs: GodotenvRequest[] = [];
                for (let i = 0; i + KEYS.length <= 4000; i += KEYS.length) {
                    const set = Object.fromEntries(KEYS.map((k, j) => [k, values[i + j]]));
                    reqs.push({ file: null, set, unset: [] });
                }
                const answers = compare(version, reqs);
                compare(
                    version,
                    answers.map((a, i) => ({
                        file: a.file,
                        set: {},
                        unset: [KEYS[i % KEYS.length]],
                    })),
                );
            });
            it("the next config:set over every file written above (corrupt ones included)", () => {
                const reqs = firstWrites.map((a) => ({ file: a.file, set: { Z: "1" }, unset: [] }));
                const again = compare(version, reqs);
                expect(again.filter((a) => a.loadErr !== undefined).length).to.be.greaterThan(
                    version === "v1.5.1" ? 100 : 0,
                );
            });
            it("2,000 hand-written ENV files (load, delete invalid keys, rewrite)", () => {
                const files = randomFiles(2000);
                compare(
                    version,
                    files.map((f) => ({ file: b64(bytes(f)), set: {}, unset: [] })),
                );
            });
        });
    }

    describe("through the double's CLI (config:set --encoded, config:export, config:get)", () => {
        const sample = [...corpus(0).filter((v) => v.length < 1000), ...corpus(10000).slice(-5)];
        for (const [mode, version] of [
            ["0.38", "v1.5.1"],
            ["0.37.7", "v1.2.0"],
        ] as const) {
            it(`Dokku ${mode} (godotenv ${version}): ${sample.length} values`, () => {
                const h = new LocalHost(mode);
                try {
                    h.createApp("api");
                    const envPath = path.join(
                        h.root,
                        mode === "0.38" ? "var/lib/dokku/config/api/ENV" : "home/dokku/api/ENV",
                    );
                    const real = runGodotenv(
                        version,
                        sample.map((v) => ({ file: null, set: { K: v }, unset: [] })),
                    );
                    sample.forEach((v, i) => {
                        fs.rmSync(envPath, { force: true });
                        const set = h.dokku(
                            "config:set",
                            "--encoded",
                            "--no-restart",
                            "api",
                            `K=${Buffer.from(v).toString("base64")}`,
                        );
                        expect(set.code, set.stderr).to.equal(0);
                        const file = fs.readFileSync(envPath);
                        expect(file.toString("base64"), JSON.stringify(v)).to.equal(real[i].file);
                        expect(fs.statSync(envPath).mode & 0o777).to.equal(0o600);
                        const exp = h.dokku("config:export", "--format", "json", "api");
                        const get = spawnSync(
                            path.join(__dirname, "../../testkit/double/dokku"),
                            ["config:get", "api", "K"],
                            { env: h.env() },
                        );
                        if (real[i].readErr !== undefined) {
                            expect(exp.code).to.equal(1);
                            expect(exp.stdout).to.equal("");
                            expect(exp.stderr).to.equal(` !     ${real[i].readErr}\n`);
                            expect(get.status).to.equal(1);
                            expect(get.stdout.length + get.stderr.length).to.equal(0);
                        } else {
                            expect(exp.code, exp.stderr).to.equal(0);
                            expect(exp.stdout).to.equal(real[i].json + "\n");
                            const want = real[i].read!.K;
                            if (want === undefined) expect(get.status).to.equal(1);
                            else expect(get.stdout.toString("utf8")).to.equal(want + "\n");
                        }
                    });
                } finally {
                    h.cleanup();
                }
            });
        }
    });
});
