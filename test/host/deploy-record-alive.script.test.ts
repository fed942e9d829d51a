/**
 * Which of Dokku 0.38's "running" build records are deploys still in flight (host/deploy-wait.ts
 * `dsc_deploying`), run by /bin/sh against a `dokku` that prints the records given. Dokku 0.38.27
 * never finalizes a ps:restart's record (plugins/common/functions: only a deploy releasing its lock
 * calls builds-record-finalize) and calls a record running while kill(pid, 0) succeeds
 * (plugins/builds/builds.go CheckPIDAlive): once the pid is reused, by any process or thread, the
 * record reads as running. Seen on the real Dokku 0.38.27 here: a ps:restart's record whose pid had
 * become a pulumi thread made a destroy wait for a deploy that had ended minutes before.
 */
import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deployWaitSh } from "../../host/deploy-wait";

function deploying(records: object[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-records-"));
    try {
        fs.writeFileSync(
            path.join(dir, "dokku"),
            `#!/bin/sh\ncat ${JSON.stringify(path.join(dir, "records.json"))}\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(dir, "records.json"), JSON.stringify(records) + "\n");
        const r = spawnSync(
            "/bin/sh",
            ["-c", `${deployWaitSh()}\nAPP=api; dsc_vn=38027; DEPLOY_WAIT=0\ndsc_deploying`],
            { encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } },
        );
        expect(r.status, r.stderr).to.equal(0);
        return r.stdout.trim();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
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
});
