/**
 * Named storage entries on Dokku 0.38 (host/storage-entries.ts): the converge
 * script run by /bin/sh against the dokku double (testkit/double/dokku-storage.js,
 * read from Dokku v0.38.0..v0.38.27), and the colon form kept on 0.37.
 */
import { expect } from "chai";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { appScript } from "../../host/app-converge";
import { parseResults } from "../../host/result";
import { K3S_EXIT, storageEntryName } from "../../host/storage-entries";
import { AppDesired, MountSpec } from "../../model/desired-state";
import { LocalHost, withEnv } from "../../testkit/local-host";

type App = Pick<AppDesired, "name" | "mounts" | "env" | "group">;
const PATHS: Record<string, string> = { pip: "/root/.cache/pip", npm: "/root/.cache/npm" };
const ENV: Record<string, string> = { pip: "PIP_CACHE_DIR", npm: "NPM_CONFIG_CACHE" };

function app(h: LocalHost, name: string, caches: string[], ro: string[] = [], group?: string): App {
    const mounts: MountSpec[] = caches.map((c) => ({
        cache: c,
        hostPath: group ? `${h.sharedRoot}/groups/${group}/${c}` : `${h.sharedRoot}/${c}`,
        containerPath: PATHS[c],
        readOnly: ro.includes(c),
    }));
    const env = Object.fromEntries(caches.map((c) => [ENV[c], PATHS[c]]));
    return { name, mounts, env, ...(group ? { group } : {}) };
}

function run(h: LocalHost, a: App, mode: "converge" | "remove" = "converge") {
    const r = h.sh(
        appScript(
            a,
            { stateDir: h.stateDir, afterChange: "restart", maxParallelRestarts: 2 },
            mode,
        ),
    );
    return { ...r, result: parseResults(r.stdout)[0] };
}

const removal = (name: string): App => ({ name, mounts: [], env: {} });

/** Dokku's registered entries, name → host path. */
function entries(h: LocalHost): Record<string, string> {
    const list = JSON.parse(h.dokku("storage:list-entries", "--format", "json").stdout) as {
        name: string;
        host_path: string;
    }[];
    return Object.fromEntries(list.map((e) => [e.name, e.host_path]));
}

function attachments(h: LocalHost, a: string): string[] {
    const rows = JSON.parse(h.dokku("storage:list", a, "--format", "json").stdout) as {
        entry_name: string;
        container_path: string;
        readonly?: boolean;
        volume_options?: string;
    }[];
    // 0.38.13+: readonly; 0.38.0-0.38.12: "ro" inside volume_options.
    const ro = (r: (typeof rows)[number]) =>
        r.readonly === true || (r.volume_options ?? "").split(",").includes("ro");
    return rows.map((r) => `${r.entry_name}@${r.container_path}${ro(r) ? ":ro" : ""}`).sort();
}

/**
 * A host where this program's previous release (colon form on every Dokku)
 * converged `a`: its `storage:mount APP HOST:CONTAINER` calls and the ledger
 * it wrote (`{mounts: [{h, c, ro}], env: {K: {ours, prev}}, pendingRestart,
 * repair}`, host/app-converge.ts at 4cea608).
 */
function seedColon(h: LocalHost, a: App): void {
    for (const m of a.mounts) {
        const spec = `${m.hostPath}:${m.containerPath}${m.readOnly ? ":ro" : ""}`;
        const r = h.dokku("storage:mount", a.name, spec);
        if (r.code !== 0) throw new Error(r.stderr);
    }
    h.dokku(
        "config:set",
        "--no-restart",
        a.name,
        ...Object.entries(a.env).map(([k, v]) => `${k}=${v}`),
    );
    fs.mkdirSync(path.join(h.stateDir, "apps"), { recursive: true });
    fs.writeFileSync(
        path.join(h.stateDir, "apps", `${a.name}.json`),
        JSON.stringify({
            mounts: a.mounts.map((m) => ({ h: m.hostPath, c: m.containerPath, ro: m.readOnly })),
            env: Object.fromEntries(
                Object.entries(a.env).map(([k, v]) => [k, { ours: v, prev: null }]),
            ),
            pendingRestart: false,
            repair: 0,
        }),
    );
}

describe("storage entry names", () => {
    it("are DNS-1123 labels of at most 45 characters, distinct per directory", () => {
        const long = "a".repeat(40) + ".x_y";
        const names = [
            storageEntryName("pip", "/srv/shared/pip"),
            storageEntryName("pip", "/srv/other/pip"),
            storageEntryName("pip@team-a", "/srv/shared/groups/team-a/pip"),
            storageEntryName(long, "/srv/shared/" + long),
            storageEntryName("node_modules.v2", "/srv/shared/node_modules.v2"),
        ];
        for (const n of names) {
            expect(n).to.match(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
            expect(n.length).to.be.at.most(45);
            expect(n.startsWith("dsc-")).to.equal(true);
        }
        expect(new Set(names).size).to.equal(names.length);
        expect(names[0]).to.match(/^dsc-pip-[0-9a-f]{8}$/);
        expect(names[2]).to.match(/^dsc-pip-team-a-[0-9a-f]{8}$/);
    });
});

for (const version of ["0.38", "0.38.5"] as const) {
    describe(`named storage entries on Dokku ${version}`, () => {
        let h: LocalHost;
        const entry = (c: string, group?: string) =>
            storageEntryName(
                group ? `${c}@${group}` : c,
                group ? `${h.sharedRoot}/groups/${group}/${c}` : `${h.sharedRoot}/${c}`,
            );
        beforeEach(() => {
            h = new LocalHost(version);
            for (const a of ["api", "web", "solo"]) h.createApp(a, true);
            h.dokku("storage:mount", "api", "/srv/user-data:/data");
        });
        afterEach(() => h.cleanup());

        it("a fresh host: one entry per cache (and group), apps attached by name, then a no-op", () => {
            const apps = [
                app(h, "api", ["pip", "npm"]),
                app(h, "web", ["pip"], ["pip"]),
                app(h, "solo", ["pip"], [], "team-a"),
            ];
            for (const a of apps) {
                h.clearLog();
                const r = run(h, a);
                expect(r.code, r.stderr).to.equal(0);
                expect(r.result).to.deep.include({ storage: "entries", restarted: true });
                expect(
                    h
                        .writes()
                        .filter((w) => w.cmd === "storage:mount")
                        .every((w) => w.args.includes("--container-dir")),
                ).to.equal(true);
            }
            const legacy = Object.keys(entries(h)).filter((n) => n.startsWith("legacy-"));
            expect(entries(h)).to.deep.equal({
                [entry("pip")]: `${h.sharedRoot}/pip`,
                [entry("npm")]: `${h.sharedRoot}/npm`,
                [entry("pip", "team-a")]: `${h.sharedRoot}/groups/team-a/pip`,
                ...Object.fromEntries(legacy.map((n) => [n, "/srv/user-data"])),
            });
            expect(legacy).to.have.length(1); // the user's own colon mount, untouched
            expect(attachments(h, "api")).to.deep.equal(
                [
                    `${entry("pip")}@/root/.cache/pip`,
                    `${entry("npm")}@/root/.cache/npm`,
                    `${legacy[0]}@/data`,
                ].sort(),
            );
            expect(attachments(h, "web")).to.deep.equal([`${entry("pip")}@/root/.cache/pip:ro`]);
            expect(attachments(h, "solo")).to.deep.equal([
                `${entry("pip", "team-a")}@/root/.cache/pip`,
            ]);
            for (const a of apps) {
                h.clearLog();
                const r = run(h, a);
                expect(r.result).to.deep.include({ changes: 0, restarted: false });
                expect(h.log().map((i) => i.cmd)).to.deep.equal([
                    "version",
                    "storage:list",
                    "config:export",
                ]);
            }
        });

        it("migrates this program's colon mounts in one converge, one restart per app, then no-op; the user's mount stays", () => {
            const api = app(h, "api", ["pip", "npm"]);
            const web = app(h, "web", ["pip"]);
            seedColon(h, api);
            seedColon(h, web);
            const legacyOurs = Object.keys(entries(h)).filter((n) => n.startsWith("legacy-"));
            expect(legacyOurs).to.have.length(3); // user-data, pip, npm
            h.clearLog();
            const r1 = run(h, api);
            expect(r1.code, r1.stderr).to.equal(0);
            expect(r1.result).to.deep.include({ restarted: true, storage: "entries" });
            expect((r1.result as { migrated: string[] }).migrated.sort()).to.deep.equal([
                `${h.sharedRoot}/npm:/root/.cache/npm`,
                `${h.sharedRoot}/pip:/root/.cache/pip`,
            ]);
            expect(h.restarts()).to.have.length(1);
            expect(attachments(h, "api").filter((x) => !x.endsWith("@/data"))).to.deep.equal(
                [`${entry("pip")}@/root/.cache/pip`, `${entry("npm")}@/root/.cache/npm`].sort(),
            );
            // The pip legacy entry is still web's (not yet migrated); npm's is gone.
            expect(Object.values(entries(h)).sort()).to.deep.equal(
                [
                    "/srv/user-data",
                    `${h.sharedRoot}/npm`,
                    `${h.sharedRoot}/pip`,
                    `${h.sharedRoot}/pip`,
                ].sort(),
            );
            h.clearLog();
            const r2 = run(h, web);
            expect(r2.code, r2.stderr).to.equal(0);
            expect(h.restarts()).to.have.length(1);
            expect(h.writes().map((w) => w.cmd)).to.deep.equal([
                "storage:unmount",
                "storage:mount",
                "storage:destroy",
            ]);
            expect(entries(h)).to.deep.equal({
                [entry("pip")]: `${h.sharedRoot}/pip`,
                [entry("npm")]: `${h.sharedRoot}/npm`,
                [Object.keys(entries(h)).find((n) => n.startsWith("legacy-"))!]: "/srv/user-data",
            });
            expect(h.mounts("api")).to.include("/srv/user-data:/data");
            for (const a of [api, web]) {
                h.clearLog();
                const r = run(h, a);
                expect(r.result).to.deep.include({ changes: 0, restarted: false });
                expect(h.writes()).to.deep.equal([]);
            }
        });

        it("an interrupted migration finishes on the next run with its one restart", () => {
            const api = app(h, "api", ["pip"]);
            seedColon(h, api);
            const marker = path.join(h.root, "cut-once");
            const cut = withEnv(h, {
                DOKKU_DOUBLE_FAIL_ON: "storage:create",
                DOKKU_DOUBLE_FAIL_ONCE: marker,
            });
            h.clearLog();
            const r1 = run(cut, api);
            expect(r1.code).to.equal(255);
            // Cut after the colon unmount, before the entry: the app has neither mount now.
            expect(h.mounts("api")).to.deep.equal(["/srv/user-data:/data"]);
            expect(h.restarts()).to.have.length(0);
            h.clearLog();
            const r2 = run(h, api);
            expect(r2.code, r2.stderr).to.equal(0);
            expect(r2.result).to.deep.include({ restarted: true });
            expect(h.restarts()).to.have.length(1);
            expect(attachments(h, "api")).to.include(`${entry("pip")}@/root/.cache/pip`);
            expect(Object.values(entries(h)).sort()).to.deep.equal(
                ["/srv/user-data", `${h.sharedRoot}/pip`].sort(),
                "the pip legacy entry was cleaned on the second run",
            );
            h.clearLog();
            expect(run(h, api).result).to.deep.include({ changes: 0, restarted: false });
        });

        it("switches an attachment to read-only and back (detach + attach on every 0.38.x)", () => {
            run(h, app(h, "web", ["pip"]));
            const r = run(h, app(h, "web", ["pip"], ["pip"]));
            expect(r.code, r.stderr).to.equal(0);
            expect(r.result).to.deep.include({
                remounted: [`${h.sharedRoot}/pip:/root/.cache/pip:ro`],
            });
            expect(attachments(h, "web")).to.deep.equal([`${entry("pip")}@/root/.cache/pip:ro`]);
            expect(run(h, app(h, "web", ["pip"])).code).to.equal(0);
            expect(attachments(h, "web")).to.deep.equal([`${entry("pip")}@/root/.cache/pip`]);
            expect(Object.keys(entries(h))).to.include(entry("pip"));
        });

        it("a cache that moves gets a new entry; the old one is detached and destroyed in the same run", () => {
            const moved = (a: App): App => ({
                ...a,
                mounts: a.mounts.map((m) => ({ ...m, hostPath: `${h.sharedRoot}/pip-v2` })),
            });
            run(h, app(h, "web", ["pip"]));
            h.clearLog();
            const r = run(h, moved(app(h, "web", ["pip"])));
            expect(r.code, r.stderr).to.equal(0);
            const v2 = storageEntryName("pip", `${h.sharedRoot}/pip-v2`);
            expect(attachments(h, "web")).to.deep.equal([`${v2}@/root/.cache/pip`]);
            expect(Object.keys(entries(h)).filter((n) => n.startsWith("dsc-"))).to.deep.equal([v2]);
            expect(h.restarts()).to.have.length(1);
        });

        it("removal detaches, destroys the entries once no app uses them, keeps the data and the user's mount", () => {
            const api = app(h, "api", ["pip", "npm"]);
            const web = app(h, "web", ["pip"]);
            run(h, api);
            run(h, web);
            fs.writeFileSync(`${h.sharedRoot}/pip/wheel`, "data");
            const rApi = run(h, removal("api"), "remove");
            expect(rApi.code, rApi.stderr).to.equal(0);
            expect(h.mounts("api")).to.deep.equal(["/srv/user-data:/data"]);
            expect(Object.keys(entries(h))).to.include(entry("pip")); // web still uses it
            expect(Object.keys(entries(h))).not.to.include(entry("npm"));
            const rWeb = run(h, removal("web"), "remove");
            expect(rWeb.code, rWeb.stderr).to.equal(0);
            expect(h.mounts("web")).to.deep.equal([]);
            expect(Object.keys(entries(h)).filter((n) => n.startsWith("dsc-"))).to.deep.equal([]);
            expect(Object.values(entries(h))).to.deep.equal(["/srv/user-data"]);
            expect(fs.readFileSync(`${h.sharedRoot}/pip/wheel`, "utf8")).to.equal("data");
            expect(fs.readdirSync(path.join(h.stateDir, "entries"))).to.deep.equal([]);
        });

        it("reads Dokku's entries only for an entry it did not make: the next app's converge makes no storage:list-entries", () => {
            run(h, app(h, "api", ["pip", "npm"]));
            expect(
                fs.readFileSync(path.join(h.stateDir, "entries", entry("pip")), "utf8"),
            ).to.equal(`${h.sharedRoot}/pip`);
            h.clearLog();
            const r = run(h, app(h, "web", ["pip"]));
            expect(r.code, r.stderr).to.equal(0);
            expect(h.log().map((i) => i.cmd)).to.not.include("storage:list-entries");
            expect(attachments(h, "web")).to.deep.equal([`${entry("pip")}@/root/.cache/pip`]);
            // A new entry (another group) is checked against Dokku's list as before.
            h.clearLog();
            expect(run(h, app(h, "solo", ["pip"], [], "team-a")).code).to.equal(0);
            expect(h.log().filter((i) => i.cmd === "storage:list-entries")).to.have.length(1);
        });

        it("four apps converging at once share one entry: one storage:create, all attached, markers with its path", async () => {
            const names = ["a1", "a2", "a3", "a4"];
            for (const n of names) h.createApp(n, false);
            const opts = {
                stateDir: h.stateDir,
                afterChange: "restart" as const,
                maxParallelRestarts: 2,
            };
            const runs = names.map(
                (n) =>
                    new Promise<number>((resolve) => {
                        const p = spawn(
                            "/bin/sh",
                            ["-c", appScript(app(h, n, ["pip", "npm"]), opts)],
                            {
                                env: h.env(),
                                stdio: "ignore",
                            },
                        );
                        p.on("close", (code) => resolve(code ?? -1));
                    }),
            );
            h.clearLog();
            expect(await Promise.all(runs)).to.deep.equal([0, 0, 0, 0]);
            const creates = h.writes().filter((w) => w.cmd === "storage:create");
            expect(creates.map((w) => w.args[0]).sort()).to.deep.equal(
                [entry("npm"), entry("pip")].sort(),
            );
            for (const n of names) {
                expect(attachments(h, n)).to.deep.equal(
                    [`${entry("pip")}@/root/.cache/pip`, `${entry("npm")}@/root/.cache/npm`].sort(),
                );
            }
            expect(
                fs.readFileSync(path.join(h.stateDir, "entries", entry("npm")), "utf8"),
            ).to.equal(`${h.sharedRoot}/npm`);
        });

        it("an entry of its own destroyed behind its back is created again, and the app attached", () => {
            run(h, app(h, "api", ["pip"]));
            run(h, removal("api"), "remove");
            // The marker says ours, but someone destroyed the entry (dokku storage:destroy).
            fs.writeFileSync(path.join(h.stateDir, "entries", entry("pip")), `${h.sharedRoot}/pip`);
            expect(Object.keys(entries(h))).to.not.include(entry("pip"));
            const r = run(h, app(h, "web", ["pip"]));
            expect(r.code, r.stderr).to.equal(0);
            expect(entries(h)[entry("pip")]).to.equal(`${h.sharedRoot}/pip`);
            expect(attachments(h, "web")).to.deep.equal([`${entry("pip")}@/root/.cache/pip`]);
        });

        it("a marker left empty by an earlier release: the entry is checked, and the marker learns its path", () => {
            fs.mkdirSync(`${h.sharedRoot}/pip`, { recursive: true });
            expect(h.dokku("storage:create", entry("pip"), `${h.sharedRoot}/pip`).code).to.equal(0);
            fs.mkdirSync(path.join(h.stateDir, "entries"), { recursive: true });
            fs.writeFileSync(path.join(h.stateDir, "entries", entry("pip")), "");
            h.clearLog();
            expect(run(h, app(h, "web", ["pip"])).code).to.equal(0);
            expect(h.log().filter((i) => i.cmd === "storage:list-entries")).to.have.length(1);
            expect(
                fs.readFileSync(path.join(h.stateDir, "entries", entry("pip")), "utf8"),
            ).to.equal(`${h.sharedRoot}/pip`);
        });

        it("never destroys an entry it did not create", () => {
            fs.mkdirSync(`${h.sharedRoot}/pip`, { recursive: true });
            expect(h.dokku("storage:create", entry("pip"), `${h.sharedRoot}/pip`).code).to.equal(0);
            run(h, app(h, "web", ["pip"]));
            expect(attachments(h, "web")).to.deep.equal([`${entry("pip")}@/root/.cache/pip`]);
            run(h, removal("web"), "remove");
            expect(attachments(h, "web")).to.deep.equal([]);
            expect(Object.keys(entries(h))).to.include(entry("pip"));
        });

        it("refuses an entry of its name that is not its own, changing nothing", () => {
            fs.mkdirSync("/tmp/dsc-elsewhere", { recursive: true });
            h.dokku("storage:create", entry("pip"), "/tmp/dsc-elsewhere");
            h.clearLog();
            const r = run(h, app(h, "web", ["pip"]));
            expect(r.code).to.equal(3);
            expect(r.stderr).to.contain(
                `storage entry ${entry("pip")} already exists (docker-local /tmp/dsc-elsewhere)`,
            );
            expect(h.writes()).to.deep.equal([]);
            // Refused before the ledger is written: no pending restart is left behind.
            expect(fs.existsSync(path.join(h.stateDir, "apps", "web.json"))).to.equal(false);
        });
    });
}

for (const version of ["0.37", "0.38"] as const) {
    describe(`a k3s-scheduled app on Dokku ${version}`, () => {
        let h: LocalHost;
        beforeEach(() => {
            h = new LocalHost(version);
            h.createApp("kube", true);
            h.dokku("scheduler:set", "kube", "selected", "k3s");
        });
        afterEach(() => h.cleanup());

        it("is refused before any write, naming the app and the reason", () => {
            h.clearLog();
            const r = run(h, app(h, "kube", ["pip"]));
            expect(r.code).to.equal(K3S_EXIT);
            expect(r.stderr).to.contain("app kube runs on the k3s scheduler");
            expect(r.stderr).to.contain("ReadWriteMany");
            expect(h.writes()).to.deep.equal([]);
            expect(h.mounts("kube")).to.deep.equal([]);
        });

        it("follows the global scheduler when the app has none", () => {
            h.dokku("scheduler:set", "kube", "selected", "");
            h.dokku("scheduler:set", "--global", "selected", "k3s");
            expect(run(h, app(h, "kube", ["pip"])).code).to.equal(K3S_EXIT);
            h.dokku("scheduler:set", "--global", "selected", "");
            const r = run(h, app(h, "kube", ["pip"]));
            expect(r.code, r.stderr).to.equal(0);
        });
    });
}

describe("Dokku 0.37 keeps the colon form", () => {
    it("mounts host:container, creates no entry", () => {
        const h = new LocalHost("0.37");
        try {
            h.createApp("api", true);
            h.clearLog();
            const r = run(h, app(h, "api", ["pip"]));
            expect(r.code, r.stderr).to.equal(0);
            expect(r.result).to.deep.include({ storage: "colon" });
            expect(h.mounts("api")).to.deep.equal([`${h.sharedRoot}/pip:/root/.cache/pip`]);
            expect(h.writes().map((w) => [w.cmd, w.args[1]])).to.deep.equal([
                ["storage:mount", `${h.sharedRoot}/pip:/root/.cache/pip`],
                ["config:set", "--no-restart"],
            ]);
            const led = JSON.parse(
                fs.readFileSync(path.join(h.stateDir, "apps", "api.json"), "utf8"),
            ) as {
                mounts: object[];
            };
            expect(led.mounts).to.deep.equal([
                { h: `${h.sharedRoot}/pip`, c: "/root/.cache/pip", ro: false },
            ]);
        } finally {
            h.cleanup();
        }
    });
});
