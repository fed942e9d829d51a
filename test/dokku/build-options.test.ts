/**
 * Build-phase docker-options on the real Dokku 0.38.27: the converge adds the
 * build mount of a cache herokuishuser can write (next to the user's own build
 * option), a real herokuish-builder deploy runs its build container with that
 * mount and the cache env var, as uid 32767, and removal takes back exactly
 * the option it added.
 *
 * The herokuish image (gliderlabs/herokuish) cannot be pulled offline, so the
 * app's build stack (`buildpacks:set-property APP stack IMAGE`, read by
 * builder-herokuish builder-build through buildpack-stack-name) is a local
 * busybox image with herokuish's contract for Dokku: `/exec` (copy-source),
 * `/build` (run by `docker container create … "${ARG_ARRAY[@]}" IMAGE /build`),
 * `/start` (deploy) and herokuishuser 32767:32767 (herokuish
 * include/default_user.bash). Its `/build` does what herokuish's does around
 * a buildpack (include/buildpack.bash, gliderlabs/herokuish at fbc485e):
 * export /app/.env (Dokku's config vars, written by builder-herokuish
 * pre-build) and run the compile step as the unprivileged user. Everything
 * else (Dokku's builder-herokuish plugin, docker-options, the deploy) is real.
 */
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { validateSettings } from "../../config";
import { appScript } from "../../host/app-converge";
import { cacheDirCreateScript } from "../../host/cache-dirs";
import { parseResults } from "../../host/result";
import { AppDesired, buildDesiredState } from "../../model/desired-state";
import { ROOT_LOGIN_PATH, RealDokkuHost } from "../../testkit/real-dokku-host";
import { validRaw } from "../fixtures/settings";

const STUB_BUILD = `#!/bin/sh
# Stand-in for herokuish's /build: export the app's .env, compile as herokuishuser.
set -e
# Dokku starts the build container, then attaches to it: a real build outlives that; so must the stub.
sleep 3
set -a; . /app/.env; set +a
exec su -p -s /bin/sh herokuishuser -c \\
  'printf "user option %s\\n" "$DSC_USER_OPT" > "$PIP_CACHE_DIR/from-build"; id -u >> "$PIP_CACHE_DIR/from-build"'
`;

describe("real Dokku 0.38.27: build-phase docker-options reach a herokuish build", function () {
    this.timeout(15 * 60_000);
    let h: RealDokkuHost;
    let app: string;
    let stack: string;
    let desired: AppDesired;

    function sh(script: string): { code: number; stdout: string; stderr: string } {
        const r = spawnSync("/bin/sh", ["-c", script], {
            encoding: "utf8",
            env: { PATH: ROOT_LOGIN_PATH, HOME: "/root", LC_ALL: "C.UTF-8" },
        });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }
    function converge(mode: "converge" | "remove"): Record<string, unknown> {
        const r = sh(
            appScript(
                mode === "remove" ? { name: app, mounts: [], env: {} } : desired,
                { stateDir: h.stateDir, afterChange: "none", maxParallelRestarts: 1 },
                mode,
            ),
        );
        expect(r.code, r.stderr).to.equal(0);
        return parseResults(r.stdout)[0] as Record<string, unknown>;
    }
    const buildOpts = () =>
        h.must("docker-options:report", app, "--docker-options-build").stdout.trim();

    before(async () => {
        h = new RealDokkuHost();
        await h.start();
        h.globalSetup();
        stack = `localtest/herokuish-stub:${crypto.randomBytes(3).toString("hex")}`;
        h.buildImage(
            stack,
            {
                "/build": STUB_BUILD,
                "/exec": '#!/bin/sh\nexec "$@"\n',
                "/start": "#!/bin/sh\nexec httpd -f -p 5000 -h /app\n",
                "/etc/passwd":
                    "root:x:0:0:root:/root:/bin/sh\nherokuishuser:x:32767:32767::/app:/bin/sh\n",
                "/etc/group": "root:x:0:\nherokuishuser:x:32767:\n",
            },
            [
                'RUN ["/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin 2>/dev/null; chmod 755 /build /exec /start && mkdir -p /app && chmod 700 /root"]',
            ],
        );
        app = h.createApp("hbuild");
        h.must("builder:set", app, "selected", "herokuish");
        h.must("buildpacks:set-property", app, "stack", stack);
        h.must("docker-options:add", app, "build", "--env=DSC_USER_OPT=kept");
        const settings = validateSettings(
            validRaw({
                apps: [{ name: app, caches: ["pip"] }],
                caches: {
                    pip: {
                        owner: "32767:32767",
                        mode: "0755",
                        containerPath: "/cache/pip",
                        env: { PIP_CACHE_DIR: "/cache/pip" },
                    },
                },
                sharedRoot: h.sharedRoot,
                stateDir: h.stateDir,
            }),
        );
        const d = buildDesiredState(settings);
        desired = d.apps[0];
        for (const dir of d.dirs) expect(sh(cacheDirCreateScript(dir)).code).to.equal(0);
    });
    after(async () => {
        if (h) await h.stop();
        if (stack)
            spawnSync("docker", ["image", "rm", "-f", stack], {
                env: { PATH: ROOT_LOGIN_PATH, DOCKER_HOST: h?.dockerHost ?? "" },
            });
    });

    it("adds the build option once, keeps the user's, a herokuish build writes the cache as uid 32767, removal undoes exactly it", () => {
        const option = `-v ${h.sharedRoot}/pip:/cache/pip:rw`;
        // Undeclared builder: read from builder:report (builder:set selected herokuish).
        const r1 = converge("converge");
        expect(r1.builder).to.equal("herokuish");
        expect(r1.buildAdded).to.deep.equal([option]);
        expect(
            buildOpts()
                .split(/ (?=-)/)
                .sort(),
        ).to.deep.equal(["--env=DSC_USER_OPT=kept", option].sort());
        const r2 = converge("converge");
        expect(r2.buildAdded, "a second run adds nothing").to.deep.equal([]);
        expect(buildOpts().split(/ (?=-)/)).to.have.length(2);

        // A real deploy through Dokku's herokuish builder.
        const src = fs.mkdtempSync(path.join(h.root, "src-"));
        fs.writeFileSync(path.join(src, "index.html"), "hello\n");
        const tar = execFileSync("tar", ["-C", src, "-cf", "-", "."]);
        const d = spawnSync("/usr/bin/dokku", ["git:from-archive", app, "--"], {
            input: tar,
            encoding: "utf8",
            env: { PATH: ROOT_LOGIN_PATH, HOME: "/root", LC_ALL: "C.UTF-8" },
            maxBuffer: 64 << 20,
        });
        expect(d.status, d.stdout + d.stderr).to.equal(0);
        expect(d.stdout + d.stderr).to.contain("Building " + app + " from " + stack);
        const written = path.join(h.sharedRoot, "pip/from-build");
        expect(fs.readFileSync(written, "utf8")).to.equal("user option kept\n32767\n");
        expect(fs.statSync(written).uid).to.equal(32767);

        converge("remove");
        expect(buildOpts()).to.equal("--env=DSC_USER_OPT=kept");
        expect(fs.existsSync(path.join(h.stateDir, `apps/${app}.json`))).to.equal(false);
        expect(fs.existsSync(written), "the cache's data stays").to.equal(true);
    });
});
