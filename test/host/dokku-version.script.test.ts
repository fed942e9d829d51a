/**
 * Supported Dokku versions, checked on the host by the converge script
 * against the `dokku` double reporting a configurable version: refused
 * below the floor before any write; at the floor (0.37.5, godotenv v1.2.0)
 * and on 0.38.0–0.38.12 (the older storage:list JSON) the converge works.
 */
import { expect } from "chai";
import * as fs from "fs";
import { MIN_DOKKU_VERSION, VERSION_EXIT } from "../../rules/dokku-version";
import { parseProbe, probeScript } from "../../host/probe";
import { AppDesired } from "../../model/desired-state";
import { appScript } from "../../host/app-converge";
import { parseResults } from "../../host/result";
import { LocalHost, withEnv } from "../../testkit/local-host";

function app(h: LocalHost, ro: boolean): Pick<AppDesired, "name" | "mounts" | "env"> {
    return {
        name: "api",
        mounts: [
            {
                cache: "pip",
                hostPath: `${h.sharedRoot}/pip`,
                containerPath: "/root/.cache/pip",
                readOnly: ro,
            },
            {
                cache: "npm",
                hostPath: `${h.sharedRoot}/npm`,
                containerPath: "/root/.cache/npm",
                readOnly: false,
            },
        ],
        env: { PIP_CACHE_DIR: "/root/.cache/pip", NPM_CONFIG_CACHE: "/root/.cache/npm" },
    };
}

function converge(h: LocalHost, ro = false) {
    h.clearLog();
    const r = h.sh(
        appScript(app(h, ro), {
            stateDir: h.stateDir,
            afterChange: "restart",
            maxParallelRestarts: 2,
        }),
    );
    return { ...r, result: parseResults(r.stdout)[0] };
}

describe("Dokku version gate (converge script)", () => {
    for (const [mode, version] of [
        ["0.37", "0.37.4"],
        ["0.37", "0.36.12"],
    ] as const) {
        it(`refuses Dokku ${version} before any write, naming the app and the floor`, () => {
            const base = new LocalHost(mode);
            try {
                base.createApp("api", true);
                const h = withEnv(base, { DOKKU_DOUBLE_VERSION: version });
                const r = converge(h);
                expect(r.code).to.equal(VERSION_EXIT);
                expect(r.stderr).to.equal(
                    `dokku-shared-cache: app api: this host runs Dokku ${version} (from \`dokku version\`); dokku-shared-cache supports Dokku ${MIN_DOKKU_VERSION} and later ` +
                        "(below it, storage:list prints another JSON and storage:mount's duplicate check can skip a mount silently). " +
                        "Nothing was changed; upgrade Dokku and run again.\n",
                );
                expect(h.log().map((i) => i.cmd)).to.deep.equal(["version"]);
                expect(fs.existsSync(h.stateDir), "no state dir").to.equal(false);
            } finally {
                base.cleanup();
            }
        });
    }

    for (const [mode, version] of [
        ["0.37", "0.37.5"],
        ["0.37", "0.37.7"],
        ["0.38", "0.38.0"],
        ["0.38", "0.38.12"],
        ["0.38", "0.38.13"],
    ] as const) {
        it(`converges on Dokku ${version}, then changes nothing (read-only mounts included)`, () => {
            const base = new LocalHost(mode);
            try {
                base.createApp("api", true);
                const h = withEnv(base, { DOKKU_DOUBLE_VERSION: version });
                const first = converge(h, true);
                expect(first.code, first.stderr).to.equal(0);
                expect(first.result).to.deep.include({ changes: 4, restarted: true });
                expect(h.mounts("api")).to.deep.equal([
                    `${h.sharedRoot}/npm:/root/.cache/npm`,
                    `${h.sharedRoot}/pip:/root/.cache/pip:ro`,
                ]);
                expect(h.config("api")).to.deep.equal({
                    NPM_CONFIG_CACHE: "/root/.cache/npm",
                    PIP_CACHE_DIR: "/root/.cache/pip",
                });
                const again = converge(h, true);
                expect(again.code, again.stderr).to.equal(0);
                expect(again.result).to.deep.include({ changes: 0, restarted: false });
                expect(h.writes()).to.deep.equal([]);
                // One version read per converge.
                expect(h.log().filter((i) => i.cmd === "version")).to.have.length(1);
            } finally {
                base.cleanup();
            }
        });
    }
});

describe("Dokku version in the probe", () => {
    for (const version of ["0.37.4", "0.38.27"]) {
        it(`reports what \`dokku version\` printed (${version}) with one read`, () => {
            const base = new LocalHost(version.startsWith("0.37") ? "0.37" : "0.38");
            try {
                const h = withEnv(base, { DOKKU_DOUBLE_VERSION: version });
                const r = h.sh(probeScript([], false, h.stateDir));
                expect(r.code, r.stderr).to.equal(0);
                expect(parseProbe(r.stdout).dokkuVersion).to.equal(`dokku version ${version}`);
                expect(h.log().filter((i) => i.cmd === "version")).to.have.length(1);
            } finally {
                base.cleanup();
            }
        });
    }
});
