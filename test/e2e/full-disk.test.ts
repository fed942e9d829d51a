/**
 * Full-disk first aid with the real engine (CLI, Node.js language host, command provider 1.2.1)
 * against a real OpenSSH server on loopback with the dokku/docker doubles, on real full file
 * systems: Docker's data root is a tmpfs filled to its last byte whose build cache entries are
 * files there (the docker double removes an entry's file when it prunes it), and the shared root
 * and state dir are another tmpfs filled by an over-bound pip cache plus a filler file.
 * `pulumi preview` prunes nothing and warns; `pulumi up` exits 0: the first aid frees the build
 * cache to its bound and the shared cache to its bound before anything is written, then the app
 * converges in the same `up`; the next `up` is a no-op. When nothing can be freed, `up` fails
 * naming the file system and the command, having written nothing.
 */
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { availBytes as avail, canMountTmpfs, fill, mountTmpfs } from "../../testkit/full-fs";
import { World, changes, endWorld, hostConfig, makeWorld, ok, previewJson } from "./world";

const MB = 1024 * 1024;

describe("e2e full-disk first aid (real engine, full tmpfs)", function () {
    this.timeout(900000);
    let w: World;
    let mounted: string[] = [];
    let dockerRoot: string;
    let full: string;
    let raw: Record<string, unknown>;

    before(async function () {
        if (!canMountTmpfs()) {
            console.warn("SKIPPED: cannot mount tmpfs here (no CAP_SYS_ADMIN)");
            this.skip();
        }
        w = await makeWorld("0.38");
        w.host.createApp("api", true);
        dockerRoot = path.join(w.host.root, "var/lib/docker");
        full = path.join(w.host.root, "full");
        for (const [d, size] of [
            [dockerRoot, "32m"],
            [full, "16m"],
        ]) {
            mountTmpfs(d, `size=${size}`);
            mounted.push(d);
        }
        // Docker's side: 12 MB of old build cache, 2 MB recent, then full.
        const items = [
            { id: "old-a", size: 6 * MB, hoursAgo: 400 },
            { id: "old-b", size: 6 * MB, hoursAgo: 300 },
            { id: "recent", size: 2 * MB, hoursAgo: 1 },
        ];
        w.host.seedBuildCache(items);
        fs.mkdirSync(path.join(dockerRoot, "buildkit-double"));
        for (const i of items) {
            fs.writeFileSync(
                path.join(dockerRoot, "buildkit-double", i.id),
                Buffer.alloc(i.size, 1),
            );
        }
        // The user's own data on Docker's file system: kept.
        fs.mkdirSync(path.join(dockerRoot, "volumes/userdata/_data"), { recursive: true });
        fs.writeFileSync(path.join(dockerRoot, "volumes/userdata/_data/db"), "user's data\n");
        fill(dockerRoot);
        // The shared root: a pip cache of 8 MiB (bound 2 MB), then full.
        const pip = path.join(full, "shared/pip/http-v2");
        fs.mkdirSync(pip, { recursive: true });
        for (let i = 0; i < 8; i++) {
            const f = path.join(pip, `f${i}`);
            fs.writeFileSync(f, Buffer.alloc(MB, 2));
            const t = Date.now() / 1000 - (10 - i) * 86400;
            fs.utimesSync(f, t, t);
        }
        fill(full);
        raw = hostConfig(w.host, {
            sharedRoot: path.join(full, "shared"),
            stateDir: path.join(full, "state"),
            caches: { pip: { maxSize: "2MB" } },
            apps: [{ name: "api", caches: ["pip"] }],
            buildCache: { schedule: "daily", maxSize: "4MB" },
            disk: { minFree: "4MB" },
        });
        w.stack.setConfig(raw);
    });
    after(async () => {
        for (const m of mounted.reverse()) spawnSync("umount", ["-l", m]);
        mounted = [];
        await endWorld(w);
    });

    it("preview warns and prunes nothing; up frees space first, converges, says how much; the next up is a no-op", async () => {
        expect(avail(dockerRoot)).to.be.below(64 * 1024);
        expect(avail(full)).to.be.below(64 * 1024);
        const cache0 = w.host.buildCache();
        const pre = await previewJson(w.stack);
        ok(pre.r);
        expect(changes(pre.json)).to.include("create dokku-first-aid-run");
        const warned = (pre.json.diagnostics ?? []).map((d) => d.message).join("\n");
        expect(warned).to.match(/has \d+ bytes free, below disk\.minFree \(4MB\)/);
        expect(warned).to.contain("this preview prunes nothing");
        expect(w.host.buildCache(), "preview never prunes").to.deep.equal(cache0);
        expect(fs.readdirSync(path.join(full, "shared/pip/http-v2"))).to.have.length(8);
        expect(w.host.dockerLog().filter((i) => i.kind === "prune")).to.deep.equal([]);

        const up = ok(await w.stack.up());
        expect(up.stdout).to.match(/first aid freed \d+ bytes/);
        const out = (await w.stack.outputs()) as {
            firstAid: { ran: boolean; freedBytes: number; disk: { mount: string }[] };
        };
        expect(out.firstAid.ran).to.equal(true);
        expect(out.firstAid.freedBytes).to.be.at.least(12 * MB + 6 * MB);
        expect(w.host.buildCache().map((i) => i.id)).to.deep.equal(["recent"]);
        expect(fs.readdirSync(path.join(full, "shared/pip/http-v2"))).to.deep.equal(["f7"]);
        expect(avail(dockerRoot)).to.be.at.least(12 * MB);
        // Converged in the same up.
        expect(w.host.mounts("api")).to.deep.equal([
            `${path.join(full, "shared/pip")}:/root/.cache/pip`,
        ]);
        expect(
            fs.readFileSync(path.join(dockerRoot, "volumes/userdata/_data/db"), "utf8"),
        ).to.equal("user's data\n");
        expect(w.host.dockerLog().filter((i) => i.kind === "forbidden")).to.deep.equal([]);

        const again = await previewJson(w.stack, "--expect-no-changes");
        ok(again.r);
        expect(changes(again.json)).to.deep.equal([]);
        ok(await w.stack.up("--expect-no-changes"));
    });

    it("when nothing can be freed: up fails naming the file system and the command, nothing written", async () => {
        // Refill Docker's file system; the remaining build cache is recent and within its bound.
        fill(dockerRoot);
        const ledger = path.join(full, "state/apps/api.json");
        const before = fs.readFileSync(ledger, "utf8");
        const r = await w.stack.up();
        expect(r.code).to.not.equal(0);
        const text = r.stdout + r.stderr;
        expect(text).to.contain(`NO SPACE LEFT: ${dockerRoot} (docker`);
        expect(text).to.contain("docker builder prune --all --force");
        expect(text).to.contain("Build Cache");
        expect(fs.readFileSync(ledger, "utf8")).to.equal(before);
        expect(w.host.buildCache().map((i) => i.id)).to.deep.equal(["recent"]);
        fs.rmSync(path.join(dockerRoot, "filler"));
    });
});
