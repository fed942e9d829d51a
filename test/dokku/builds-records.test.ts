/**
 * The build records the converge's restart decision reads (host/sh/deploy-wait.sh,
 * host/sh/app-restart.sh), on the real Dokku 0.38.27 and on the dokku double
 * (testkit/double/dokku-deploys.js), the same commands on both:
 * - a never-deployed app: `ps:report --deployed` is false and `builds:list` empty; each
 *   `ps:restart` of it only warns, and leaves a record Dokku never finalizes, which reads
 *   "abandoned" once that dokku process has exited (so `--status running` lists none of them);
 *   the unfiltered list stops at the 20 newest (retention), `--status abandoned` lists them all;
 * - the same app deployed (`git:from-image`): `ps:report --deployed` true, its build record
 *   first and finished ("succeeded"), the restart records after it.
 * Compared: exit codes, the records' kind, source, status and display_status in list order,
 * and the list lengths; not ids, pids or times.
 */
import { expect } from "chai";
import { LocalHost } from "../../testkit/local-host";
import { LOCAL_IMAGE, RealDokkuHost } from "../../testkit/real-dokku-host";

interface Record_ {
    kind: string;
    source: string;
    status: string;
    display_status: string;
}

type Run = (...args: string[]) => { code: number; stdout: string; stderr: string };

/** What the converge relies on, read through one `dokku` (real or double). */
function observe(dokku: Run, app: string, restarts: number) {
    const list = (...filter: string[]) => {
        const r = dokku("builds:list", app, "--format", "json", ...filter);
        expect(r.code, `builds:list ${filter.join(" ")}: ${r.stderr}`).to.equal(0);
        return (JSON.parse(r.stdout.trim() || "[]") as Record_[]).map((x) => ({
            kind: x.kind,
            source: x.source,
            status: x.status,
            display_status: x.display_status,
        }));
    };
    const deployed = () => dokku("ps:report", app, "--deployed").stdout.trim();
    const before = { deployed: deployed(), records: list() };
    const codes = Array.from({ length: restarts }, () => dokku("ps:restart", app).code);
    const afterRestarts = {
        deployed: deployed(),
        all: list(),
        running: list("--status", "running").length,
        abandoned: list("--status", "abandoned").length,
    };
    return { before, codes, afterRestarts };
}

describe("real Dokku 0.38.27 = the double: build records and the deployed flag", function () {
    this.timeout(15 * 60_000);
    let h: RealDokkuHost;
    let d: LocalHost;
    let app: string;

    before(async () => {
        h = new RealDokkuHost();
        await h.start();
        app = h.createApp("records");
        d = new LocalHost("0.38");
        d.createApp(app);
    });
    after(async () => {
        if (h) await h.stop();
    });

    it("a never-deployed app: 25 ps:restart calls leave 25 abandoned records, 20 listed", () => {
        const real = observe((...a) => h.dokku(...a), app, 25);
        const dbl = observe((...a) => d.dokku(...a), app, 25);
        expect(real.before).to.deep.equal({ deployed: "false", records: [] });
        expect(real.codes).to.deep.equal(Array(25).fill(0));
        expect(real.afterRestarts.deployed).to.equal("false");
        expect(real.afterRestarts.all).to.have.length(20);
        expect(real.afterRestarts.running).to.equal(0);
        expect(real.afterRestarts.abandoned).to.equal(25);
        expect(real.afterRestarts.all[0]).to.deep.equal({
            kind: "deploy",
            source: "ps:restart",
            status: "running",
            display_status: "abandoned",
        });
        expect(dbl).to.deep.equal(real);
    });

    it("deployed: the deploy's record is finished and the deployed flag true", () => {
        const deployReal = h.deploy(app, LOCAL_IMAGE);
        expect(deployReal.code, deployReal.stderr).to.equal(0);
        const deployDouble = d.dokku("git:from-image", app, LOCAL_IMAGE);
        expect(deployDouble.code, deployDouble.stderr).to.equal(0);
        const real = observe((...a) => h.dokku(...a), app, 1);
        const dbl = observe((...a) => d.dokku(...a), app, 1);
        expect(real.before.deployed).to.equal("true");
        expect(real.before.records[0]).to.deep.include({
            source: "git:from-image",
            status: "succeeded",
            display_status: "succeeded",
        });
        expect(real.codes).to.deep.equal([0]);
        expect(dbl).to.deep.equal(real);
    });
});
