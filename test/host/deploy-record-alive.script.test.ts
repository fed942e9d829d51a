/**
 * Which of Dokku 0.38's "running" build records are deploys still in flight (host/deploy-wait.ts
 * `dsc_deploying`), run by /bin/sh against a `dokku` that prints the records given. Dokku 0.38.27
 * never finalizes a ps:restart's record (plugins/common/functions: only a deploy releasing its lock
 * calls builds-record-finalize) and calls a record running while kill(pid, 0) succeeds
 * (plugins/builds/builds.go CheckPIDAlive): once the pid is reused, by any process or thread, the
 * record reads as running. Seen on the real Dokku 0.38.27 here: a ps:restart's record whose pid had
 * become a pulumi thread made a destroy wait for a deploy that had ended minutes before.
 * The converge asks for every record (`builds:list APP --format json`, no `--status`) and keeps
 * those whose display_status is "running", as `--status running` does on the server
 * (subcommands.go matchesStatus); the same answer says whether the app has any record
 * (`DSC_HAS_BUILDS`, read by the restart step).
 */
import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deployWaitSh } from "../../host/deploy-wait";

/** dsc_deploying against a `dokku` that prints `output` (exits `code`): DSC_BUSY, DSC_HAS_BUILDS and the calls. */
function ask(output: string, code = 0): { busy: string; has: string; calls: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-records-"));
    try {
        const q = (f: string) => JSON.stringify(path.join(dir, f));
        fs.writeFileSync(
            path.join(dir, "dokku"),
            `#!/bin/sh\necho "$*" >>${q("calls")}\ncat ${q("records.json")}\nexit ${code}\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(dir, "records.json"), output);
        const r = spawnSync(
            "/bin/sh",
            [
                "-c",
                `${deployWaitSh()}\nAPP=api; dsc_vn=38027; DEPLOY_WAIT=0\ndsc_deploying\nprintf '%s\\n%s\\n' "$DSC_BUSY" "$DSC_HAS_BUILDS"`,
            ],
            { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } },
        );
        expect(r.status, r.stderr).to.equal(0);
        const [busy, has] = r.stdout.split("\n");
        const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
        return { busy, has, calls };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function deploying(records: object[]): string {
    return ask(JSON.stringify(records) + "\n").busy;
}

const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace("Z", "123456Z");
const record = (id: string, pid: number, startedAt: string) => ({
    id,
    app: "api",
    kind: "build",
    pid,
    started_at: startedAt,
    status: "running",
    source: "git-hook",
    display_status: "running",
});

describe("a running build record is a deploy in flight only while its own process lives", function () {
    this.timeout(30000);
    let sleeper: ChildProcess;
    before(() => {
        sleeper = spawn("sleep", ["600"]); // a live process, started now
    });
    after(() => sleeper.kill());

    it("counts a record whose process started before the record was written", async () => {
        await new Promise((r) => setTimeout(r, 1100)); // the record is written after its process starts
        const out = deploying([record("b1", sleeper.pid!, iso(0))]);
        expect(out).to.match(/^git-hook build b1 \(pid \d+, started \S+\)$/);
    });

    it("ignores a record whose pid now belongs to a later process (a reused pid)", () => {
        // the record is an hour old; the process with its pid started seconds ago
        expect(deploying([record("old", sleeper.pid!, iso(3600_000))])).to.equal("");
    });

    it("ignores a record whose process is gone, and lists the live ones of several", () => {
        const gone = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim();
        const out = deploying([
            record("dead", Number(gone), iso(0)),
            record("old", sleeper.pid!, iso(3600_000)),
            record("live", sleeper.pid!, iso(0)),
            record("live2", sleeper.pid!, iso(0)),
        ]);
        expect(out.split(", ").filter((x) => /^git-hook build \w+ \(pid/.test(x))).to.have.length(
            2,
        );
        expect(out).to.contain("build live (pid").and.contain("build live2 (pid");
        expect(out).not.to.contain("dead").and.not.to.contain("build old");
    });

    it("prints nothing for no record", () => {
        expect(deploying([])).to.equal("");
    });

    it("asks for every record (no --status) and keeps only those Dokku displays as running", () => {
        // A live pid under a record Dokku no longer calls running: finished, or (status running,
        // pid dead when Dokku looked) abandoned. --status running would not list them.
        const r = ask(
            JSON.stringify([
                { ...record("live", sleeper.pid!, iso(0)) },
                {
                    ...record("done", sleeper.pid!, iso(0)),
                    status: "succeeded",
                    display_status: "succeeded",
                },
                { ...record("gone", sleeper.pid!, iso(0)), display_status: "abandoned" },
            ]) + "\n",
        );
        expect(r.calls).to.deep.equal(["builds:list api --format json"]);
        expect(r.busy).to.match(/^git-hook build live \(pid \d+, started \S+\)$/);
        expect(r.has).to.equal("true");
    });

    it("says whether the app has any build record: finished ones count, none is false, an unreadable answer is unknown", () => {
        const old = {
            ...record("old", 1, iso(3600_000)),
            status: "succeeded",
            display_status: "succeeded",
        };
        expect(ask(JSON.stringify([old]) + "\n")).to.include({ busy: "", has: "true" });
        expect(ask("[]\n")).to.include({ busy: "", has: "false" });
        // Dokku's warnings before the JSON line (LogWarn of an unreadable record) are skipped.
        expect(ask(" !     Skipping unreadable build record api/x.json\n[]\n")).to.include({
            has: "false",
        });
        expect(ask("not json\n")).to.include({ busy: "", has: "" });
        expect(ask("[]\n", 1)).to.include({ busy: "", has: "" });
    });
});
