/**
 * A real app whose health check fails after the program's change: its `ps:restart` exits 1
 * on the real Dokku 0.38.27, and the user must see which app and Dokku's own words in the
 * `pulumi up` output. The app is the local busybox image with an `/app.json` whose startup
 * check is `test -z "$PIP_CACHE_DIR"` (Dokku reads app.json from the image's WORKDIR for
 * `git:from-image` deploys): it passes at the first deploy and fails once the program sets
 * PIP_CACHE_DIR. Another deployed app in the same stack converges all the same.
 */
import { expect } from "chai";
import * as crypto from "crypto";
import * as path from "path";
import { PulumiStack } from "../../testkit/pulumi-stack";
import { LOCAL_IMAGE, RealDokkuHost } from "../../testkit/real-dokku-host";
import { E2E_ENV } from "../e2e/world";

const CHECK = "cache env unset";

describe("real Dokku 0.38.27: a restart whose health check fails", function () {
    this.timeout(15 * 60_000);
    let h: RealDokkuHost;
    let stack: PulumiStack;
    let sick: string;
    let fine: string;
    const image = `localtest/busybox-hc:${crypto.randomBytes(3).toString("hex")}`;

    before(async () => {
        h = new RealDokkuHost();
        await h.start();
        h.globalSetup();
        h.buildImage(
            image,
            {
                "/app.json": JSON.stringify({
                    healthchecks: {
                        web: [
                            {
                                type: "startup",
                                name: CHECK,
                                command: ["/bin/sh", "-c", 'test -z "$PIP_CACHE_DIR"'],
                                attempts: 2,
                                wait: 1,
                            },
                        ],
                    },
                }),
            },
            // on 0.0.0.0 so that Dokku's own "port listening check" passes: only ours fails
            ['CMD ["/bin/httpd","-f","-p","0.0.0.0:5000","-h","/www"]'],
        );
        sick = h.createApp("sick", { image, checks: true });
        fine = h.createApp("fine", { image: LOCAL_IMAGE });
        stack = await PulumiStack.create({ stack: "real-hc", env: E2E_ENV });
        await stack.setSecret("privateKey", h.clientKey);
        stack.setConfig({
            connection: h.connection(),
            sharedRoot: h.sharedRoot,
            stateDir: h.stateDir,
            hostPaths: h.hostPaths(),
            caches: { pip: true },
            buildCache: false,
            apps: [sick, fine],
        });
    });
    after(async () => {
        if (stack) {
            await stack.destroy();
            stack.cleanup();
        }
        if (h) {
            await h.stop();
            h.docker("image", "rm", "-f", image);
        }
    });

    it("up fails naming the app and Dokku's message; the old container keeps running; the other app converges", async () => {
        const old = h.containers(sick);
        expect(old).to.have.length(1);
        // What Dokku itself says for this restart (the facts the program has to pass on).
        h.setEnv(sick, { PIP_CACHE_DIR: "/root/.cache/pip" });
        const direct = h.dokku("ps:restart", sick);
        expect(direct.code).to.equal(1);
        expect(direct.stdout).to.contain(`Failure in name='${CHECK}'`);
        expect(direct.stderr, "0.38.27 prints a failed deploy on stdout").to.equal("");
        h.must("config:unset", "--no-restart", sick, "PIP_CACHE_DIR");

        h.clearCalls();
        const up = await stack.up();
        const out = up.stdout + up.stderr;
        expect(up.code, out).not.to.equal(0);
        expect(out).to.contain(sick);
        expect(out).to.contain(`Failure in name='${CHECK}'`);
        // One paragraph naming the app, with each of Dokku's lines once.
        const said = out
            .split("\n")
            .map((l) => l.trim())
            .filter((l) => l.startsWith(`dokku-shared-cache: app ${sick}: the restart`))
            .map((l) => l.replace(/ \(its output is above\)\..*$/, ""));
        expect(said[0], out).to.equal(
            `dokku-shared-cache: app ${sick}: the restart (dokku ps:restart) failed with exit 1; Dokku says: "Failure in name='${CHECK}': non-zero exit code 1 Could not start due to 2 failed checks (web.1)"`,
        );
        expect(
            h
                .restarts()
                .map((r) => r[1])
                .sort(),
        ).to.deep.equal([fine, sick].sort());
        expect(h.containers(sick), "zero-downtime: the old container still serves").to.deep.equal(
            old,
        );
        expect(h.env(fine)).to.include({ PIP_CACHE_DIR: "/root/.cache/pip" });
        expect(h.mountSpecs(fine)).to.deep.equal([
            `${path.join(h.sharedRoot, "pip")}:/root/.cache/pip`,
        ]);
    });
});
