import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { installMocks, recorded, unwrap } from "../../cli/plan-mocks";
import { HOST_KEY, validRaw } from "../fixtures/settings";
import type { Observed } from "../../host/probe";
import type { ConnectionSpec } from "../../config";

installMocks();

const KEY =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAsecretbytesNOTREAL\n-----END OPENSSH PRIVATE KEY-----\n";

type Program = typeof import("../../program");
type Top = typeof import("../../components/dokku-shared-cache");
let program: Program;
let top: Top;

describe("resource graph (mocks)", () => {
    before(async () => {
        program = await import("../../program");
        top = await import("../../components/dokku-shared-cache");
    });
    beforeEach(() => recorded.splice(0));

    async function runWith(raw = validRaw(), observed?: Observed) {
        const probes: { apps: readonly string[]; everyApp: boolean }[] = [];
        const out = await program.runProgram({
            raw: { ...raw, detectDrift: observed !== undefined, discover: raw.discover },
            privateKey: pulumi.secret(KEY),
            probe: async (
                _c: ConnectionSpec,
                _k: string,
                apps: readonly string[],
                everyApp = false,
            ) => {
                probes.push({ apps, everyApp });
                if (!observed) throw new Error("probe not expected");
                return observed;
            },
        });
        await new Promise((r) => setTimeout(r, 50));
        return { out, probes };
    }

    it("creates one SharedCaches, one AppCaches per app, each with its command, all named from their parent", async () => {
        await runWith();
        const types = recorded.map((r) => `${r.type} ${r.name}`);
        expect(types).to.include.members([
            "dokku-shared-cache:index:DokkuSharedCache dokku",
            "dokku-shared-cache:index:SharedCaches dokku-caches",
            "command:remote:Command dokku-caches-pip",
            "command:remote:Command dokku-caches-rust",
            "dokku-shared-cache:index:AppCaches dokku-app-api",
            "command:remote:Command dokku-app-api-converge",
            "dokku-shared-cache:index:AppCaches dokku-app-web",
            "dokku-shared-cache:index:AppCaches dokku-app-worker",
            "dokku-shared-cache:index:BuildCache dokku-build-cache",
            "command:remote:Command dokku-build-cache-schedule",
            "dokku-shared-cache:index:FirstAid dokku-first-aid",
            "command:remote:Command dokku-first-aid-run",
        ]);
        // 5 cache dirs + 3 apps + the build-cache schedule (on by default) + the first aid.
        expect(recorded.filter((r) => r.type === "command:remote:Command")).to.have.length(
            5 + 3 + 1 + 1,
        );
        expect(
            recorded.filter((r) => r.type === "dokku-shared-cache:index:AppCaches"),
        ).to.have.length(3);
    });

    it("connection.sudo: every remote command's create, update and delete runs through sudo -n", async () => {
        await runWith(
            validRaw({
                connection: {
                    host: "127.0.0.1",
                    port: 2222,
                    user: "deploy",
                    sudo: true,
                    hostKey: HOST_KEY,
                },
                buildCache: { pruneNow: true, cachesPruneNow: true },
            }),
            {
                apps: ["api", "web", "worker"],
                state: Object.fromEntries(
                    ["api", "web", "worker"].map((a) => [
                        a,
                        { exists: true, mounts: [], env: {}, repair: null, unread: true },
                    ]),
                ),
                // a full disk: the first aid is due, so its command text carries a generation
                disk: [
                    {
                        mount: "/",
                        sizeBytes: 40e9,
                        availBytes: 0,
                        labels: ["docker", "dokku", "shared", "state"],
                        paths: ["/var/lib/docker", "/var/lib/dokku"],
                    },
                ],
                firstAid: 0,
            },
        );
        const commands = recorded.filter((r) => r.type === "command:remote:Command");
        expect(commands.map((c) => c.name)).to.include.members([
            "dokku-first-aid-run",
            "dokku-build-cache-schedule",
            "dokku-app-api-converge",
        ]);
        for (const c of commands) {
            for (const k of ["create", "update", "delete"]) {
                const text = c.inputs[k];
                if (text === undefined) continue;
                expect(String(text), `${c.name}.${k}`).to.match(/^sudo -n sh -s/);
            }
        }
    });

    it("parents every child and prefixes its name with the parent's", async () => {
        const { DokkuSharedCache } = top;
        recorded.splice(0);
        const { validateSettings } = await import("../../config");
        const { buildDesiredState } = await import("../../model/desired-state");
        const { remoteConnection } = await import("../../components/remote-command");
        const s = validateSettings(validRaw());
        const host = new DokkuSharedCache("h", {
            connection: remoteConnection(s.connection, pulumi.secret(KEY)),
            desired: buildDesiredState(s),
            connectionId: "test",
        });
        const children: [pulumi.Resource, string][] = [
            [host.caches, "h"],
            ...host.caches.commands.map((c): [pulumi.Resource, string] => [c, "h-caches"]),
            ...Object.values(host.apps).map((a): [pulumi.Resource, string] => [a, "h"]),
        ];
        for (const [child, parentName] of children) {
            const urn = await unwrap(child.urn);
            const name = urn.split("::").pop()!;
            expect(
                name.startsWith(parentName + "-"),
                `${name} is not named from ${parentName}`,
            ).to.equal(true);
            // A child's URN type is its parent's type chain joined with "$".
            const typeChain = urn.split("::")[2];
            const parentType = parentName === "h" ? "DokkuSharedCache" : "SharedCaches";
            expect(
                typeChain.startsWith(`dokku-shared-cache:index:${parentType}$`),
                `${name} has no parent`,
            ).to.equal(true);
        }
    });

    it("puts quoted commands in the scripts and the secret key only in the connection", async () => {
        await runWith();
        const conv = recorded.find((r) => r.name === "dokku-app-api-converge")!;
        // Short stable command texts (they appear in the provider's errors); the scripts on stdin.
        expect(conv.inputs.create).to.equal("sh -s converge");
        expect(conv.inputs.update).to.equal("sh -s converge");
        expect(conv.inputs.delete).to.equal("sh -s remove");
        const create = conv.inputs.stdin as string;
        expect(create).to.contain("APP='api'");
        expect(create).to.contain(
            `WENV='{"PIP_CACHE_DIR":"/root/.cache/pip","UV_CACHE_DIR":"/root/.cache/uv"}'`,
        );
        expect(create).to.contain('--quiet config:set --encoded --no-restart "$APP" "$@"');
        expect(create).to.match(/remove\)\n\{\n[^]*WANT='\[\]'/);
        const raw = conv.inputs.connection as Record<string, unknown>;
        // The whole connection is serialised as a secret because it holds the key.
        expect(raw["4dabf18193072939515e22adb298388d"]).to.equal(
            "1b47061264138c4ac30d75fd1eb44270",
        );
        const conn = raw.value as Record<string, unknown>;
        expect(conn).to.deep.include({
            host: "127.0.0.1",
            port: 2222,
            user: "root",
            hostKey: HOST_KEY,
        });
        for (const r of recorded) {
            const text = JSON.stringify({ ...r.inputs, connection: undefined });
            expect(text, `${r.name} leaks the key`).not.to.contain("secretbytes");
        }
    });

    it("marks the private key secret", async () => {
        const { remoteConnection } = await import("../../components/remote-command");
        const { validateSettings } = await import("../../config");
        const c = remoteConnection(validateSettings(validRaw()).connection, KEY);
        expect(await pulumi.isSecret(pulumi.output(c.privateKey!))).to.equal(true);
    });

    it("exports a readable summary and per-app honesty about builds", async () => {
        const { out } = await runWith();
        const summary = await unwrap(out.summary);
        expect(summary).to.contain("5 shared cache dir(s) under /var/lib/dokku/data/shared");
        expect(summary).to.contain("api: pip, uv; builds use caches: no (dockerfile)");
        const apps = await unwrap(out.apps);
        expect(apps.api.cachesHelpBuild).to.equal(false);
        expect(apps.api.buildNote).to.match(/never the image build/);
        expect(apps.web.mounts).to.include({
            "/root/.cache/ms-playwright": "/var/lib/dokku/data/shared/ms-playwright",
        });
    });

    it("rejects bad config before creating anything or touching the host", async () => {
        let err: unknown;
        try {
            await runWith(validRaw({ apps: ["a;reboot"] }), { apps: [], state: {} });
        } catch (e) {
            err = e;
        }
        expect(pulumi.InputPropertiesError.isInstance(err)).to.equal(true);
        expect(recorded).to.have.length(0);
    });

    it("first aid: a file system below disk.minFree makes the next generation; above it the text stays", async () => {
        const fs1 = (avail: number) => ({
            mount: "/",
            sizeBytes: 40e9,
            availBytes: avail,
            labels: ["docker", "dokku", "shared", "state"],
            paths: [
                "/var/lib/docker",
                "/var/lib/dokku",
                "/var/lib/dokku/data/shared",
                "/var/lib/dokku-shared-cache",
            ],
        });
        const state = {
            api: { exists: true, mounts: [], env: {}, repair: null, unread: true },
            web: { exists: true, mounts: [], env: {}, repair: null, unread: true },
            worker: { exists: true, mounts: [], env: {}, repair: null, unread: true },
        };
        /** The first aid command's create/update/delete after a run whose probe saw `avail` free and record `rec`. */
        const firstAidText = async (avail: number, rec: number) => {
            recorded.splice(0);
            await runWith(validRaw({ disk: { minFree: "2GB" } }), {
                apps: ["api", "web", "worker"],
                state,
                disk: [fs1(avail)],
                firstAid: rec,
            });
            const c = recorded.find((r) => r.name === "dokku-first-aid-run")!;
            return [c.inputs.create, c.inputs.update, c.inputs.delete];
        };
        const next = ["sh -s converge 5", "sh -s converge 5", undefined];
        expect(await firstAidText(0, 4), "below minFree: the next generation").to.deep.equal(next);
        expect(await firstAidText(3e9, 5), "above it: the recorded one").to.deep.equal(next);
        const stdin = String(recorded.find((r) => r.name === "dokku-first-aid-run")!.inputs.stdin);
        expect(stdin).to.contain("MIN='2000000000'").and.not.contain("/gen/");
    });

    it("fails naming a configured app that is missing on the host, creating nothing", async () => {
        const observed: Observed = {
            apps: ["api", "web"],
            state: {
                api: { exists: true, mounts: [], env: {} },
                web: { exists: true, mounts: [], env: {} },
                worker: { exists: false, mounts: [], env: {} },
            },
        };
        let err: unknown;
        try {
            await runWith(validRaw(), observed);
        } catch (e) {
            err = e;
        }
        expect(String((err as Error).message)).to.contain("worker");
        expect(recorded).to.have.length(0);
    });

    it("turns drift into a trigger on exactly the drifted app, and discovers apps minus excludes", async () => {
        const inSync = (mounts: [string, string][], env: Record<string, string>) => ({
            exists: true,
            mounts: mounts.map(([h, c]) => ({ host_path: h, container_path: c })),
            env,
        });
        const R = "/var/lib/dokku/data/shared";
        const observed: Observed = {
            apps: ["api", "legacy", "scratch", "Bad;name"],
            state: {
                api: inSync([[`${R}/pip`, "/root/.cache/pip"]], {
                    PIP_CACHE_DIR: "/root/.cache/pip",
                    UV_CACHE_DIR: "/root/.cache/uv",
                }),
                legacy: inSync([], {}),
            },
        };
        const { out, probes } = await runWith(
            validRaw({
                apps: [{ name: "api", caches: ["pip", "uv"] }],
                discover: { enabled: true, exclude: ["scratch"], caches: ["pip"] },
            }),
            observed,
        );
        expect(probes).to.deep.equal([{ apps: ["api"], everyApp: true }]);
        const apps = await unwrap(out.apps);
        expect(Object.keys(apps).sort()).to.deep.equal(["api", "legacy"]);
        expect(apps.legacy.discovered).to.equal(true);
        const drift = await unwrap(out.drift);
        expect(drift).to.deep.equal({
            api: "mount /root/.cache/uv missing",
            legacy: "mount /root/.cache/pip missing; env PIP_CACHE_DIR missing",
        });
        const conv = recorded.find((r) => r.name === "dokku-app-api-converge")!;
        // Drift changes the script (an update), never triggers (a replacement).
        expect(conv.inputs.triggers).to.equal(undefined);
        // The generation is in the command text, not the script (which does not depend on drift).
        expect(conv.inputs.create).to.equal("sh -s converge 1");
        expect(conv.inputs.stdin as string).not.to.contain("repair generation");
        expect(conv.inputs.update).to.equal(conv.inputs.create);
        const legacy = recorded.find((r) => r.name === "dokku-app-legacy-converge")!;
        expect(legacy.inputs.create).to.equal("sh -s converge 1");
    });
});
