/**
 * Build-phase docker-options for buildpack apps (host/build-options.ts), the
 * app converge run for real by /bin/sh against the dokku double in both Dokku
 * modes (docker-options per phase and builder:report:
 * testkit/double/dokku-docker-options.js).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { RawSettings, validateSettings } from "../../config";
import { AfterChange } from "../../config/types";
import { appScript } from "../../host/app-converge";
import { parseProbe, probeScript } from "../../host/probe";
import { parseResults } from "../../host/result";
import { driftOf } from "../../report/drift";
import { AppDesired, buildDesiredState } from "../../model/desired-state";
import { LocalHost } from "../../testkit/local-host";
import { validRaw } from "../fixtures/settings";

interface RawApp {
    name: string;
    caches: string[];
    readOnly?: string[];
    builder?: string;
}

/** The desired app through the real config validation and model. */
function desired(h: LocalHost, app: RawApp, caches: RawSettings["caches"]): AppDesired {
    const s = validateSettings(
        validRaw({ apps: [app], caches, sharedRoot: h.sharedRoot, stateDir: h.stateDir }),
    );
    return buildDesiredState(s).apps[0];
}

// pip: herokuishuser's, outside /root (0700 in the build image); npm: the defaults (root, /root/.cache/npm).
const WRITABLE = {
    pip: { owner: "32767:32767", mode: "0755", containerPath: "/cache/pip" },
    npm: { owner: "0:0", mode: "0755" },
};

function converge(
    h: LocalHost,
    app: AppDesired,
    mode: "converge" | "remove" = "converge",
    after: AfterChange = "restart",
) {
    h.clearLog();
    const r = h.sh(
        appScript(
            mode === "remove" ? { name: app.name, mounts: [], env: {} } : app,
            { stateDir: h.stateDir, afterChange: after, maxParallelRestarts: 2 },
            mode,
        ),
    );
    expect(r.code, r.stderr).to.equal(0);
    return { ...r, result: parseResults(r.stdout)[0] as Record<string, unknown> };
}

function buildOpts(h: LocalHost, app: string): string {
    return h.dokku("docker-options:report", app, "--docker-options-build").stdout.trim();
}

function setProperty(h: LocalHost, app: string, key: string, value: string): void {
    const f = path.join(h.root, "var/lib/dokku/config/builder", app, key);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, value);
}

for (const version of ["0.37", "0.38"] as const) {
    describe(`build-phase docker-options against Dokku ${version}`, () => {
        let h: LocalHost;
        let pip: string;
        beforeEach(() => {
            h = new LocalHost(version);
            h.createApp("web", true);
            h.createApp("api", true);
            pip = `-v ${h.sharedRoot}/pip:/cache/pip:rw`;
        });
        afterEach(() => h.cleanup());

        it("a herokuish app gets build mounts of the caches its build user can write; the user's build options stay; removal undoes exactly ours", () => {
            expect(h.dokku("docker-options:add", "web", "build", "--link db:db").code).to.equal(0);
            const app = desired(
                h,
                { name: "web", caches: ["pip", "npm"], builder: "herokuish" },
                WRITABLE,
            );
            // npm stays root-owned 0755: herokuishuser (uid 32767) could not write it, so no build mount.
            expect(app.cachesHelpBuild).to.equal(false);
            expect(app.buildNote).to.match(/cannot write npm/);
            const r1 = converge(h, app);
            expect(r1.result.builder).to.equal("herokuish");
            expect(r1.result.buildAdded).to.deep.equal([pip]);
            expect(
                buildOpts(h, "web")
                    .split(/ (?=-)/)
                    .sort(),
            ).to.deep.equal(["--link db:db", pip].sort());
            expect(h.log().filter((i) => i.cmd === "builder:report")).to.deep.equal([]);
            // Deploy/run mounts are unchanged by the build options.
            expect(h.mounts("web").length).to.equal(2);

            const r2 = converge(h, app);
            expect(h.writes(), "a second run writes nothing").to.deep.equal([]);
            expect(r2.result.buildAdded).to.deep.equal([]);

            converge(h, app, "remove");
            expect(buildOpts(h, "web")).to.equal("--link db:db");
            expect(fs.existsSync(path.join(h.stateDir, "apps/web.json"))).to.equal(false);
        });

        it("a Dockerfile app gets no build option and no extra read", () => {
            const app = desired(
                h,
                { name: "api", caches: ["pip"], builder: "dockerfile" },
                WRITABLE,
            );
            expect(app.cachesHelpBuild).to.equal(false);
            expect(app.buildNote).to.match(/RUN --mount=type=cache/);
            const r = converge(h, app);
            expect(r.result.builder).to.equal("dockerfile");
            expect(buildOpts(h, "api")).to.equal("");
            expect(h.log().map((i) => i.cmd)).to.not.include.members([
                "builder:report",
                "docker-options:report",
                "docker-options:add",
            ]);
        });

        it("an undeclared builder is read from builder:report: selected, else detected, else Dokku's herokuish fallback", () => {
            const app = desired(h, { name: "web", caches: ["pip"] }, WRITABLE);
            expect(app.builder).to.equal("unknown");
            // Never deployed and nothing selected: Dokku detects at the first build, herokuish by default.
            let r = converge(h, app);
            expect(r.result.builder).to.equal("undetermined");
            expect(buildOpts(h, "web")).to.equal(pip);
            // The last deploy was a Dockerfile build: ours go, nothing else is touched.
            setProperty(h, "web", "detected", "dockerfile");
            r = converge(h, app);
            expect(r.result.builder).to.equal("dockerfile");
            expect(r.result.buildRemoved).to.deep.equal([pip]);
            expect(buildOpts(h, "web")).to.equal("");
            // builder:set selected wins over detected; pack gets the same mount, mode written (pack's default is ro).
            expect(h.dokku("builder:set", "web", "selected", "pack").code).to.equal(0);
            r = converge(h, app);
            expect(r.result.builder).to.equal("pack");
            expect(buildOpts(h, "web")).to.equal(pip);
            // A global selection counts too (computed-selected) once the app's own is unset.
            expect(h.dokku("builder:set", "web", "selected", "").code).to.equal(0);
            expect(h.dokku("builder:set", "--global", "selected", "dockerfile").code).to.equal(0);
            r = converge(h, app);
            expect(r.result.builder).to.equal("dockerfile");
            expect(buildOpts(h, "web")).to.equal("");
        });

        it("a build option the user already had is not ours: kept on removal", () => {
            const app = desired(h, { name: "web", caches: ["pip"], builder: "pack" }, WRITABLE);
            expect(app.cachesHelpBuild).to.equal(true);
            expect(h.dokku("docker-options:add", "web", "build", pip).code).to.equal(0);
            const r = converge(h, app);
            expect(r.result.buildAdded).to.deep.equal([]);
            converge(h, app, "remove");
            expect(buildOpts(h, "web")).to.equal(pip);
        });

        it("a build option removed by hand is added back; with afterChange rebuild a build change rebuilds once", () => {
            const app = desired(
                h,
                { name: "web", caches: ["pip"], builder: "herokuish" },
                WRITABLE,
            );
            converge(h, app, "converge", "rebuild");
            expect(h.restarts().map((i) => i.cmd)).to.deep.equal(["ps:rebuild"]);
            expect(h.dokku("docker-options:remove", "web", "build", pip).code).to.equal(0);
            const r = converge(h, app, "converge", "rebuild");
            expect(r.result.buildAdded).to.deep.equal([pip]);
            expect(h.restarts().map((i) => i.cmd)).to.deep.equal(["ps:rebuild"]);
            expect(buildOpts(h, "web")).to.equal(pip);
            converge(h, app, "converge", "restart");
            expect(h.restarts(), "nothing changed: no restart").to.deep.equal([]);
        });

        it("a read-only cache is mounted read-only in the build whatever its owner", () => {
            const app = desired(
                h,
                { name: "web", caches: ["pip", "npm"], readOnly: ["npm"], builder: "herokuish" },
                { ...WRITABLE, npm: { owner: "0:0", mode: "0755", containerPath: "/cache/npm" } },
            );
            expect(app.cachesHelpBuild).to.equal(true);
            converge(h, app);
            expect(
                buildOpts(h, "web")
                    .split(/ (?=-)/)
                    .sort(),
            ).to.deep.equal([pip, `-v ${h.sharedRoot}/npm:/cache/npm:ro`].sort());
        });

        it("the probe (drift, verify) sees the build options of ours and the builder; one removed by hand is drift, repaired", () => {
            const app = desired(h, { name: "web", caches: ["pip"] }, WRITABLE);
            const api = desired(
                h,
                { name: "api", caches: ["pip"], builder: "dockerfile" },
                WRITABLE,
            );
            expect(h.dokku("builder:set", "web", "selected", "herokuish").code).to.equal(0);
            converge(h, app);
            converge(h, api);
            const probe = () => {
                const r = h.sh(probeScript(["web", "api"], false, h.stateDir));
                expect(r.code, r.stderr).to.equal(0);
                return parseProbe(r.stdout).state;
            };
            let seen = probe();
            expect(seen.web.build).to.deep.equal({
                builder: "herokuish",
                ours: [pip],
                missing: [],
            });
            expect(seen.api.build).to.deep.equal({ builder: "dockerfile", ours: [], missing: [] });
            expect(driftOf(app, seen.web)).to.equal("");
            expect(h.dokku("docker-options:remove", "web", "build", pip).code).to.equal(0);
            seen = probe();
            expect(seen.web.build?.missing).to.deep.equal([pip]);
            expect(driftOf(app, seen.web)).to.equal("build option /cache/pip missing");
            converge(h, app);
            expect(driftOf(app, probe().web)).to.equal("");
        });

        it("a cache under /root gets no build mount, whatever its owner: the note says why", () => {
            const app = desired(
                h,
                { name: "web", caches: ["pip"], builder: "herokuish" },
                { pip: { owner: "32767:32767", mode: "0777" } },
            );
            expect(app.cachesHelpBuild).to.equal(false);
            expect(app.buildNote).to.contain("outside /root");
            const r = converge(h, app);
            expect(r.result.buildAdded).to.deep.equal([]);
            expect(buildOpts(h, "web")).to.equal("");
        });
    });
}
