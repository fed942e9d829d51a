/**
 * The read-only probe script, run for real by /bin/sh against the `dokku`
 * double (both modes): app reads in parallel, the document in the order
 * asked, failures and temp files; and the preview→update verdict hand-over.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseProbe, probeScript } from "../../host/probe";
import { engineProcessId, saveVerdict, takeVerdict, VERDICT_TTL_MS } from "../../io/probe-verdict";
import { LocalHost, withEnv } from "../../testkit/local-host";

const name = (i: number) => `app${String(i).padStart(2, "0")}`;

for (const version of ["0.37", "0.38"] as const) {
    describe(`probe script, Dokku ${version}`, () => {
        let h: LocalHost;
        let tmp: string;
        const apps = Array.from({ length: 12 }, (_, i) => name(i + 1));
        const ledger = (app: string, repair: number) => {
            fs.mkdirSync(path.join(h.stateDir, "apps"), { recursive: true });
            fs.writeFileSync(path.join(h.stateDir, "apps", `${app}.json`), `{"repair":${repair}}`);
        };
        const run = (host: LocalHost, script: string) =>
            host.sh(`TMPDIR=${tmp}; export TMPDIR\n${script}`);

        beforeEach(() => {
            h = new LocalHost(version);
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-probe-test-"));
            for (const a of apps) {
                h.createApp(a, true);
                ledger(a, Number(a.slice(3)) % 3);
            }
            h.dokku("storage:mount", "app03", `${h.sharedRoot}/pip:/root/.cache/pip`);
            h.dokku("config:set", "--no-restart", "app05", `Q=it's "x" $y`, "PIP_CACHE_DIR=/c");
            h.createApp("fresh", true); // never converged: not read
            h.createApp("other", true); // not in the stack
            ledger("other", 4);
            h.clearLog();
        });
        afterEach(() => {
            h.cleanup();
            fs.rmSync(tmp, { recursive: true, force: true });
        });

        it("reads every converged app (in parallel) and prints them in the order asked", () => {
            const asked = [...apps].reverse().concat(["fresh", "ghost"]);
            const r = run(h, probeScript(asked, false, h.stateDir));
            expect(r.code, r.stderr).to.equal(0);
            const log = h.log();
            const o = parseProbe(r.stdout);
            expect(Object.keys(o.state)).to.deep.equal(asked);
            expect(o.apps).to.deep.equal([...apps, "fresh", "other"].sort());
            for (const a of apps) {
                expect(o.state[a].exists, a).to.equal(true);
                expect(o.state[a].repair, a).to.equal(Number(a.slice(3)) % 3);
                expect(o.state[a].env, a).to.deep.equal(h.config(a));
            }
            expect(o.state.app03.mounts.map((m) => m.container_path)).to.deep.equal([
                "/root/.cache/pip",
            ]);
            expect(o.state.app05.env.Q).to.equal(`it's "x" $y`);
            expect(o.state.fresh).to.deep.include({ unread: true, repair: null });
            expect(o.state.ghost).to.deep.equal({ exists: false, mounts: [], env: {} });
            // Two reads per converged app, nothing else, and no write.
            expect(log.filter((i) => i.cmd === "storage:list")).to.have.length(12);
            expect(log.filter((i) => i.cmd === "config:export")).to.have.length(12);
            expect(log.filter((i) => i.kind !== "read")).to.deep.equal([]);
            // Some reads overlapped: at least two double processes were alive at once.
            const spans = (log as unknown as { cmd: string; t0: number; t: number }[]).filter(
                (i) => i.cmd !== "apps:list",
            );
            const overlap = spans.some((a, i) =>
                spans.some((b, j) => i !== j && a.t0 < b.t && b.t0 < a.t),
            );
            expect(overlap).to.equal(true);
            // The private temp dir is gone.
            expect(fs.readdirSync(tmp)).to.deep.equal([]);
        });

        it("with everyApp also reads the host's other apps, each once", () => {
            const r = run(h, probeScript(["app01", "app02"], true, h.stateDir));
            expect(r.code, r.stderr).to.equal(0);
            const o = parseProbe(r.stdout);
            expect(Object.keys(o.state)).to.deep.equal([
                "app01",
                "app02",
                ...apps.slice(2),
                "fresh",
                "other",
            ]);
            expect(o.state.other.repair).to.equal(4);
            expect(h.log().filter((i) => i.cmd === "config:export")).to.have.length(13);
        });

        it("fails with dokku's message and exit code when a read fails", () => {
            const bad = withEnv(h, { DOKKU_DOUBLE_FAIL_ON: "config:export" });
            const r = run(bad, probeScript(apps, false, h.stateDir));
            expect(r.code).to.equal(255);
            expect(r.stdout).to.equal("");
            expect(r.stderr).to.contain("Connection to host closed by remote host.");
            expect(fs.readdirSync(tmp)).to.deep.equal([]);
        });
    });
}

describe("probe verdict hand-over (preview phase → update phase of one pulumi up)", () => {
    it("is taken once, and not after the TTL", () => {
        const id = `test ${process.pid} ${Date.now()}`;
        const v = { apps: ["a"], drift: { a: "env X missing" }, repair: { a: 2 }, warn: ["a"] };
        expect(takeVerdict(id)).to.equal(undefined);
        saveVerdict(id, v);
        expect(takeVerdict(id + "x")).to.equal(undefined);
        expect(takeVerdict(id)).to.deep.equal(v);
        expect(takeVerdict(id)).to.equal(undefined);
        const t = Date.now();
        saveVerdict(id, v, t);
        expect(takeVerdict(id, t + VERDICT_TTL_MS + 1000)).to.equal(undefined);
    });

    it("names the CLI process above the language host, and nothing outside the engine", () => {
        expect(engineProcessId()).to.equal(undefined);
        // A stand-in process named like the language host, started by a shell we know.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-langhost-"));
        try {
            const host = path.join(dir, "pulumi-language-nodejs");
            fs.copyFileSync("/bin/sh", host);
            fs.chmodSync(host, 0o755);
            const probe = `require(${JSON.stringify(path.resolve(__dirname, "../../node_modules/ts-node"))}).register({ transpileOnly: true }); console.log(require(${JSON.stringify(path.resolve(__dirname, "../../io/probe-verdict"))}).engineProcessId())`;
            // The outer sh is the "CLI"; it prints its own pid, then runs the "language host",
            // which runs node (a second command, so the shell does not exec node in its place).
            const r = spawnSync(
                "/bin/sh",
                [
                    "-c",
                    `echo $$; "$0" -c '"$0" -e "$1"; exit $?' ${JSON.stringify(process.execPath)} ${JSON.stringify(probe)}; exit $?`,
                    host,
                ],
                { encoding: "utf8" },
            );
            expect(r.status, r.stderr).to.equal(0);
            const [cliPid, id] = r.stdout.trim().split("\n");
            expect(id).to.match(new RegExp(`^${cliPid}:\\d+$`));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
