/**
 * The converge guard: before any config:set/config:unset on an app, its
 * current values are checked with Dokku's own parser rules (godotenv, per
 * host version); a write that would corrupt one writes nothing to that app
 * and fails it, naming the app, the key and what to do. An app whose ENV
 * file Dokku cannot parse is reported as exactly that, with the file to fix.
 * Run by /bin/sh against the dokku double (godotenv byte for byte, see
 * godotenv-diff.test.ts) in 0.38.27 (v1.5.1), 0.37.10 (v1.5.1) and 0.37.7
 * (v1.2.0).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { appScript } from "../../host/app-converge";
import { parseResults } from "../../host/result";
import { LocalHost } from "../../testkit/local-host";
import { PIP_ENV, pipApp } from "../fixtures/settings";

type Mode = "0.38" | "0.37" | "0.37.7";

function app(h: LocalHost, name: string, env: Record<string, string>) {
    return appScript(pipApp(h.sharedRoot, name, env), {
        stateDir: h.stateDir,
        afterChange: "restart",
        maxParallelRestarts: 1,
    });
}
const PIP = PIP_ENV;

function envPath(h: LocalHost, mode: Mode, name: string): string {
    return path.join(
        h.root,
        mode === "0.38" ? `var/lib/dokku/config/${name}/ENV` : `home/dokku/${name}/ENV`,
    );
}
function withHost(mode: Mode, f: (h: LocalHost) => void): void {
    const h = new LocalHost(mode);
    try {
        f(h);
    } finally {
        h.cleanup();
    }
}

describe("converge guard: no user env value is corrupted by our config writes", function () {
    this.timeout(60000);

    for (const mode of ["0.38", "0.37"] as const) {
        it(`Dokku ${mode}: a value set ending in '"' stops that app before any write; the other app converges`, () =>
            withHost(mode, (h) => {
                h.createApp("api", true);
                h.createApp("web", true);
                // The user's own value, set with Dokku itself: godotenv v1.5.1 already reads it
                // back ending in a backslash.
                expect(
                    h.dokku("config:set", "--no-restart", "api", 'GREETING=say "hi"').code,
                ).to.equal(0);
                expect(h.config("api").GREETING).to.equal('say "hi\\');
                const before = fs.readFileSync(envPath(h, mode, "api"));
                h.clearLog();
                const r = h.sh(app(h, "api", PIP));
                expect(r.code, r.stderr).to.equal(7);
                expect(r.stderr.trim().split("\n")).to.have.length(1);
                expect(r.stderr).to.contain(
                    `dokku-shared-cache: app api: not writing its env: Dokku ${mode === "0.38" ? "0.38.27" : "0.37.10"} would corrupt the value of GREETING (it ends with a backslash, so the write would leave the app's ENV file unreadable`,
                );
                expect(r.stderr).to.contain(
                    `Nothing was changed on this app; the other apps go on. Fix that value yourself (dokku config:set api KEY=..., dokku config:unset api KEY, or edit /${mode === "0.38" ? "var/lib/dokku/config" : "home/dokku"}/api/ENV), then run pulumi up again.`,
                );
                expect(r.stderr).not.to.contain("say");
                // Nothing written: no mount, no env, no ledger, file bytes untouched, no restart.
                expect(h.writes()).to.deep.equal([]);
                expect(h.restarts()).to.deep.equal([]);
                expect(h.log().map((i) => i.cmd)).to.deep.equal([
                    "version",
                    "storage:list",
                    "config:export",
                ]);
                expect(fs.readFileSync(envPath(h, mode, "api"))).to.deep.equal(before);
                expect(fs.existsSync(path.join(h.stateDir, "apps/api.json"))).to.equal(false);
                // The other app goes on.
                const w = h.sh(app(h, "web", PIP));
                expect(w.code, w.stderr).to.equal(0);
                expect(h.config("web")).to.deep.equal(PIP);
            }));
    }

    it("Dokku 0.38: every rule of godotenv v1.5.1 is caught (trailing quote, backslash, integer), keys named together", () =>
        withHost("0.38", (h) => {
            h.createApp("api");
            // Hand-written file (single quotes and a quoted integer read back as is).
            fs.writeFileSync(
                envPath(h, "0.38", "api"),
                'A=\'ends with "\'\nB="007"\nC=x\\\nD="fine"\n',
            );
            expect(h.config("api")).to.deep.equal({
                A: 'ends with "',
                B: "007",
                C: "x\\",
                D: "fine",
            });
            h.clearLog();
            const r = h.sh(app(h, "api", PIP));
            expect(r.code).to.equal(7);
            expect(r.stderr).to.contain(
                "would corrupt the values of A (it ends with a double quote, which the write turns into a backslash), " +
                    "B (the write would rewrite it as the integer 7), C (it ends with a backslash",
            );
            expect(r.stderr).to.contain("(godotenv v1.5.1)");
            expect(r.stderr).not.to.contain(" D ");
            expect(h.writes()).to.deep.equal([]);
        }));

    it("Dokku 0.37.7 (godotenv v1.2.0): '#' rules apply there, not on 0.38", () => {
        const bad = { ...PIP, NOTE: "a#'#b#c" };
        withHost("0.37.7", (h) => {
            h.createApp("api");
            h.clearLog();
            const r = h.sh(app(h, "api", bad));
            expect(r.code).to.equal(7);
            expect(r.stderr).to.contain(
                `dokku-shared-cache: app api: not writing its env: Dokku 0.37.7 would corrupt the value of NOTE (the write would cut it at a "#" taken as a comment; this is the stack's own value: change it in the stack)`,
            );
            expect(r.stderr).to.contain("/home/dokku/api/ENV");
            expect(h.writes()).to.deep.equal([]);
        });
        withHost("0.38", (h) => {
            h.createApp("api");
            const r = h.sh(app(h, "api", bad));
            expect(r.code, r.stderr).to.equal(0);
            expect(h.config("api")).to.deep.equal(bad);
        });
    });

    it("a value that is bad only for the other godotenv version passes (the host's rules apply)", () =>
        withHost("0.37.7", (h) => {
            h.createApp("api");
            // v1.2.0 always quotes and reads this back exactly; v1.5.1 would not.
            expect(h.dokku("config:set", "--no-restart", "api", 'Q=x"').code).to.equal(0);
            expect(h.config("api").Q).to.equal('x"');
            h.clearLog();
            const r = h.sh(app(h, "api", PIP));
            expect(r.code, r.stderr).to.equal(0);
            expect(h.config("api")).to.deep.equal({ ...PIP, Q: 'x"' });
            expect(h.log().filter((i) => i.cmd === "version")).to.have.length(1);
            expect(h.writes().map((i) => i.cmd)).to.deep.equal(["storage:mount", "config:set"]);
        }));

    it("a run that writes no env does not refuse (values Dokku would corrupt are only a risk when it writes)", () =>
        withHost("0.38", (h) => {
            h.createApp("api");
            expect(h.sh(app(h, "api", PIP)).code).to.equal(0);
            expect(h.dokku("config:set", "--no-restart", "api", 'G=say "hi"').code).to.equal(0);
            h.clearLog();
            const r = h.sh(app(h, "api", PIP));
            expect(r.code, r.stderr).to.equal(0);
            expect(parseResults(r.stdout)[0].changes).to.equal(0);
            expect(h.log().map((i) => i.cmd)).to.deep.equal([
                "version",
                "storage:list",
                "config:export",
            ]);
        }));

    for (const mode of ["0.38", "0.37.7"] as const) {
        it(`Dokku ${mode}: an ENV file Dokku cannot parse is reported as that, with the file to edit`, () =>
            withHost(mode, (h) => {
                h.createApp("api");
                h.createApp("web");
                // What Dokku >= 0.37.8 leaves after writing a value that ends in a backslash.
                const text =
                    mode === "0.38" ? 'GREETING="say \\"hi\\\\"\n' : "#x\nA=1\nbroken line\n";
                fs.writeFileSync(envPath(h, mode, "api"), text);
                const said =
                    mode === "0.38"
                        ? 'unterminated quoted value "say \\"hi\\\\"'
                        : "Can't separate key from value";
                expect(h.dokku("config:export", "--format", "json", "api").stderr).to.equal(
                    ` !     ${said}\n`,
                );
                h.clearLog();
                const r = h.sh(app(h, "api", PIP));
                expect(r.code).to.equal(7);
                const file =
                    mode === "0.38" ? "/var/lib/dokku/config/api/ENV" : "/home/dokku/api/ENV";
                expect(r.stderr).to.equal(
                    `dokku-shared-cache: app api: Dokku can no longer read this app's env: its ENV file does not parse (Dokku ${mode === "0.38" ? "0.38.27" : "0.37.7"} says: "${said}"), so every config command of the app fails, and so do deploys. ` +
                        `Nothing was changed on this app; the other apps go on. Fix: edit ${file} (usually a value ending in a backslash or a double quote, which Dokku 0.37.8+ writes so that it cannot read it back: remove that last character or the line), check with dokku config:export api, then run pulumi up again.\n`,
                );
                expect(h.writes()).to.deep.equal([]);
                expect(fs.readFileSync(envPath(h, mode, "api"), "utf8")).to.equal(text);
                expect(h.sh(app(h, "web", PIP)).code).to.equal(0);
            }));
    }

    it("keys Dokku deletes on read ('-----> Deleting invalid key' before the JSON) do not break the converge", () =>
        withHost("0.38", (h) => {
            h.createApp("api");
            fs.writeFileSync(envPath(h, "0.38", "api"), 'a.b=1\nKEEP="yes"\n');
            const r = h.sh(app(h, "api", PIP));
            expect(r.code, r.stderr).to.equal(0);
            expect(h.config("api")).to.deep.equal({ ...PIP, KEEP: "yes" });
        }));
});
