/**
 * Drift is the host differing from what the last converge applied (the ledger's record, read by
 * the probe), not the stack differing from the host: a cache added to the stack is the app's
 * change, shown by the preview, and no warning (issue 20).
 */
import { expect } from "chai";
import { ObservedApp } from "../../host/probe";
import { MountSpec } from "../../model/desired-state";
import { driftOf } from "../../report/drift";

const R = "/var/lib/dokku/data/shared";
const mount = (cache: string, c: string): MountSpec => ({
    cache,
    hostPath: `${R}/${cache}`,
    containerPath: c,
    readOnly: false,
});
const pip = mount("pip", "/root/.cache/pip");
const npm = mount("npm", "/root/.cache/npm");
const host = (mounts: MountSpec[], env: Record<string, string>): ObservedApp => ({
    exists: true,
    mounts: mounts.map((m) => ({ host_path: m.hostPath, container_path: m.containerPath })),
    env,
});
const applied = (mounts: MountSpec[], env: Record<string, string>) => ({
    mounts: mounts.map((m) => ({ h: m.hostPath, c: m.containerPath })),
    env,
});
const PIP_ENV = { PIP_CACHE_DIR: "/root/.cache/pip" };
const NPM_ENV = { NPM_CONFIG_CACHE: "/root/.cache/npm" };

describe("drift against what the last converge applied", () => {
    it("a cache added to the stack is no drift (the host has what the last up applied)", () => {
        const o = { ...host([pip], PIP_ENV), applied: applied([pip], PIP_ENV) };
        expect(driftOf({ mounts: [pip, npm], env: { ...PIP_ENV, ...NPM_ENV } }, o)).to.equal("");
    });

    it("a value the stack changed is no drift; the host losing an applied one is", () => {
        const o = { ...host([pip], PIP_ENV), applied: applied([pip], PIP_ENV) };
        expect(driftOf({ mounts: [pip], env: { PIP_CACHE_DIR: "/other" } }, o)).to.equal("");
        const lost = { ...host([], { PIP_CACHE_DIR: "/x" }), applied: applied([pip], PIP_ENV) };
        expect(driftOf({ mounts: [pip, npm], env: { ...PIP_ENV, ...NPM_ENV } }, lost)).to.equal(
            "mount /root/.cache/pip missing; env PIP_CACHE_DIR differs",
        );
    });

    it("what the stack no longer wants is no drift even when the host lost it", () => {
        const o = { ...host([], {}), applied: applied([pip, npm], { ...PIP_ENV, ...NPM_ENV }) };
        expect(driftOf({ mounts: [npm], env: NPM_ENV }, o)).to.equal(
            "mount /root/.cache/npm missing; env NPM_CONFIG_CACHE missing",
        );
    });

    it("without a ledger record (verify, or an older ledger read as null) it compares with the stack", () => {
        expect(driftOf({ mounts: [pip, npm], env: NPM_ENV }, host([pip], {}))).to.equal(
            "mount /root/.cache/npm missing; env NPM_CONFIG_CACHE missing",
        );
        expect(
            driftOf({ mounts: [npm], env: NPM_ENV }, { ...host([], {}), applied: null }),
        ).to.equal("mount /root/.cache/npm missing; env NPM_CONFIG_CACHE missing");
    });
});

describe("outputs keyed by what a user recognizes (preview diffs by key)", () => {
    it("mounts by container path, build options by text, a last run by path, key and option", async () => {
        const { buildOptionsByText, lastRunView, mountsByPath } =
            await import("../../report/summary");
        expect(mountsByPath([pip, { ...npm, readOnly: true }])).to.deep.equal({
            "/root/.cache/pip": `${R}/pip`,
            "/root/.cache/npm": `${R}/npm (read-only)`,
        });
        const o = `-v ${R}/pip:/root/.cache/pip:rw`;
        expect(buildOptionsByText({ herokuish: [o], pack: [o, "x"] })).to.deep.equal({
            [o]: "herokuish, pack",
            x: "pack",
        });
        expect(
            lastRunView({
                app: "api",
                changes: 4,
                mounted: [`${R}/npm:/root/.cache/npm`],
                remounted: [`${R}/pip:/root/.cache/pip:ro`],
                unmounted: [`${R}/uv:/root/.cache/uv`],
                migrated: [],
                envSet: ["NPM_CONFIG_CACHE"],
                envRestored: ["PIP_CACHE_DIR"],
                envUnset: ["UV_CACHE_DIR"],
                buildAdded: [o],
                buildRemoved: [],
                restarted: true,
            }),
        ).to.deep.equal({
            app: "api",
            changes: 4,
            restarted: true,
            mounts: {
                "/root/.cache/npm": "mounted",
                "/root/.cache/pip": "remounted",
                "/root/.cache/uv": "unmounted",
            },
            env: {
                NPM_CONFIG_CACHE: "set",
                PIP_CACHE_DIR: "restored to the value before ours",
                UV_CACHE_DIR: "unset",
            },
            build: { [o]: "added" },
        });
    });
});
