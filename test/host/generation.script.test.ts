/**
 * A replaced resource's delete must not undo its replacement's work: Pulumi
 * creates the replacement first, then deletes the old resource with its old
 * inputs. Executed for real by /bin/sh against the doubles.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { scheduleInstallScript, scheduleRemoveScript } from "../../host/build-cache";
import { generational } from "../../host/generation";
import { appScript } from "../../host/app-converge";
import { cacheDirCreateScript, cacheDirDeleteScript } from "../../host/cache-dirs";
import { LocalHost } from "../../testkit/local-host";
import { pipApp } from "../fixtures/settings";

describe("generations guard deletes of replaced resources", () => {
    let h: LocalHost;
    beforeEach(() => {
        h = new LocalHost("0.38");
        h.createApp("api", true);
    });
    afterEach(() => h.cleanup());

    const app = () => pipApp(h.sharedRoot, "api");
    const opts = () => ({
        stateDir: h.stateDir,
        afterChange: "restart" as const,
        maxParallelRestarts: 2,
    });
    const appCmd = (connId: string, drift = "") =>
        generational(
            "app-api",
            h.stateDir,
            connId,
            (drift ? `# host drift seen at preview: ${drift}\n` : "") + appScript(app(), opts()),
            appScript({ name: "api", mounts: [], env: {} }, opts(), "remove"),
        );

    it("app: create new, then the old delete does nothing; a real removal still undoes", () => {
        const old = appCmd("user|host|22|key|3|10|aaaa");
        expect(h.sh(old.script).code).to.equal(0);
        expect(h.mounts("api")).to.have.length(1);
        // replacement (e.g. the connection changed): new create, then old delete
        const neu = appCmd("user|host|22|key|3|10|bbbb");
        expect(neu.generation).to.not.equal(old.generation);
        expect(h.sh(neu.script).code).to.equal(0);
        h.clearLog();
        const stale = h.sh(old.delete!);
        expect(stale.code).to.equal(0);
        expect(stale.stderr).to.contain("belongs to a replaced resource");
        expect(h.mounts("api")).to.have.length(1);
        expect(h.config("api")).to.deep.equal({ PIP_CACHE_DIR: "/root/.cache/pip" });
        expect(h.writes()).to.deep.equal([]);
        // the app leaves the config: delete with the last run's inputs
        const gone = h.sh(neu.delete!);
        expect(gone.code, gone.stderr).to.equal(0);
        expect(h.mounts("api")).to.deep.equal([]);
        expect(h.config("api")).to.deep.equal({});
        expect(fs.existsSync(path.join(h.stateDir, "gen/app-api"))).to.equal(false);
    });

    it("app: a drift-only change is an update that records the new generation", () => {
        const a = appCmd("c");
        h.sh(a.script);
        h.dokku("storage:unmount", "api", `${h.sharedRoot}/pip:/root/.cache/pip`);
        const b = appCmd("c", "mount /root/.cache/pip missing");
        expect(b.generation).to.not.equal(a.generation);
        expect(h.sh(b.script).code).to.equal(0);
        expect(fs.readFileSync(path.join(h.stateDir, "gen/app-api"), "utf8").trim()).to.equal(
            b.generation,
        );
        expect(h.mounts("api")).to.have.length(1);
    });

    it("a failed converge records nothing, so the old resource's delete still works", () => {
        const a = appCmd("c");
        h.sh(a.script);
        fs.rmSync(path.join(h.root, "home/dokku/api"), { recursive: true, force: true });
        const b = appCmd("c2");
        expect(h.sh(b.script).code).to.equal(20);
        expect(fs.readFileSync(path.join(h.stateDir, "gen/app-api"), "utf8").trim()).to.equal(
            a.generation,
        );
    });

    it("purged cache dir: a replaced resource's delete keeps the data", () => {
        const dir = { name: "pip", hostPath: `${h.sharedRoot}/pip`, owner: "0:0", mode: "0755" };
        const mk = (conn: string) =>
            generational(
                "dir-pip",
                h.stateDir,
                conn,
                cacheDirCreateScript(dir),
                cacheDirDeleteScript(dir, true),
            );
        const old = mk("a");
        h.sh(old.script);
        fs.writeFileSync(`${dir.hostPath}/wheel`, "data");
        const neu = mk("b");
        h.sh(neu.script);
        expect(h.sh(old.delete!).code).to.equal(0);
        expect(fs.existsSync(`${dir.hostPath}/wheel`)).to.equal(true);
        expect(h.sh(neu.delete!).code).to.equal(0);
        expect(fs.existsSync(dir.hostPath)).to.equal(false);
    });

    it("schedule: a replaced resource's delete keeps the timer", () => {
        const o = { stateDir: h.stateDir, paths: h.hostPaths() };
        const mk = (conn: string) =>
            generational(
                "build-cache-schedule",
                h.stateDir,
                conn,
                scheduleInstallScript({ schedule: "daily", olderThan: "168h", maxSize: "20GB" }, o),
                scheduleRemoveScript(o),
            );
        const old = mk("a");
        h.sh(old.script);
        const neu = mk("b");
        h.sh(neu.script);
        h.sh(old.delete!);
        const cron = path.join(o.paths.cronDir, "dokku-shared-cache-prune");
        expect(fs.existsSync(cron)).to.equal(true);
        h.sh(neu.delete!);
        expect(fs.existsSync(cron)).to.equal(false);
    });
});
