/**
 * A full Dokku host for test/dokku/full-disk.test.ts and bench/full-disk.ts, on the real Dokku
 * 0.38.27 (testkit/real-dokku.sh): ONE small loop-mounted ext4 file system (`-m 0`: no root
 * reserve) holds Docker's data root, the shared caches and the state dir, as on a small VPS
 * whose disk is one file system.
 *
 * Docker's data root: a SECOND private dockerd (Debian's docker.io 20.10, like
 * ../shared/third_party/dokku/start-dockerd.sh starts the shared one: its own socket, pid file and
 * exec root, `--data-root` on the loop mount, networking off: --bridge=none, no iptables, no
 * NAT; the test checks that no bridge appears). Dokku is pointed at it for the test's duration by
 * rewriting the DOCKER_HOST line of /etc/default/dokku (the lock is held by the caller;
 * {@link FullDiskDokku.teardown} puts the file back byte for byte with its mode). The shared
 * private dockerd is never touched.
 *
 * The space: real BuildKit builds (Debian's docker.io 20.10 client, /usr/bin/docker, with
 * DOCKER_BUILDKIT=1: the 28.x CLI on PATH has no buildx) whose `RUN --mount=type=cache` writes
 * 40 MB into a cache mount per build, as the user's apps did; an over-bound pip cache; then a
 * filler file until a write fails.
 */
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { availBytes, fill } from "./full-fs";
import { LOCAL_IMAGE, ROOT_LOGIN_PATH, RealDokkuHost } from "./real-dokku-host";

export { availBytes };

const DEFAULT_DOKKU = "/etc/default/dokku";
const MB = 1024 * 1024;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
    return execFileSync(cmd, args, {
        encoding: "utf8",
        env: { PATH: ROOT_LOGIN_PATH, ...env },
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 << 20,
    });
}

function bridges(): string {
    return run("ip", ["-o", "link", "show", "type", "bridge"]).trim();
}

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

export class FullDiskDokku {
    /** Outside the loop mount: the second dockerd's socket, pid, exec root, log, the image file. */
    readonly work = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-fulldisk-"));
    readonly socket = `unix://${this.work}/docker.sock`;
    host!: RealDokkuHost;
    /** The loop mount (inside the host's temp root, so its storage entries are the host's). */
    mnt = "";
    private defaultDokku?: { text: string; mode: number };
    private loop = false;
    private dockerd = false;
    private bridgesBefore = "";

    /** Docker's CLI (28.x on PATH) against the second daemon. */
    docker(...args: string[]): string {
        return run("docker", args, { DOCKER_HOST: this.socket });
    }

    async setup(sizeMB = 700): Promise<void> {
        fs.chmodSync(this.work, 0o755);
        const st = fs.statSync(DEFAULT_DOKKU);
        this.defaultDokku = {
            text: fs.readFileSync(DEFAULT_DOKKU, "utf8"),
            mode: st.mode & 0o7777,
        };
        const shared = run("bash", [
            "-c",
            `source ${DEFAULT_DOKKU}; printf %s "\${DOCKER_HOST:-}"`,
        ]);
        if (!shared)
            throw new Error(`${DEFAULT_DOKKU} sets no DOCKER_HOST: run testkit/real-dokku.sh up`);
        // Dokku follows DOCKER_HOST from /etc/default/dokku: point it at the second daemon.
        const lines = this.defaultDokku.text.split("\n");
        if (!lines.some((l) => l.startsWith("export DOCKER_HOST="))) {
            throw new Error(`${DEFAULT_DOKKU} has no "export DOCKER_HOST=" line`);
        }
        fs.writeFileSync(
            DEFAULT_DOKKU,
            lines
                .map((l) =>
                    l.startsWith("export DOCKER_HOST=") ? `export DOCKER_HOST=${this.socket}` : l,
                )
                .join("\n"),
        );
        this.host = new RealDokkuHost();
        this.mnt = path.join(this.host.root, "disk");
        fs.mkdirSync(this.mnt);
        const img = path.join(this.work, "disk.img");
        run("truncate", ["-s", `${sizeMB}M`, img]);
        run("mkfs.ext4", ["-q", "-m", "0", "-F", img]);
        run("mount", ["-o", "loop", img, this.mnt]);
        this.loop = true;
        fs.chmodSync(this.mnt, 0o755);
        fs.writeFileSync(path.join(this.work, "daemon.json"), "{}\n");
        this.bridgesBefore = bridges();
        const log = fs.openSync(path.join(this.work, "dockerd.log"), "a");
        const d = spawn(
            "/usr/sbin/dockerd",
            [
                "--config-file",
                path.join(this.work, "daemon.json"),
                "--bridge=none",
                "--iptables=false",
                "--ip6tables=false",
                "--ip-forward=false",
                "--ip-masq=false",
                "--userland-proxy=false",
                "--data-root",
                path.join(this.mnt, "docker"),
                "--exec-root",
                path.join(this.work, "exec"),
                "--pidfile",
                path.join(this.work, "docker.pid"),
                "-H",
                this.socket,
                "--group",
                "docker",
            ],
            { detached: true, stdio: ["ignore", log, log] },
        );
        d.unref();
        this.dockerd = true;
        for (let i = 0; ; i++) {
            if (
                spawnSync("docker", ["info"], {
                    env: { PATH: ROOT_LOGIN_PATH, DOCKER_HOST: this.socket },
                }).status === 0
            )
                break;
            if (i > 120)
                throw new Error(
                    fs.readFileSync(path.join(this.work, "dockerd.log"), "utf8").slice(-2000),
                );
            await sleep(500);
        }
        if (bridges() !== this.bridgesBefore)
            throw new Error(`a network bridge appeared: ${bridges()}`);
        // The image Dokku deploys from, copied from the shared daemon.
        execFileSync(
            "sh",
            [
                "-c",
                'docker -H "$1" save "$3" | docker -H "$2" load -q',
                "sh",
                shared,
                this.socket,
                LOCAL_IMAGE,
            ],
            { env: { PATH: ROOT_LOGIN_PATH }, stdio: ["ignore", "pipe", "pipe"] },
        );
        await this.host.start();
    }

    /** Real BuildKit builds whose cache mounts hold `mbEach` MB each; returns the images built. */
    buildCacheMounts(n: number, mbEach = 40): string[] {
        const ctx = path.join(this.work, "ctx");
        fs.mkdirSync(ctx, { recursive: true });
        fs.writeFileSync(
            path.join(ctx, "Dockerfile"),
            [
                `FROM ${LOCAL_IMAGE}`,
                "ARG N=0",
                `RUN --mount=type=cache,target=/root/.cache dd if=/dev/urandom of=/root/.cache/blob-$N bs=1M count=${mbEach} 2>/dev/null && echo $N > /built`,
                "",
            ].join("\n"),
        );
        const tags: string[] = [];
        for (let i = 1; i <= n; i++) {
            const tag = `dsc-fulldisk-app:${i}`;
            run(
                "/usr/bin/docker",
                ["build", "-q", "--network=none", "--build-arg", `N=${i}`, "-t", tag, ctx],
                { DOCKER_HOST: this.socket, DOCKER_BUILDKIT: "1" },
            );
            tags.push(tag);
        }
        return tags;
    }

    /** Build cache bytes and reclaimable bytes as `docker system df` reports them. */
    buildCache(): { size: string; reclaimable: string } {
        const rows = this.docker("system", "df", "--format", "{{json .}}")
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { Type: string; Size: string; Reclaimable: string });
        const b = rows.find((r) => r.Type === "Build Cache")!;
        return { size: b.Size, reclaimable: b.Reclaimable };
    }

    /** Files of `mb` MiB under `dir`, oldest first by `daysAgo`. */
    seedFiles(dir: string, count: number, mb: number): void {
        fs.mkdirSync(dir, { recursive: true });
        for (let i = 0; i < count; i++) {
            const f = path.join(dir, `f${i}`);
            fs.writeFileSync(f, Buffer.alloc(mb * MB, 7));
            const t = Date.now() / 1000 - (count + 10 - i) * 86400;
            fs.utimesSync(f, t, t);
        }
    }

    /** Fills the loop file system until a write fails; returns the bytes left free. */
    fill(): number {
        fill(this.mnt);
        return availBytes(this.mnt);
    }

    /** True when a 4 KiB write on the loop file system fails (ENOSPC). */
    writeFails(): boolean {
        try {
            fs.writeFileSync(path.join(this.mnt, "write-probe"), Buffer.alloc(4096));
            fs.rmSync(path.join(this.mnt, "write-probe"));
            return false;
        } catch (e) {
            return (e as NodeJS.ErrnoException).code === "ENOSPC";
        }
    }

    /** Apps destroyed, the second dockerd stopped, /etc/default/dokku back byte for byte, the loop gone. */
    async teardown(): Promise<void> {
        const errors: unknown[] = [];
        const step = (f: () => void) => {
            try {
                f();
            } catch (e) {
                errors.push(e);
            }
        };
        if (this.host) step(() => this.host.destroyApps());
        if (this.dockerd) {
            const pidFile = path.join(this.work, "docker.pid");
            const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8")) : 0;
            if (pid > 1) {
                step(() => process.kill(pid, "SIGTERM"));
                for (let i = 0; i < 120; i++) {
                    try {
                        process.kill(pid, 0);
                    } catch {
                        break;
                    }
                    await sleep(500);
                }
            }
        }
        if (this.defaultDokku) {
            const d = this.defaultDokku;
            step(() => {
                fs.writeFileSync(DEFAULT_DOKKU, d.text);
                fs.chmodSync(DEFAULT_DOKKU, d.mode);
            });
        }
        if (this.loop) step(() => run("umount", [this.mnt]));
        if (this.host) {
            try {
                await this.host.stop();
            } catch (e) {
                errors.push(e);
            }
        }
        step(() => fs.rmSync(this.work, { recursive: true, force: true }));
        if (errors.length) throw errors[0];
    }
}
