/**
 * The README's operator steps on the real Dokku 0.38.27 (testkit/real-dokku.sh), run as written
 * with bash through the real engine, reached over our loopback sshd as root exactly as a
 * production host is (testkit/real-dokku-host.ts): the template's `discover` lists the real
 * `dokku apps:list`, `docker system df` and `df` run against the private dockerd Dokku uses, and
 * the restarts are real. What the walk changes is in testkit/readme-walk.ts; one more, here: this
 * Dokku is shared with the other real-Dokku tests, so the apps this test did not make are put in
 * `discover.exclude` (the README's way of leaving apps alone), and the test checks it never wrote
 * to them.
 */
import { expect } from "chai";
import { ReadmeWalk, buildCacheSizes } from "../../testkit/readme-walk";
import { LOCAL_IMAGE, RealDokkuHost } from "../../testkit/real-dokku-host";

describe("README: the operator's steps on the real Dokku 0.38.27", function () {
    this.timeout(15 * 60_000);
    let h: RealDokkuHost;
    let walk: ReadmeWalk;
    let api: string; // deployed, holds the user's own value
    let idle: string; // never deployed
    let others: string[]; // apps on this Dokku this test did not make
    const initial: Record<string, Record<string, string>> = {};

    before(async () => {
        h = new RealDokkuHost();
        await h.start();
        h.globalSetup();
        api = h.createApp("api", { image: LOCAL_IMAGE });
        idle = h.createApp("idle");
        h.setEnv(api, { USER_OWN: "kept" });
        for (const a of [api, idle]) initial[a] = h.env(a);
        others = h
            .must("--quiet", "apps:list")
            .stdout.split("\n")
            .map((l) => l.trim())
            .filter((a) => a && a !== api && a !== idle);
        const c = h.connection();
        walk = new ReadmeWalk({
            port: c.port,
            hostKey: c.hostKey!,
            clientKey: h.clientKey,
            sharedRoot: h.sharedRoot,
            stateDir: h.stateDir,
            hostPaths: () => h.hostPaths(),
        });
    });

    after(async () => {
        walk?.cleanup();
        if (h) await h.stop();
    });

    it("stack from the template, preview, up, disk freed, verify, destroy", () => {
        const exclude = others.map((a, i): [string, string] => [`discover.exclude[${i}]`, a]);
        const { converge, undo } = walk.steps(exclude);
        const before = h.containers(api);
        expect(before).to.have.length(1);

        const a = walk.run(converge, "step");
        const shared = (c: string, at: string) => `${h.sharedRoot}/${c}:${at}`;
        const all = [
            shared("ms-playwright", "/root/.cache/ms-playwright"),
            shared("npm", "/root/.cache/npm"),
            shared("pip", "/root/.cache/pip"),
            shared("rust", "/root/.cargo"),
            shared("uv", "/root/.cache/uv"),
        ];
        for (const app of [api, idle]) {
            expect(h.mountSpecs(app), app).to.deep.equal(all);
            expect(h.env(app), app).to.include({ PIP_CACHE_DIR: "/root/.cache/pip" });
        }
        expect(h.env(api)).to.include({ USER_OWN: "kept" });
        expect(h.containers(api), "api was restarted").to.not.deep.equal(before);
        expect(h.containers(api)).to.have.length(1);
        expect(h.containers(idle), "a never-deployed app is not started").to.deep.equal([]);
        expect(a.stdout).to.match(new RegExp(`${api} \\(discovered\\): ms-playwright, npm`));
        expect(a.stdout).to.match(/"pruned":\{"buildCacheAfter":"[^"]+","buildCacheBefore":/);
        expect(buildCacheSizes(a.stdout), "docker system df before and after").to.have.length(2);
        expect(a.stdout).to.match(/^Filesystem\s+Size\s+Used/m);
        expect(a.stdout).to.match(/dokku-shared-cache report for root@127\.0\.0\.1:\d+: IN SYNC/);
        const touched = (calls: string[][]) =>
            calls.filter((c) => others.some((o) => c.includes(o)));
        expect(touched(h.writes()), "no write to the apps left alone").to.deep.equal([]);

        h.clearCalls();
        walk.run(undo, "undo");
        for (const app of [api, idle]) {
            expect(h.mountSpecs(app), app).to.deep.equal([]);
            expect(h.env(app), app).to.deep.equal(initial[app]);
        }
        expect(h.newStorageEntries(), "the entries it made are gone").to.deep.equal([]);
        expect(h.containers(api)).to.have.length(1);
        expect(h.restarts().filter(([, app]) => app === api)).to.deep.equal([["ps:restart", api]]);
        expect(touched(h.writes()), "no write to the apps left alone").to.deep.equal([]);
    });
});
