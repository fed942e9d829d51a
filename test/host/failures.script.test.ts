/**
 * What a user sees when an app's converge fails on the host: the scripts run
 * exactly as remote.Command runs them (`sh -s converge` with the script on
 * stdin, generations included) against the `dokku` double in both Dokku
 * modes, with Dokku's failures injected the way Dokku fails (see
 * testkit/double/dokku.js: DOKKU_DOUBLE_FAIL_RESTART, the deploy lock, an ENV
 * file Dokku cannot parse).
 */
import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { AfterChange } from "../../config";
import { generational } from "../../host/generation";
import { AppDesired } from "../../model/desired-state";
import { appScript } from "../../host/app-converge";
import { parseResults } from "../../host/result";
import { RUN_CONVERGE, RUN_REMOVE, stdinScript } from "../../host/stdin-script";
import { LocalHost, withEnv } from "../../testkit/local-host";
import { DOUBLE_FAILED_CHECK_WORDS, pipApp } from "../fixtures/settings";

/** Runs a command text with its stdin as the provider does (a shell runs the text). */
function remote(h: LocalHost, text: string, stdin: string) {
    const r = spawnSync("/bin/sh", ["-c", text], { env: h.env(), input: stdin, encoding: "utf8" });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function appStdin(
    h: LocalHost,
    app: Pick<AppDesired, "name" | "mounts" | "env">,
    after: AfterChange,
    deployWaitSeconds?: number,
) {
    const opts = {
        stateDir: h.stateDir,
        afterChange: after,
        maxParallelRestarts: 2,
        deployWaitSeconds,
    };
    const g = generational(
        `app-${app.name}`,
        h.stateDir,
        "conn",
        appScript(app, opts, "converge"),
        appScript({ name: app.name, mounts: [], env: {} }, opts, "remove"),
    );
    return stdinScript({ converge: g.script, remove: g.delete });
}

function want(h: LocalHost, name: string): Pick<AppDesired, "name" | "mounts" | "env"> {
    return pipApp(h.sharedRoot, name);
}

function ledger(h: LocalHost, app: string): Record<string, unknown> {
    return JSON.parse(
        fs.readFileSync(path.join(h.stateDir, "apps", `${app}.json`), "utf8"),
    ) as Record<string, unknown>;
}

/** The provider's error text is the command text and stdout+stderr: no script may leak. */
function expectNoScript(out: string): void {
    for (const s of ["dsc_", "set -euf", "PLAN_JQ", "jq -cn", "save_ledger", 'case "${1:-}"'])
        expect(out, `script text "${s}" in the output`).to.not.contain(s);
}

describe("stdin scripts (sh -s converge|remove)", () => {
    let h: LocalHost;
    beforeEach(() => (h = new LocalHost("0.38")));
    afterEach(() => h.cleanup());

    it("runs the asked part; a command in it that reads stdin cannot eat the rest of the script", () => {
        const filler = Array.from({ length: 2000 }, (_, i) => `: line ${i}`).join("\n");
        const stdin = stdinScript({
            converge: `set -eu\nx=$(cat)\necho "converge read [$x]"\n${filler}\necho converge done`,
            remove: `echo remove ran`,
        });
        const c = remote(h, RUN_CONVERGE, stdin);
        expect(c.code).to.equal(0);
        expect(c.stdout).to.equal("converge read []\nconverge done\n");
        const r = remote(h, RUN_REMOVE, stdin);
        expect(r).to.deep.include({ code: 0, stdout: "remove ran\n" });
        expect(remote(h, "sh -s", stdin).code).to.equal(2);
    });

    it("a command without an undo removes nothing and succeeds", () => {
        const r = remote(h, RUN_REMOVE, stdinScript({ converge: "echo converge ran" }));
        expect(r).to.deep.include({ code: 0, stdout: "" });
    });
});

for (const version of ["0.37", "0.38"] as const) {
    describe(`failures reported in Dokku's words (Dokku ${version})`, () => {
        let h: LocalHost;
        beforeEach(() => (h = new LocalHost(version)));
        afterEach(() => h.cleanup());

        it("a failed restart prints Dokku's output and the app, exits 8, and stays pending until a run succeeds", () => {
            h.createApp("api", true);
            const failing = withEnv(h, { DOKKU_DOUBLE_FAIL_RESTART: "api" });
            const stdin = appStdin(h, want(h, "api"), "restart");
            const first = remote(failing, RUN_CONVERGE, stdin);
            expect(first.code, first.stderr).to.equal(8);
            // Dokku's own output, then one paragraph naming the app.
            expect(first.stderr).to.contain("Start of api container output");
            expect(first.stderr).to.contain(
                " !     Could not start due to 1 failed checks (web.1)",
            );
            const last = first.stderr.trimEnd().split("\n").pop()!;
            expect(last).to.equal(
                `dokku-shared-cache: app api: the restart (dokku ps:restart) failed with exit 1; Dokku says: "${DOUBLE_FAILED_CHECK_WORDS}" (its output is above). ` +
                    "The app's mounts and env are in place; the restart stays pending and the next pulumi up retries it. " +
                    "Fix the cause (a failed health check: dokku logs api, dokku checks:report api) or run dokku ps:restart api yourself.",
            );
            expectNoScript(first.stdout + first.stderr);
            expect(h.mounts("api")).to.deep.equal([`${h.sharedRoot}/pip:/root/.cache/pip`]);
            expect(h.config("api")).to.deep.equal({ PIP_CACHE_DIR: "/root/.cache/pip" });
            expect(ledger(h, "api").pendingRestart).to.equal(true);

            // The next run (same inputs) retries the restart once, writes nothing.
            h.clearLog();
            const again = remote(failing, RUN_CONVERGE, stdin);
            expect(again.code).to.equal(8);
            expect(h.writes()).to.deep.equal([]);
            expect(h.log().filter((i) => i.cmd === "ps:restart")).to.have.length(1);
            expect(ledger(h, "api").pendingRestart).to.equal(true);

            // Once the app is fixed, the next run restarts it once and clears the flag.
            h.clearLog();
            const fixed = remote(h, RUN_CONVERGE, stdin);
            expect(fixed.code, fixed.stderr).to.equal(0);
            expect(parseResults(fixed.stdout)[0]).to.deep.include({ changes: 0, restarted: true });
            expect(h.restarts()).to.have.length(1);
            expect(ledger(h, "api").pendingRestart).to.equal(false);
            h.clearLog();
            expect(remote(h, RUN_CONVERGE, stdin).code).to.equal(0);
            expect(h.restarts()).to.deep.equal([]);
        });

        it("a failed rebuild is reported the same way", () => {
            h.createApp("api", true);
            const failing = withEnv(h, { DOKKU_DOUBLE_FAIL_RESTART: "*" });
            const r = remote(failing, RUN_CONVERGE, appStdin(h, want(h, "api"), "rebuild"));
            expect(r.code).to.equal(8);
            expect(r.stderr.trimEnd().split("\n").pop()).to.match(
                /^dokku-shared-cache: app api: the rebuild \(dokku ps:rebuild\) failed with exit 1; Dokku says: "Failure in name='port listening check': [^"]* Could not start due to 1 failed checks \(web\.1\)"/,
            );
            expect(ledger(h, "api").pendingRestart).to.equal(true);
        });

        // A lock held without a build record (0.38: what the converge's own check, builds:list,
        // cannot see); on 0.37 the lock file is all there is, so the converge skips the app
        // (test/host/deploy-in-flight.script.test.ts has the deploys themselves).
        it("a rebuild refused by a deploy lock is reported as such and stays pending", async () => {
            h.createApp("api", true);
            const lock = path.join(h.root, "var/lib/dokku/data/apps/api/.deploy.lock");
            fs.mkdirSync(path.dirname(lock), { recursive: true });
            fs.writeFileSync(lock, "");
            // Another deploy holds the lock, as git_receive_app's flock does.
            const holder = spawn("flock", [lock, "sleep", "60"], {
                stdio: "ignore",
                detached: true,
            });
            const release = () => {
                // flock and its sleep (which holds the lock too): the group we started.
                if (holder.exitCode === null && holder.signalCode === null)
                    process.kill(-holder.pid!, "SIGTERM");
            };
            try {
                while (spawnSync("flock", ["-n", lock, "true"]).status === 0) {
                    await new Promise((r) => setTimeout(r, 20));
                }
                const stdin = appStdin(h, want(h, "api"), "rebuild", 0);
                h.clearLog();
                const r = remote(h, RUN_CONVERGE, stdin);
                if (version === "0.37") {
                    expect(r.code, r.stderr).to.equal(10);
                    expect(r.stderr.trimEnd().split("\n").pop()).to.equal(
                        "dokku-shared-cache: app api: skipped: a deploy of the app is still running after 0s (Dokku's deploy lock file is in place (dokku apps:report api --app-locked; an interrupted deploy can leave it behind: dokku apps:unlock api)). " +
                            "Nothing was changed on this app; the next pulumi up converges it (or raise deployWaitSeconds).",
                    );
                    expect(h.writes()).to.deep.equal([]);
                    expect(h.mounts("api")).to.deep.equal([]);
                } else {
                    expect(r.code).to.equal(8);
                    expect(r.stderr).to.contain(
                        " !     api currently has a deploy lock in place. Exiting...",
                    );
                    expect(r.stderr.trimEnd().split("\n").pop()).to.equal(
                        "dokku-shared-cache: app api: the rebuild was refused: Dokku says the app has a deploy lock in place (a deploy is running, or an interrupted one left it: dokku apps:unlock api). " +
                            "The app's mounts and env are in place; the rebuild stays pending and the next pulumi up retries it.",
                    );
                    expect(ledger(h, "api").pendingRestart).to.equal(true);
                }
                const gone = new Promise((r) => holder.once("exit", r));
                release();
                await gone;
                while (spawnSync("flock", ["-n", lock, "true"]).status !== 0) {
                    await new Promise((r) => setTimeout(r, 20));
                }
                // A deploy removes the file as it lets go (release_advisory_lock); on 0.37
                // the file is what the converge asks about.
                fs.rmSync(lock, { force: true });
                h.clearLog();
                const after = remote(h, RUN_CONVERGE, stdin);
                expect(after.code, after.stderr).to.equal(0);
                expect(h.restarts().map((i) => i.kind)).to.deep.equal(["rebuild"]);
            } finally {
                release();
            }
        });

        if (version === "0.38") {
            it("a failed dokku read is one paragraph: the app, what failed, Dokku's words, what to do", () => {
                h.createApp("api", true);
                const stdin = appStdin(h, want(h, "api"), "none");
                expect(remote(h, RUN_CONVERGE, stdin).code).to.equal(0);
                // The storage entry behind the app's mount removed by hand.
                const entries = path.join(h.root, "var/lib/dokku/data/storage-registry/entries");
                const [entry] = fs.readdirSync(entries);
                fs.rmSync(path.join(entries, entry));
                const name = entry.replace(/\.json$/, "");
                h.clearLog();
                const r = remote(h, RUN_CONVERGE, stdin);
                expect(r.code).to.equal(1);
                expect(h.writes()).to.deep.equal([]);
                expectNoScript(r.stdout + r.stderr);
                expect(r.stdout).to.equal("");
                expect(r.stderr).to.equal(
                    `dokku-shared-cache: app api: reading its mounts (dokku storage:list) failed with exit 1; Dokku says: "attachment on "api" references missing entry "${name}": storage entry "${name}" does not exist". ` +
                        "Nothing was changed on this app; fix the cause and run pulumi up again.\n",
                );
            });
        }
    });
}
