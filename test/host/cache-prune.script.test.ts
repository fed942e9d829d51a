/**
 * The shared-cache pass of the scheduled job (host/cache-prune.ts), run by real /bin/sh over
 * seeded cache directories: over-bound caches come under their bound, under-bound ones are
 * untouched, a cache whose lock is held (uv `.lock`, Cargo `.package-cache`, Playwright
 * `__dirlock`) is skipped and reported with nothing removed. Doubles of `uv` and `npm` are
 * put first on PATH and record their calls: `uv cache prune --cache-dir D` removes what uv's
 * docs call unreachable objects (here: entries named `unreachable-*`); `npm cache verify
 * --cache D` is recorded only (cacache's GC; the files it would drop are gone already).
 */
import { expect } from "chai";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CacheBound } from "../../config/types";
import { CachePruneTarget, cachePruneScript, parseCachePruneResults } from "../../host/cache-prune";

const DAY = 86400;

function tree(root: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            out.push(path.relative(root, p));
            if (e.isDirectory()) walk(p);
        }
    };
    walk(root);
    return out.sort();
}

describe("shared cache pass (real /bin/sh)", function () {
    let tmp: string;
    let bin: string;
    let state: string;
    const holders: ChildProcess[] = [];

    /** A file of `kb` KiB whose mtime is `ageDays` ago. */
    function seed(rel: string, kb: number, ageDays: number) {
        const p = path.join(tmp, rel);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, Buffer.alloc(kb * 1024, 1));
        const t = Date.now() / 1000 - ageDays * DAY;
        fs.utimesSync(p, t, t);
        return p;
    }
    function dirAge(rel: string, ageDays: number) {
        const t = Date.now() / 1000 - ageDays * DAY;
        fs.utimesSync(path.join(tmp, rel), t, t);
    }
    function du(rel: string): number {
        return Number(
            execFileSync("du", ["-sb", path.join(tmp, rel)])
                .toString()
                .split("\t")[0],
        );
    }
    function target(name: string, bound: Partial<CacheBound> & Pick<CacheBound, "prune">) {
        return {
            name,
            hostPath: path.join(tmp, name),
            bound: { maxSize: "1GB", maxAge: "720h", ...bound },
        } satisfies CachePruneTarget;
    }
    function run(targets: CachePruneTarget[]) {
        const r = execFileSync("/bin/sh", ["-c", cachePruneScript(targets, state)], {
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
            stdio: ["ignore", "pipe", "pipe"],
        });
        return parseCachePruneResults(r.toString());
    }
    /** Holds an exclusive flock on `file` until the test ends (as uv / cargo do while working). */
    async function hold(file: string, mode: "-x" | "-s" = "-x") {
        const ready = path.join(tmp, `held-${holders.length}`);
        // Its own process group: ending the test ends flock and the sleep that holds the lock.
        const p = spawn("flock", [mode, file, "sh", "-c", `touch '${ready}'; sleep 60`], {
            stdio: "ignore",
            detached: true,
        });
        holders.push(p);
        while (!fs.existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    }

    function release() {
        for (const p of holders.splice(0)) if (p.pid) process.kill(-p.pid);
    }

    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-cache-prune-"));
        bin = path.join(tmp, "bin");
        state = path.join(tmp, "state");
        fs.mkdirSync(bin);
        fs.writeFileSync(
            path.join(bin, "uv"),
            // uv takes an exclusive lock on <cache>/.lock for `cache prune` (astral-sh/uv PR
            // #16342); the double waits 5 s for it, then fails as uv does on its lock timeout.
            `#!/bin/sh\necho "uv $*" >> '${tmp}/calls'\n` +
                `if [ "$1 $2" = "cache prune" ] && [ "$3" = --cache-dir ]; then\n` +
                `  flock -w 5 "$4/.lock" sh -c 'rm -rf "$1"/*/unreachable-*' sh "$4" || { echo "uv: timed out waiting for the cache lock" >&2; exit 2; }\n` +
                `fi\nexit 0\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(
            path.join(bin, "npm"),
            `#!/bin/sh\necho "npm $*" >> '${tmp}/calls'\nexit 0\n`,
            { mode: 0o755 },
        );
    });
    afterEach(() => {
        release();
        fs.rmSync(tmp, { recursive: true, force: true });
    });
    const calls = () =>
        fs.existsSync(path.join(tmp, "calls"))
            ? fs.readFileSync(path.join(tmp, "calls"), "utf8")
            : "";

    it("uv's own prune runs before our lock is taken (else it would wait for us)", () => {
        seed("uv/.lock", 0, 1);
        seed("uv/archive-v0/unreachable-y/big", 300, 1);
        const [r] = run([target("uv", { prune: "uv", maxSize: "100kB" })]);
        expect(r.status).to.equal("ok");
        expect(calls()).to.contain("uv cache prune");
        expect(tree(path.join(tmp, "uv"))).to.deep.equal([".lock", "archive-v0"]);
    });

    it("pip over its bound: oldest files go first until under it; the newest stay", () => {
        for (let i = 0; i < 10; i++) seed(`pip/http-v2/a/f${i}`, 100, 10 - i);
        seed("pip/selfcheck.json", 1, 400);
        const [r] = run([target("pip", { prune: "pip", maxSize: "500kB" })]);
        expect(r.status).to.equal("ok");
        expect(r.after).to.be.at.most(500_000).and.equal(du("pip"));
        const left = tree(path.join(tmp, "pip")).filter((f) => f.includes("/f"));
        expect(left).to.deep.equal([
            "http-v2/a/f6",
            "http-v2/a/f7",
            "http-v2/a/f8",
            "http-v2/a/f9",
        ]);
        expect(fs.existsSync(path.join(tmp, "pip/selfcheck.json")), "not a cache unit").to.equal(
            true,
        );
        const rec = JSON.parse(fs.readFileSync(path.join(state, "caches/pip.json"), "utf8"));
        expect(rec).to.include({ cache: "pip", status: "ok", after: r.after });
    });

    it("under its bound and young: untouched, byte for byte", () => {
        for (let i = 0; i < 5; i++) seed(`npm/_cacache/content-v2/sha512/${i}`, 10, 1);
        const before = tree(path.join(tmp, "npm"));
        const [r] = run([target("npm", { prune: "npm" })]);
        expect(r.status).to.equal("ok");
        expect(r.after).to.equal(r.before);
        expect(tree(path.join(tmp, "npm"))).to.deep.equal(before);
        expect(
            calls(),
            "npm cache verify is never run (cacache's verify removes _cacache/tmp: in-flight writes)",
        ).to.equal("");
    });

    it("maxAge: entries older than it go even under the size bound (npm, cargo)", () => {
        seed("npm/_cacache/content-v2/sha512/old", 10, 40);
        seed("npm/_cacache/content-v2/sha512/new", 10, 2);
        seed("rust/registry/cache/idx/old-1.0.crate", 10, 40);
        seed("rust/registry/src/idx/old-1.0/lib.rs", 10, 40);
        dirAge("rust/registry/src/idx/old-1.0", 40);
        seed("rust/registry/src/idx/new-1.0/lib.rs", 10, 1);
        seed("rust/bin/cargo-tool", 10, 400);
        run([target("npm", { prune: "npm" }), target("rust", { prune: "cargo" })]);
        expect(tree(path.join(tmp, "npm"))).to.include("_cacache/content-v2/sha512/new");
        expect(tree(path.join(tmp, "npm"))).to.not.include("_cacache/content-v2/sha512/old");
        const rust = tree(path.join(tmp, "rust"));
        expect(rust).to.include.members(["registry/src/idx/new-1.0/lib.rs", "bin/cargo-tool"]);
        expect(rust).to.not.include.members([
            "registry/cache/idx/old-1.0.crate",
            "registry/src/idx/old-1.0",
        ]);
    });

    it("uv over its bound: uv's own prune first, then a clean under uv's lock; .lock stays", () => {
        seed("uv/.lock", 0, 1);
        seed("uv/CACHEDIR.TAG", 1, 1);
        seed("uv/archive-v0/unreachable-x/big", 300, 1);
        seed("uv/archive-v0/abc/pkg.py", 300, 1);
        seed("uv/wheels-v5/pypi/pkg/x.whl", 300, 1);
        const [small] = run([target("uv", { prune: "uv", maxSize: "700kB" })]);
        expect(calls()).to.contain(`uv cache prune --cache-dir ${path.join(tmp, "uv")}`);
        expect(small.status).to.equal("ok");
        expect(tree(path.join(tmp, "uv")), "prune sufficed: no clean").to.include(
            "archive-v0/abc/pkg.py",
        );
        const [r] = run([target("uv", { prune: "uv", maxSize: "100kB" })]);
        expect(r.status).to.equal("ok");
        expect(tree(path.join(tmp, "uv"))).to.deep.equal([".lock", "CACHEDIR.TAG"]);
    });

    it("a cache in use (uv .lock, cargo .package-cache held) is skipped, reported, untouched; the others are pruned", async () => {
        seed("uv/.lock", 0, 1);
        seed("uv/archive-v0/abc/pkg.py", 300, 1);
        seed("rust/.package-cache", 0, 1);
        seed("rust/registry/cache/idx/a.crate", 300, 40);
        seed("pip/wheels/x.whl", 300, 40);
        await hold(path.join(tmp, "uv/.lock"));
        await hold(path.join(tmp, "rust/.package-cache"));
        const uvBefore = tree(path.join(tmp, "uv"));
        const rustBefore = tree(path.join(tmp, "rust"));
        const rs = run([
            target("uv", { prune: "uv", maxSize: "1kB" }),
            target("rust", { prune: "cargo", maxSize: "1kB" }),
            target("pip", { prune: "pip", maxSize: "10kB" }),
        ]);
        expect(rs.map((r) => [r.cache, r.status])).to.deep.equal([
            ["uv", "skipped-in-use"],
            ["rust", "skipped-in-use"],
            ["pip", "ok"],
        ]);
        expect(tree(path.join(tmp, "uv"))).to.deep.equal(uvBefore);
        expect(tree(path.join(tmp, "rust"))).to.deep.equal(rustBefore);
        expect(calls(), "uv is not even asked while its lock is held").to.equal("");
        expect(tree(path.join(tmp, "pip"))).to.deep.equal(["wheels"]);
    });

    it("cargo: a build reading sources (shared lock on .package-cache-mutate) makes it skipped; untouched", async () => {
        // Cargo's CacheLockMode::Shared: flock(2) LOCK_SH on CARGO_HOME/.package-cache-mutate
        // (rust-lang/cargo src/util/cache_lock.rs); its GC takes that file exclusive first.
        seed("rust/.package-cache", 0, 1);
        seed("rust/.package-cache-mutate", 0, 1);
        seed("rust/registry/cache/idx/a.crate", 300, 40);
        await hold(path.join(tmp, "rust/.package-cache-mutate"), "-s");
        const before = tree(path.join(tmp, "rust"));
        const [r] = run([target("rust", { prune: "cargo", maxSize: "1kB" })]);
        expect(r.status).to.equal("skipped-in-use");
        expect(tree(path.join(tmp, "rust"))).to.deep.equal(before);
        release();
        await new Promise((res) => setTimeout(res, 100));
        const [free] = run([target("rust", { prune: "cargo", maxSize: "100kB" })]);
        expect(free.status).to.equal("ok");
        expect(tree(path.join(tmp, "rust"))).to.not.include("registry/cache/idx/a.crate");
    });

    it("playwright: takes __dirlock as Playwright does and removes it after; a fresh one skips, a stale one is taken over", () => {
        seed("ms-playwright/chromium-1100/bin", 200, 30);
        dirAge("ms-playwright/chromium-1100", 30);
        seed("ms-playwright/chromium-1150/bin", 200, 10);
        dirAge("ms-playwright/chromium-1150", 10);
        const lock = path.join(tmp, "ms-playwright/__dirlock");
        fs.mkdirSync(lock);
        const [busy] = run([target("ms-playwright", { prune: "playwright", maxSize: "1kB" })]);
        expect(busy.status, "an install refreshed the lock 0s ago").to.equal("skipped-in-use");
        expect(tree(path.join(tmp, "ms-playwright"))).to.include("chromium-1100");
        expect(fs.existsSync(lock), "someone else's lock is left alone").to.equal(true);
        const old = Date.now() / 1000 - 300;
        fs.utimesSync(lock, old, old);
        const [r] = run([target("ms-playwright", { prune: "playwright", maxSize: "1kB" })]);
        expect(r.status).to.equal("over-bound");
        expect(tree(path.join(tmp, "ms-playwright")).filter((f) => !f.includes("/"))).to.deep.equal(
            ["chromium-1150"],
        );
        expect(fs.existsSync(lock), "our lock is released").to.equal(false);
    });

    it("playwright: oldest revisions go for size, the newest of each browser stays; __dirlock skips", () => {
        for (const [d, age] of [
            ["chromium-1100", 30],
            ["chromium-1140", 20],
            ["chromium-1150", 10],
            ["firefox-1400", 30],
        ] as const) {
            seed(`ms-playwright/${d}/bin`, 200, age);
            dirAge(`ms-playwright/${d}`, age);
        }
        fs.mkdirSync(path.join(tmp, "ms-playwright/__dirlock"));
        const [busy] = run([target("ms-playwright", { prune: "playwright", maxSize: "1kB" })]);
        expect(busy.status).to.equal("skipped-in-use");
        expect(tree(path.join(tmp, "ms-playwright")).length).to.equal(9);
        fs.rmdirSync(path.join(tmp, "ms-playwright/__dirlock"));
        const [r] = run([target("ms-playwright", { prune: "playwright", maxSize: "700kB" })]);
        expect(tree(path.join(tmp, "ms-playwright")).filter((f) => !f.includes("/"))).to.deep.equal(
            ["chromium-1140", "chromium-1150", "firefox-1400"],
        );
        expect(r.status).to.equal("ok");
        const [r2] = run([target("ms-playwright", { prune: "playwright", maxSize: "1kB" })]);
        expect(tree(path.join(tmp, "ms-playwright")).filter((f) => !f.includes("/"))).to.deep.equal(
            ["chromium-1150", "firefox-1400"],
        );
        expect(r2.status, "the newest revisions alone exceed the bound").to.equal("over-bound");
    });

    it("a cache without a mechanism is measured and reported over its bound, never touched; absent is reported", () => {
        seed("custom/a", 100, 100);
        const rs = run([
            target("custom", { prune: "none", maxSize: "1kB" }),
            target("gone", { prune: "pip" }),
        ]);
        expect(rs.map((r) => r.status)).to.deep.equal(["over-bound-no-mechanism", "absent"]);
        expect(tree(path.join(tmp, "custom"))).to.deep.equal(["a"]);
    });
});
