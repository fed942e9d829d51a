/**
 * Named storage entries with the real engine against the Dokku 0.38 double over the loopback
 * sshd: a host where this program's previous release made colon mounts migrates in one `up`
 * (one restart per deployed app, the legacy-<hash> entries of those mounts cleaned, the user's
 * own mount kept), the next `up` is a no-op, and `destroy` leaves no attachment and no entry of
 * ours, and the data. A k3s-scheduled app is refused, naming it.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { storageEntryName } from "../../host/storage-entries";
import { SshHost } from "../../testkit/ssh-host";
import {
    World,
    cachePath,
    endWorld,
    entriesOf,
    hostConfig,
    makeWorld,
    mountsOf,
    ok,
    restarted,
} from "./world";

const PIP = "/root/.cache/pip";
const NPM = "/root/.cache/npm";

/** The stack of this test: api uses pip and npm, web pip; `more` apps after them. */
const stackOf = (h: SshHost, ...more: { name: string; caches: string[] }[]) =>
    hostConfig(h, {
        caches: { pip: true, npm: true },
        apps: [{ name: "api", caches: ["pip", "npm"] }, { name: "web", caches: ["pip"] }, ...more],
        buildCache: false,
    });

describe("e2e named storage entries on Dokku 0.38 (real engine): migrate, no-op, destroy", function () {
    this.timeout(600000);
    let w: World;
    const legacy = () =>
        (
            JSON.parse(w.host.dokku("storage:list-entries", "--format", "json").stdout) as {
                name: string;
                host_path: string;
            }[]
        )
            .filter((e) => e.name.startsWith("legacy-"))
            .map((e) => e.host_path)
            .sort();
    const attached = (app: string) =>
        (
            JSON.parse(w.host.dokku("storage:list", app, "--format", "json").stdout) as {
                entry_name: string;
                container_path: string;
            }[]
        )
            .map((m) => `${m.entry_name}@${m.container_path}`)
            .sort();

    before(async () => {
        w = await makeWorld("0.38");
        const h = w.host;
        h.createApp("api", true);
        h.createApp("web", true);
        h.dokku("storage:mount", "api", "/srv/api-data:/data");
        // What the previous release left (colon mounts, env, its ledger; host/app-converge.ts at 4cea608).
        const seeded: Record<string, [string, string, string][]> = {
            api: [
                ["pip", PIP, "PIP_CACHE_DIR"],
                ["npm", NPM, "NPM_CONFIG_CACHE"],
            ],
            web: [["pip", PIP, "PIP_CACHE_DIR"]],
        };
        fs.mkdirSync(path.join(h.stateDir, "apps"), { recursive: true });
        for (const [app, ms] of Object.entries(seeded)) {
            for (const [c, cp] of ms) {
                fs.mkdirSync(cachePath(h, c), { recursive: true });
                h.dokku("storage:mount", app, `${cachePath(h, c)}:${cp}`);
            }
            h.dokku("config:set", "--no-restart", app, ...ms.map(([, cp, k]) => `${k}=${cp}`));
            fs.writeFileSync(
                path.join(h.stateDir, "apps", `${app}.json`),
                JSON.stringify({
                    mounts: ms.map(([c, cp]) => ({ h: cachePath(h, c), c: cp, ro: false })),
                    env: Object.fromEntries(ms.map(([, cp, k]) => [k, { ours: cp, prev: null }])),
                    pendingRestart: false,
                    repair: 0,
                }),
            );
        }
        fs.writeFileSync(path.join(cachePath(h, "pip"), "wheel.whl"), "pip data\n");
        w.stack.setConfig(stackOf(h));
    });
    after(async () => endWorld(w));

    it("up migrates the colon mounts to named entries with one restart per app", async () => {
        const h = w.host;
        expect(legacy()).to.deep.equal(
            ["/srv/api-data", cachePath(h, "npm"), cachePath(h, "pip")].sort(),
        );
        h.clearLog();
        ok(await w.stack.up());
        const pip = storageEntryName("pip", cachePath(h, "pip"));
        const npm = storageEntryName("npm", cachePath(h, "npm"));
        expect(entriesOf(h)).to.deep.equal([npm, pip].sort());
        expect(attached("api").filter((a) => !a.endsWith("@/data"))).to.deep.equal(
            [`${pip}@${PIP}`, `${npm}@${NPM}`].sort(),
        );
        expect(attached("web")).to.deep.equal([`${pip}@${PIP}`]);
        expect(mountsOf(h, "api")).to.include("/srv/api-data:/data");
        expect(legacy(), "only the user's legacy entry is left").to.deep.equal(["/srv/api-data"]);
        expect(restarted(h)).to.deep.equal(["api", "web"]);
    });

    it("the next up is a no-op: no write, no restart", async () => {
        const h = w.host;
        h.clearLog();
        ok(await w.stack.up("--expect-no-changes"));
        expect(h.writes()).to.deep.equal([]);
        expect(h.restarts()).to.deep.equal([]);
    });

    it("a k3s-scheduled app added to the stack is refused, naming it; nothing is mounted there", async () => {
        const h = w.host;
        h.createApp("kube", true);
        h.dokku("scheduler:set", "kube", "selected", "k3s");
        w.stack.setConfig(stackOf(h, { name: "kube", caches: ["pip"] }));
        h.clearLog();
        const up = await w.stack.up();
        expect(up.code).not.to.equal(0);
        expect(up.stdout + up.stderr).to.contain("app kube runs on the k3s scheduler");
        expect(mountsOf(h, "kube")).to.deep.equal([]);
        expect(h.writes().filter((i) => i.args.includes("kube"))).to.deep.equal([]);
        w.stack.setConfig(stackOf(h));
        ok(await w.stack.up());
    });

    it("destroy leaves no attachment and no entry of ours; the data and the user's mount stay", async () => {
        const h = w.host;
        h.clearLog();
        ok(await w.stack.destroy());
        expect(mountsOf(h, "api")).to.deep.equal(["/srv/api-data:/data"]);
        expect(mountsOf(h, "web")).to.deep.equal([]);
        expect(entriesOf(h)).to.deep.equal([]);
        expect(legacy()).to.deep.equal(["/srv/api-data"]);
        expect(h.config("api")).to.deep.equal({});
        expect(fs.readFileSync(path.join(cachePath(h, "pip"), "wheel.whl"), "utf8")).to.equal(
            "pip data\n",
        );
    });
});
