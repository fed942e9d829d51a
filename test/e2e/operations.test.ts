/**
 * Scenarios 10–13 of issue 10 with the real engine on a converged loopback
 * host (Dokku 0.38 double): `pulumi refresh`, `pulumi up --target`, a rotated
 * connection (new host key, new port) and an option that changes nothing on
 * the host (`detectDrift` toggled).
 */
import { expect } from "chai";
import { storageEntryName } from "../../host/storage-entries";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import {
    World,
    cachePath,
    changes,
    endWorld,
    hostConfig,
    makeWorld,
    mountsOf,
    ok,
    previewJson,
    restarted,
    writeSummary,
} from "./world";

const APPS = ["api", "web", "worker"];

/** Every app's mounts and env, to compare the host before and after. */
function snapshot(w: World): Record<string, { mounts: string[]; env: Record<string, string> }> {
    return Object.fromEntries(
        APPS.map((a) => [a, { mounts: mountsOf(w.host, a), env: w.host.config(a) }]),
    );
}

/** The value of `key` in the host's sshd_config. */
function sshdSetting(w: World, key: string): string {
    const cfg = fs.readFileSync(path.join(w.host.root, "sshd", "sshd_config"), "utf8");
    const m = new RegExp(`^${key} (.+)$`, "m").exec(cfg);
    if (!m) throw new Error(`no ${key} in sshd_config`);
    return m[1];
}

/** A TCP relay from a new loopback port to the host's sshd (the host "moved" to that port). */
function relay(to: number): Promise<{ port: number; close: () => void }> {
    return new Promise((resolve, reject) => {
        const sockets = new Set<net.Socket>();
        const server = net.createServer((c) => {
            const up = net.connect(to, "127.0.0.1");
            sockets.add(c).add(up);
            c.pipe(up).pipe(c);
            const end = () => {
                c.destroy();
                up.destroy();
            };
            c.on("error", end).on("close", end);
            up.on("error", end).on("close", end);
        });
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () =>
            resolve({
                port: (server.address() as net.AddressInfo).port,
                close: () => {
                    for (const s of sockets) s.destroy();
                    server.close();
                },
            }),
        );
    });
}

describe("e2e operations on a converged stack (scenarios 10-13)", function () {
    this.timeout(600000);
    let w: World;
    let config: Record<string, unknown>;
    let converged: ReturnType<typeof snapshot>;
    let proxy: { port: number; close: () => void } | undefined;

    before(async () => {
        w = await makeWorld("0.38");
        for (const a of APPS) w.host.createApp(a, true);
        w.host.dokku("config:set", "--no-restart", "web", "USER_OWN=1");
        config = hostConfig(w.host, {
            apps: [
                { name: "api", caches: ["pip", "uv"] },
                { name: "web", caches: ["npm", "ms-playwright"] },
                { name: "worker", caches: ["pip", "rust"] },
            ],
            buildCache: { schedule: "daily", olderThan: "168h", maxSize: "20GB" },
        });
        w.stack.setConfig(config);
        ok(await w.stack.up());
        converged = snapshot(w);
        expect(converged.api.mounts).to.have.length(2);
    });
    after(async () => {
        proxy?.close();
        await endWorld(w);
    });

    it("10. pulumi refresh changes nothing on the host, and the next up is a no-op", async () => {
        w.host.clearLog();
        const before = await w.stack.exportState();
        ok(await w.stack.refresh());
        expect(w.host.log(), "refresh runs nothing on the host").to.deep.equal([]);
        const after = await w.stack.exportState();
        expect((after.deployment.resources ?? []).map((r) => r.urn)).to.deep.equal(
            (before.deployment.resources ?? []).map((r) => r.urn),
        );
        ok(await w.stack.preview("--expect-no-changes"));
        ok(await w.stack.up("--expect-no-changes"));
        expect(w.host.writes()).to.deep.equal([]);
        expect(w.host.restarts()).to.deep.equal([]);
        expect(snapshot(w)).to.deep.equal(converged);
    });

    it("11. pulumi up --target one app's command touches only that app", async () => {
        // Two apps change; only api's command is targeted.
        config.apps = [
            { name: "api", caches: ["pip"] },
            { name: "web", caches: ["npm"] },
            { name: "worker", caches: ["pip", "rust"] },
        ];
        w.stack.setConfig(config);
        const st = await w.stack.exportState();
        const urn = (st.deployment.resources ?? [])
            .map((r) => r.urn)
            .find((u) => u.endsWith("::dokku-app-api-converge"));
        expect(urn).to.be.a("string");
        w.host.clearLog();
        ok(await w.stack.up("--target", urn!));
        // Dokku 0.38: the uv entry no other app uses is destroyed (host/storage-entries.ts).
        const uv = storageEntryName("uv", cachePath(w.host, "uv"));
        expect(writeSummary(w.host)).to.deep.equal([
            "storage:unmount api",
            `storage:destroy ${uv}`,
            "config:unset api",
        ]);
        expect(restarted(w.host)).to.deep.equal(["api"]);
        expect(mountsOf(w.host, "web")).to.deep.equal(converged.web.mounts);
        expect(w.host.config("web")).to.deep.equal(converged.web.env);
        // web's change is still pending, and only that.
        const pre = await previewJson(w.stack);
        ok(pre.r);
        expect(changes(pre.json)).to.deep.equal(["update dokku-app-web-converge"]);
        w.host.clearLog();
        ok(await w.stack.up());
        const playwright = storageEntryName("ms-playwright", cachePath(w.host, "ms-playwright"));
        expect(writeSummary(w.host)).to.deep.equal([
            "storage:unmount web",
            `storage:destroy ${playwright}`,
            "config:unset web",
        ]);
        expect(w.host.config("web")).to.deep.equal({
            USER_OWN: "1",
            NPM_CONFIG_CACHE: "/root/.cache/npm",
        });
        converged = snapshot(w);
    });

    /** With `config` as it is now: no delete planned; up writes and restarts nothing; no changes after. */
    async function upUndoesNothing(): Promise<void> {
        w.stack.setConfig(config);
        const pre = await previewJson(w.stack);
        ok(pre.r);
        const ops = new Set(pre.json.steps.map((s) => s.op));
        expect(ops.has("delete") || ops.has("delete-replaced"), "no delete").to.equal(false);
        w.host.clearLog();
        ok(await w.stack.up());
        expect(w.host.writes()).to.deep.equal([]);
        expect(w.host.restarts()).to.deep.equal([]);
        expect(snapshot(w)).to.deep.equal(converged);
        ok(await w.stack.preview("--expect-no-changes"));
    }

    it("12. a rotated connection (new host key, then new port) does not strip the host", async () => {
        // New host key: sshd re-reads its key on SIGHUP.
        const hk = sshdSetting(w, "HostKey");
        fs.rmSync(hk);
        fs.rmSync(hk + ".pub");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hk]);
        const newKey = fs.readFileSync(hk + ".pub", "utf8").trim();
        const pid = Number(fs.readFileSync(sshdSetting(w, "PidFile"), "utf8"));
        process.kill(pid, "SIGHUP");
        // The old pin is now refused (before anything runs on the host)...
        await new Promise((r) => setTimeout(r, 500));
        w.host.clearLog();
        const refused = await w.stack.preview();
        expect(refused.code).not.to.equal(0);
        expect(refused.stdout + refused.stderr).to.match(/host key|Host key/);
        expect(w.host.log()).to.deep.equal([]);
        // ...and the rotated connection converges without undoing anything.
        const conn = config.connection as Record<string, unknown>;
        config.connection = { ...conn, hostKey: newKey };
        await upUndoesNothing();
        // New port: the host now answers on another port (a relay to the same sshd).
        proxy = await relay(w.host.port);
        config.connection = { ...conn, hostKey: newKey, port: proxy.port };
        await upUndoesNothing();
        expect(fs.existsSync(cachePath(w.host, "pip"))).to.equal(true);
    });

    it("13. toggling detectDrift (nothing changes on the host) updates nothing, also after a drift repair", async () => {
        // A drift repair first, so the apps' repair generations are not all 0.
        w.host.dokku("config:unset", "--no-restart", "worker", "CARGO_HOME");
        ok(await w.stack.up());
        expect(w.host.config("worker")).to.include({ CARGO_HOME: "/root/.cargo" });
        for (const detectDrift of [false, true, false]) {
            config.detectDrift = detectDrift;
            w.stack.setConfig(config);
            w.host.clearLog();
            const pre = await previewJson(w.stack);
            ok(pre.r);
            expect(changes(pre.json), `detectDrift: ${detectDrift}`).to.deep.equal([]);
            ok(await w.stack.up("--expect-no-changes"));
            expect(w.host.writes()).to.deep.equal([]);
            expect(w.host.restarts()).to.deep.equal([]);
        }
        // With detection off, a real change still converges (and keeps the repair generation).
        config.apps = [
            { name: "api", caches: ["pip", "uv"] },
            { name: "web", caches: ["npm"] },
            { name: "worker", caches: ["pip", "rust"] },
        ];
        w.stack.setConfig(config);
        w.host.clearLog();
        ok(await w.stack.up());
        expect(writeSummary(w.host)).to.deep.equal([
            `storage:create ${storageEntryName("uv", cachePath(w.host, "uv"))}`,
            "storage:mount api",
            "config:set api",
        ]);
        config.detectDrift = true;
        w.stack.setConfig(config);
        ok(await w.stack.preview("--expect-no-changes"));
    });
});
