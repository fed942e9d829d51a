/**
 * The real Dokku 0.38.27 against the real godotenv v1.5.1 (testkit/godotenv)
 * and the dokku double: the ENV file config:set writes, what config:export
 * then prints (or Dokku's error), and the next config:set over that file, for
 * every edge value and a seeded random sample. Then the converge guard on the
 * real Dokku: a user's value set ending in '"' makes the converge write
 * nothing to that app, naming it; an ENV file Dokku cannot parse is reported
 * with Dokku's own words and the file to edit.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import { appScript } from "../../host/app-converge";
import { runGodotenv } from "../../testkit/godotenv";
import { EDGE_VALUES, randomValues } from "../../testkit/godotenv/corpus";
import { ROOT_LOGIN_PATH, RealDokkuHost } from "../../testkit/real-dokku-host";
import { pipApp } from "../fixtures/settings";

interface DoubleEnv {
    applyConfig(
        g: unknown,
        before: string | null,
        set: Map<string, string>,
        unset: string[],
    ): { loadErr?: string; after?: string | null };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const double = require("../../testkit/double/dokku.js") as DoubleEnv;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const gd = require("../../testkit/double/godotenv.js") as { v15: unknown };

const latin1 = (s: string): string => Buffer.from(s, "utf8").toString("latin1");

describe("real Dokku 0.38.27 ENV files = real godotenv v1.5.1 = the double", function () {
    this.timeout(15 * 60_000);
    let h: RealDokkuHost;
    let app: string;
    const envFile = () => `/var/lib/dokku/config/${app}/ENV`;

    before(async () => {
        h = new RealDokkuHost();
        await h.start();
        app = h.createApp("envdiff");
    });
    after(async () => {
        if (h) await h.stop();
    });

    it("config:set, config:export and the next config:set, value by value", () => {
        const values = [...EDGE_VALUES.filter((v) => v.length < 1000), ...randomValues(60, 99)];
        const first = runGodotenv(
            "v1.5.1",
            values.map((v) => ({ file: null, set: { K: v }, unset: [] })),
        );
        const second = runGodotenv(
            "v1.5.1",
            first.map((a) => ({ file: a.file, set: { Z: "1" }, unset: [] })),
        );
        values.forEach((v, i) => {
            const what = JSON.stringify(v);
            fs.rmSync(envFile(), { force: true });
            h.must(
                "config:set",
                "--encoded",
                "--no-restart",
                app,
                `K=${Buffer.from(v).toString("base64")}`,
            );
            const file = fs.readFileSync(envFile());
            expect(file.toString("base64"), what).to.equal(first[i].file);
            const dbl = double.applyConfig(gd.v15, null, new Map([["K", latin1(v)]]), []);
            expect(Buffer.from(dbl.after!, "latin1").toString("base64"), what).to.equal(
                first[i].file,
            );
            const exp = h.dokku("config:export", "--format", "json", app);
            if (first[i].readErr !== undefined) {
                expect([exp.code, exp.stdout, exp.stderr], what).to.deep.equal([
                    1,
                    "",
                    ` !     ${first[i].readErr}\n`,
                ]);
                const get = h.dokku("config:get", app, "K");
                expect([get.code, get.stdout, get.stderr], what).to.deep.equal([1, "", ""]);
            } else {
                expect([exp.code, exp.stdout], what).to.deep.equal([0, first[i].json + "\n"]);
            }
            const again = h.dokku("config:set", "--no-restart", app, "Z=1");
            if (second[i].loadErr !== undefined) {
                expect([again.code, again.stderr], what).to.deep.equal([
                    1,
                    ` !     ${second[i].loadErr}\n`,
                ]);
                expect(fs.readFileSync(envFile()), what).to.deep.equal(file);
            } else {
                expect(again.code, again.stderr).to.equal(0);
                expect(fs.readFileSync(envFile()).toString("base64"), what).to.equal(
                    second[i].file,
                );
            }
        });
        fs.rmSync(envFile(), { force: true });
    });

    function converge(): { code: number; stderr: string } {
        const script = appScript(pipApp(h.sharedRoot, app), {
            stateDir: h.stateDir,
            afterChange: "restart",
            maxParallelRestarts: 1,
        });
        const r = spawnSync("/bin/sh", ["-c", script], {
            encoding: "utf8",
            env: {
                PATH: ROOT_LOGIN_PATH,
                HOME: "/root",
                LC_ALL: "C.UTF-8",
                DOCKER_HOST: h.dockerHost,
            },
        });
        return { code: r.status ?? -1, stderr: r.stderr };
    }

    it("the converge leaves a user's value set ending in '\"' alone and names the app", () => {
        h.must("config:set", "--no-restart", app, 'GREETING=say "hi"', "USER_OWN=kept");
        const before = fs.readFileSync(envFile());
        const r = converge();
        expect(r.code, r.stderr).to.equal(7);
        expect(r.stderr).to.contain(
            `dokku-shared-cache: app ${app}: not writing its env: Dokku 0.38.27 would corrupt the value of GREETING (it ends with a backslash`,
        );
        expect(fs.readFileSync(envFile())).to.deep.equal(before);
        expect(h.mounts(app)).to.deep.equal([]);
        expect(h.env(app)).to.deep.equal({ GREETING: 'say "hi\\', USER_OWN: "kept" });
    });

    it("an ENV file Dokku cannot parse is reported with Dokku's words and the file to edit", () => {
        fs.writeFileSync(envFile(), 'GREETING="say \\"hi\\\\"\n');
        const r = converge();
        expect(r.code).to.equal(7);
        expect(r.stderr).to.contain(
            `dokku-shared-cache: app ${app}: Dokku can no longer read this app's env: its ENV file does not parse (Dokku 0.38.27 says: "unterminated quoted value "say \\"hi\\\\""), so every config command of the app fails`,
        );
        expect(r.stderr).to.contain(`Fix: edit /var/lib/dokku/config/${app}/ENV`);
        fs.rmSync(envFile(), { force: true });
    });
});
