/**
 * Full-disk first aid on the real Dokku 0.38.27 through the real engine (testkit/full-disk-dokku.ts):
 * one small loop-mounted ext4 holds Docker's data root (a second private dockerd's, which Dokku
 * is pointed at for the test), the shared caches and the state dir; it is filled by real
 * BuildKit cache mounts from real builds, an over-bound pip cache and a filler file until writes
 * fail. `pulumi up` exits 0: the first aid prunes the build cache to its bound through the
 * daemon and the pip cache to its bound, then every app converges in the same `up`; the next
 * `up` is a no-op; nothing the user owns is lost (env values, mounts, a volume, images).
 * Run under the shared lock: flock /tmp/dsc-real-dokku.lock npx mocha --timeout 900000 test/dokku/full-disk.test.ts
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { parseDockerSize } from "../../rules/docker-size";
import { FirstAidResult } from "../../host/disk";
import { FullDiskDokku, availBytes } from "../../testkit/full-disk-dokku";
import { LOCAL_IMAGE } from "../../testkit/real-dokku-host";
import { PulumiStack } from "../../testkit/pulumi-stack";
import { E2E_ENV, ok } from "../e2e/world";

const MB = 1024 * 1024;

describe("real Dokku 0.38.27: a full disk, first aid, converge", function () {
    this.timeout(15 * 60_000);
    const w = new FullDiskDokku();
    let stack: PulumiStack;
    let deployed: string;
    let fresh: string;
    let images: string[];
    let bc: { size: string; reclaimable: string };
    let userMount: string;

    before(async () => {
        await w.setup(700);
        const h = w.host;
        h.globalSetup();
        deployed = h.createApp("full", { image: LOCAL_IMAGE });
        fresh = h.createApp("full2");
        // What the user owns: env values, a mount, a volume with data, images.
        h.setEnv(deployed, { USER_SETTING: "user's value", PIP_CACHE_DIR: "/srv/their-pip" });
        const data = path.join(h.root, "userdata");
        fs.mkdirSync(data);
        userMount = `${data}:/data`;
        h.must("storage:mount", deployed, userMount);
        w.docker("volume", "create", "dsc-fulldisk-user");
        const vol = w
            .docker("volume", "inspect", "--format", "{{.Mountpoint}}", "dsc-fulldisk-user")
            .trim();
        fs.writeFileSync(path.join(vol, "db"), "user's data\n");
        images = [LOCAL_IMAGE, ...w.buildCacheMounts(4, 40)];
        w.seedFiles(path.join(w.mnt, "shared/pip/http-v2"), 6, 4);
        // Measured before the fill: on a full disk dockerd may fail `docker system df` itself
        // ("error getting build cache usage: write …/buildkit/metadata_v2.db: no space left on
        // device", seen in a CI run of this test), BuildKit's metadata being a bbolt file it writes.
        bc = w.buildCache();
        w.fill();
        stack = await PulumiStack.create({ stack: "fulldisk", env: E2E_ENV });
        await stack.setSecret("privateKey", h.clientKey);
        stack.setConfig({
            connection: h.connection(),
            sharedRoot: path.join(w.mnt, "shared"),
            stateDir: path.join(w.mnt, "state"),
            hostPaths: h.hostPaths(),
            caches: { pip: { maxSize: "5MB" } },
            apps: [
                { name: deployed, caches: ["pip"] },
                { name: fresh, caches: ["pip"] },
            ],
            buildCache: { schedule: "daily", maxSize: "20MB" },
            disk: { minFree: "50MB" },
        });
    });
    after(async () => {
        if (stack) stack.cleanup();
        await w.teardown();
    });

    it("up on the full disk exits 0, frees the reclaimable build cache, converges every app; the next up is a no-op; the user's things stay", async () => {
        const h = w.host;
        expect(w.writeFails(), `the file system is full (${availBytes(w.mnt)} B free)`).to.equal(
            true,
        );
        const reclaimable = parseDockerSize(bc.reclaimable.split(" ")[0])!;
        expect(reclaimable).to.be.at.least(150 * MB);
        const freeBefore = availBytes(w.mnt);
        h.clearCalls();

        const t0 = Date.now();
        const up = ok(await stack.up());
        const wall = (Date.now() - t0) / 1000;
        expect(up.stdout).to.match(/first aid freed \d+ bytes/);
        const out = (await stack.outputs()) as { firstAid: FirstAidResult };
        const fa = out.firstAid;
        expect(fa.ran).to.equal(true);
        // One loop file system, counted once (dockerd bind-mounts its data root onto itself).
        const loop = fa.disk.find((d) => d.labels.includes("docker"))!;
        expect(loop.labels).to.deep.equal(["docker", "shared", "state"]);
        expect(fa.disk.filter((d) => d.sizeBytes === loop.sizeBytes)).to.have.length(1);
        expect(fa.freedBytes).to.be.below(loop.sizeBytes);
        // Down to the 20 MB bound: at least the reclaimable build cache beyond it, plus the pip cache.
        expect(fa.freedBytes).to.be.at.least(reclaimable - 20e6);
        expect(availBytes(w.mnt)).to.be.at.least(freeBefore + reclaimable - 20e6);
        expect(parseDockerSize(w.buildCache().size)!).to.be.at.most(20e6);
        expect(fs.readdirSync(path.join(w.mnt, "shared/pip/http-v2"))).to.deep.equal(["f5"]);
        const pip = `${path.join(w.mnt, "shared/pip")}:/root/.cache/pip`;
        expect(h.mountSpecs(deployed)).to.include.members([pip, userMount]);
        expect(h.mountSpecs(fresh)).to.deep.equal([pip]);
        expect(h.env(deployed)).to.include({
            USER_SETTING: "user's value",
            PIP_CACHE_DIR: "/root/.cache/pip",
        });
        expect(h.containers(deployed)).to.have.length(1);
        // For bench/full-disk.ts (timings are measured, never asserted).
        if (process.env.DSC_FULLDISK_RESULTS) {
            fs.writeFileSync(
                process.env.DSC_FULLDISK_RESULTS,
                JSON.stringify({
                    wallSeconds: wall,
                    freedBytes: fa.freedBytes,
                    dokkuCalls: h.calls().length,
                    dokkuWrites: h.writes().length,
                    buildCacheBefore: bc.size,
                    buildCacheAfter: fa.buildCacheAfter,
                    disk: fa.disk,
                }),
            );
        }

        h.clearCalls();
        ok(await stack.up("--expect-no-changes"));
        expect(h.writes()).to.deep.equal([]);
        expect(h.restarts()).to.deep.equal([]);

        // Nothing the user owns is lost.
        const tags = w.docker("images", "--format", "{{.Repository}}:{{.Tag}}").split("\n");
        expect(tags).to.include.members(images);
        const vol = w
            .docker("volume", "inspect", "--format", "{{.Mountpoint}}", "dsc-fulldisk-user")
            .trim();
        expect(fs.readFileSync(path.join(vol, "db"), "utf8")).to.equal("user's data\n");

        // Destroy gives the user back their own value.
        ok(await stack.destroy());
        expect(h.env(deployed)).to.include({
            PIP_CACHE_DIR: "/srv/their-pip",
            USER_SETTING: "user's value",
        });
        expect(h.mountSpecs(deployed)).to.deep.equal([userMount]);
    });
});
