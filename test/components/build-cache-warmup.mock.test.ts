/**
 * BuildCache, CacheWarmup (@pulumi/docker) and cache groups in the resource
 * graph, under mocks (the Docker provider cannot run here).
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installMocks, recorded, unwrap } from "../../cli/plan-mocks";
import { HOST_KEY, validRaw } from "../fixtures/settings";
import type { RawSettings } from "../../config";

installMocks();

const KEY =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAsecretbytesNOTREAL\n-----END OPENSSH PRIVATE KEY-----\n";
const IMAGE = "mcr.microsoft.com/playwright:v1.57.0-noble";

describe("build cache, warm-up and cache groups (mocks)", () => {
    let program: typeof import("../../program");
    let home: string;
    const oldHome = process.env.HOME;
    before(async () => {
        program = await import("../../program");
        home = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-home-"));
        process.env.HOME = home;
    });
    after(() => {
        process.env.HOME = oldHome;
        fs.rmSync(home, { recursive: true, force: true });
    });
    beforeEach(() => recorded.splice(0));

    async function run(over: Partial<RawSettings>) {
        const out = await program.runProgram({
            raw: { ...validRaw(over), detectDrift: false },
            privateKey: pulumi.secret(KEY),
        });
        await new Promise((r) => setTimeout(r, 50));
        return out;
    }
    const byName = (n: string) => recorded.find((r) => r.name === n);

    it("installs the schedule by default and nothing else of the build cache", async () => {
        await run({});
        const sched = byName("dokku-build-cache-schedule")!;
        expect(sched.type).to.equal("command:remote:Command");
        expect(sched.inputs.create).to.equal("sh -s converge");
        expect(sched.inputs.delete).to.equal("sh -s remove");
        expect(sched.inputs.stdin as string).to.match(/buildx.*prune/);
        expect(sched.inputs.stdin as string).to.contain("until=168h");
        expect(sched.inputs.stdin as string).to.contain("dokku-shared-cache-prune.timer");
        expect(byName("dokku-build-cache-prune-now")).to.equal(undefined);
        expect(byName("dokku-build-cache-daemon-gc")).to.equal(undefined);
    });

    it("adds the one-off prune (triggered by its token) and the daemon.json GC on request", async () => {
        const out = await run({
            buildCache: { schedule: "off", pruneNow: "2026-11-25", gc: { maxUsedSpace: "80GB" } },
        });
        const now = byName("dokku-build-cache-prune-now")!;
        expect(now.inputs.triggers).to.deep.equal(["2026-11-25"]);
        expect(now.inputs.delete).to.equal(undefined);
        expect(now.inputs.create).to.equal("sh -s converge");
        expect(now.inputs.stdin as string).to.contain("docker system df");
        const gc = byName("dokku-build-cache-daemon-gc")!;
        expect(gc.inputs.stdin as string).to.contain('"defaultMaxUsedSpace":"80000000000"');
        expect(gc.inputs.stdin as string).to.contain("dockerd --validate");
        expect(gc.inputs.stdin as string).to.match(/remove\)\n\{\n[^]*daemon-gc\.json/);
        // schedule off but a one-off prune needs the script: installed, removable on destroy.
        expect(byName("dokku-build-cache-schedule")).to.not.equal(undefined);
        const summary = await unwrap(out.summary);
        expect(summary).to.contain("prune not scheduled");
        expect(summary).to.contain("needs a Docker restart you do yourself");
    });

    it("creates no build-cache resources with buildCache: false", async () => {
        const out = await run({ buildCache: false });
        expect(recorded.filter((r) => r.name.startsWith("dokku-build-cache"))).to.deep.equal([]);
        expect(await unwrap(out.summary)).to.contain("not managed");
    });

    it("warms ms-playwright through a Docker provider over ssh:// with the pinned key", async () => {
        await run({
            warmup: { playwright: { image: IMAGE, identityFile: "/home/me/.ssh/id_ed25519" } },
        });
        const prov = recorded.find((r) => r.type === "pulumi:providers:docker")!;
        expect(prov.name).to.equal("dokku-warmup-ms-playwright-docker");
        expect(prov.inputs.host).to.equal("ssh://root@127.0.0.1:2222");
        const sshOpts = JSON.parse(prov.inputs.sshOpts as string) as string[];
        expect(sshOpts).to.include.members([
            "StrictHostKeyChecking=yes",
            "UserKnownHostsFile=~/.dokku-shared-cache/known_hosts",
            "-i",
            "/home/me/.ssh/id_ed25519",
        ]);
        const known = fs.readFileSync(path.join(home, ".dokku-shared-cache/known_hosts"), "utf8");
        expect(known).to.equal(`[127.0.0.1]:2222 ${HOST_KEY}\n`);
        const img = recorded.find((r) => r.type === "docker:index/remoteImage:RemoteImage")!;
        expect(img.inputs).to.include({ name: IMAGE, keepLocally: true });
        const c = recorded.find((r) => r.type === "docker:index/container:Container")!;
        expect(c.name).to.equal("dokku-warmup-ms-playwright-run");
        expect(c.inputs).to.include({
            name: "dokku-shared-cache-warmup-ms-playwright",
            mustRun: false,
            attach: true,
        });
        expect(c.inputs.volumes).to.deep.equal([
            { hostPath: "/var/lib/dokku/data/shared/ms-playwright", containerPath: "/cache" },
        ]);
        expect((c.inputs.command as string[]).join(" ")).to.contain(
            "cp -a /ms-playwright/. /cache/",
        );
        // Running the program twice adds no duplicate known_hosts line.
        recorded.splice(0);
        await run({ warmup: { playwright: { image: IMAGE } } });
        expect(
            fs.readFileSync(path.join(home, ".dokku-shared-cache/known_hosts"), "utf8"),
        ).to.equal(known);
        // No key material anywhere in the docker resources.
        for (const r of recorded.filter(
            (x) => x.type.startsWith("docker") || x.type.includes("docker"),
        )) {
            expect(JSON.stringify(r.inputs)).not.to.contain("secretbytes");
        }
    });

    it("creates no Docker resources unless warm-up is asked for", async () => {
        await run({});
        expect(recorded.filter((r) => r.type.includes("docker"))).to.deep.equal([]);
    });

    it("creates one directory per group and cache, and mounts each app from its group's", async () => {
        const out = await run({
            apps: [
                { name: "api", caches: ["pip"], group: "trusted" },
                { name: "sandbox", caches: ["pip"], group: "untrusted", readOnly: ["pip"] },
            ],
        });
        const dirs = await unwrap(out.cacheDirs);
        expect(dirs["pip@trusted"]).to.equal("/var/lib/dokku/data/shared/groups/trusted/pip");
        expect(dirs["pip@untrusted"]).to.equal("/var/lib/dokku/data/shared/groups/untrusted/pip");
        expect(byName("dokku-caches-pip@trusted")).to.not.equal(undefined);
        const apps = await unwrap(out.apps);
        expect(apps.sandbox.mounts).to.deep.equal({
            "/root/.cache/pip": "/var/lib/dokku/data/shared/groups/untrusted/pip (read-only)",
        });
        expect(await unwrap(out.summary)).to.contain("sandbox [group untrusted]: pip (ro)");
    });

    it("parents the build cache and the warm-up under the host component, named from it", async () => {
        const { DokkuSharedCache } = await import("../../components/dokku-shared-cache");
        const { validateSettings } = await import("../../config");
        const { buildDesiredState } = await import("../../model/desired-state");
        const { remoteConnection } = await import("../../components/remote-command");
        const s = validateSettings(
            validRaw({
                buildCache: { pruneNow: true, gc: true },
                warmup: { playwright: { image: IMAGE } },
                privateKey: KEY,
            }),
        );
        const host = new DokkuSharedCache("h", {
            connection: remoteConnection(s.connection, pulumi.secret(KEY)),
            desired: buildDesiredState(s),
            connectionId: "test",
            connectionSpec: s.connection,
        });
        for (const [child, type] of [
            [host.buildCache!, "BuildCache"],
            [host.warmup!, "CacheWarmup"],
        ] as const) {
            const urn = await unwrap(child.urn);
            expect(urn.split("::")[2]).to.equal(
                `dokku-shared-cache:index:DokkuSharedCache$dokku-shared-cache:index:${type}`,
            );
            expect(urn.split("::").pop()!.startsWith("h-")).to.equal(true);
        }
        const names = recorded.map((r) => r.name).filter((n) => n !== "h");
        expect(names.filter((n) => !n.startsWith("h-"))).to.deep.equal([]);
    });
});
