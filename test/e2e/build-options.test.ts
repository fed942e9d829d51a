/**
 * Build-time caches for buildpack apps with the real engine against a loopback
 * sshd and the dokku double (Dokku 0.38.27 mode): a herokuish app gets the
 * build-phase docker-options of its caches, a Dockerfile app none, an app
 * whose builder is only selected on the host (`builder:set … pack`) gets them
 * through builder:report; outputs say per app whether the caches help the
 * build; a no-op `up` writes nothing; removing an app and `destroy` take back
 * exactly the build options added, never the user's own.
 */
import { expect } from "chai";
import { verifyHost } from "../../cli/verify";
import { World, cachePath, endWorld, hostConfig, makeWorld, ok, writeSummary } from "./world";

interface AppOut {
    cachesHelpBuild: boolean;
    buildNote: string;
}

describe("e2e: build-phase docker-options for buildpack apps (Dokku 0.38)", function () {
    this.timeout(600000);
    let w: World;
    const buildOpts = (app: string) =>
        w.host.dokku("docker-options:report", app, "--docker-options-build").stdout.trim();
    const config = (apps: unknown[]) =>
        hostConfig(w.host, {
            apps,
            caches: {
                pip: {
                    owner: "32767:32767",
                    mode: "0775",
                    containerPath: "/cache/pip",
                    env: { PIP_CACHE_DIR: "/cache/pip" },
                },
            },
            buildCache: false,
            afterChange: "restart",
        });
    const APPS = [
        { name: "web", builder: "herokuish" },
        { name: "api", builder: "dockerfile" },
        "worker",
    ];

    before(async () => {
        w = await makeWorld("0.38");
        for (const a of ["web", "api", "worker"]) w.host.createApp(a, true);
        expect(w.host.dokku("builder:set", "worker", "selected", "pack").code).to.equal(0);
        expect(w.host.dokku("docker-options:add", "web", "build", "--link db:db").code).to.equal(0);
    });
    after(async () => endWorld(w));

    it("up: herokuish and (host-selected) pack apps get build mounts, the Dockerfile app none; outputs say so", async () => {
        const opt = `-v ${cachePath(w.host, "pip")}:/cache/pip:rw`;
        w.stack.setConfig(config(APPS));
        ok(await w.stack.up());
        expect(
            buildOpts("web")
                .split(/ (?=-)/)
                .sort(),
        ).to.deep.equal(["--link db:db", opt]);
        expect(buildOpts("api")).to.equal("");
        expect(buildOpts("worker")).to.equal(opt);

        const out = await w.stack.outputs();
        const apps = out.apps as Record<string, AppOut>;
        expect(apps.web.cachesHelpBuild).to.equal(true);
        expect(apps.web.buildNote).to.match(/^herokuish build: build and run/);
        expect(apps.api.cachesHelpBuild).to.equal(false);
        expect(apps.api.buildNote).to.contain("RUN --mount=type=cache");
        // Undeclared in the stack: the host decides, reported per run.
        expect(apps.worker.cachesHelpBuild).to.equal(false);
        const runs = out.lastRuns as Record<
            string,
            { builder: string; build: Record<string, string> }
        >;
        expect(runs.worker.builder).to.equal("pack");
        expect(runs.worker.build).to.deep.equal({ [opt]: "added" });
        expect(runs.api.builder).to.equal("dockerfile");
        expect(String(out.summary)).to.contain("web: pip; builds use caches: yes, build and run");

        w.host.clearLog();
        ok(await w.stack.up());
        expect(writeSummary(w.host), "a no-op up writes nothing").to.deep.equal([]);

        // verify: per app the host's builder and whether the build gets the caches.
        const raw = config(APPS);
        let rep = await verifyHost(raw as never, w.host.clientKey);
        const row = (n: string) => rep.apps.find((a) => a.name === n)!;
        expect(rep.inSync, rep.problems.join("; ")).to.equal(true);
        expect([row("web").builder, row("web").cachesHelpBuild]).to.deep.equal(["herokuish", true]);
        expect([row("api").builder, row("api").cachesHelpBuild]).to.deep.equal([
            "dockerfile",
            false,
        ]);
        expect([row("worker").builder, row("worker").cachesHelpBuild]).to.deep.equal([
            "pack",
            true,
        ]);
        // A build option of ours removed by hand: verify says so, the next up puts it back.
        expect(w.host.dokku("docker-options:remove", "worker", "build", opt).code).to.equal(0);
        rep = await verifyHost(raw as never, w.host.clientKey);
        expect(row("worker").drift).to.equal("build option /cache/pip missing");
        expect(row("worker").cachesHelpBuild).to.equal(false);
        ok(await w.stack.up());
        expect(buildOpts("worker")).to.equal(opt);
    });

    it("removing an app takes back its build option, the user's stays; destroy takes back the rest", async () => {
        w.stack.setConfig(config([{ name: "api", builder: "dockerfile" }, "worker"]));
        w.host.clearLog();
        ok(await w.stack.up());
        expect(buildOpts("web")).to.equal("--link db:db");
        expect(writeSummary(w.host)).to.include("docker-options:remove web");

        ok(await w.stack.destroy());
        expect(buildOpts("worker")).to.equal("");
        expect(buildOpts("web")).to.equal("--link db:db");
    });
});
