/**
 * A real OpenSSH server on loopback acting as the Dokku host: generated host
 * and client keys, the `dokku` double on PATH and its state under a temp
 * root (sshd's SetEnv), stopped and removed at the end. Only 127.0.0.1.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { ConnectionSpec } from "../config";
import { DOUBLE_DIR, LocalHost } from "./local-host";

/** A TCP port on 127.0.0.1 that nothing listens on (right now). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
        s.on("error", reject);
    });
}

export class SshHost extends LocalHost {
    port = 0;
    hostKey = "";
    clientKey = "";
    private proc?: ChildProcess;
    private readonly dir: string;

    /** `extraEnv` reaches every session (sshd SetEnv), e.g. the double's cost knobs. */
    constructor(
        version: "0.37" | "0.38" = "0.38",
        private readonly extraEnv: Record<string, string> = {},
    ) {
        super(version);
        this.dir = path.join(this.root, "sshd");
    }

    async start(): Promise<void> {
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
        const hk = path.join(this.dir, "host_ed25519");
        const ck = path.join(this.dir, "client_ed25519");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hk]);
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", ck]);
        this.hostKey = fs.readFileSync(hk + ".pub", "utf8").trim();
        this.clientKey = fs.readFileSync(ck, "utf8");
        fs.copyFileSync(ck + ".pub", path.join(this.dir, "authorized_keys"));
        this.port = await freePort();
        const env = this.env();
        const cfg = [
            `ListenAddress 127.0.0.1:${this.port}`,
            `HostKey ${hk}`,
            `AuthorizedKeysFile ${path.join(this.dir, "authorized_keys")}`,
            `PidFile ${path.join(this.dir, "sshd.pid")}`,
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "StrictModes no",
            "UsePAM no",
            `SetEnv PATH=${DOUBLE_DIR}:${path.dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DOKKU_DOUBLE_ROOT=${env.DOKKU_DOUBLE_ROOT} DOKKU_DOUBLE_VERSION=${env.DOKKU_DOUBLE_VERSION} DOKKU_DOUBLE_NODE=${process.execPath}${Object.entries(
                this.extraEnv,
            )
                .map(([k, v]) => ` ${k}=${v}`)
                .join("")}`,
            // Enough for `pulumi up --parallel` sessions at once (OpenSSH's default is 10:30:100).
            "MaxStartups 64:30:128",
            "MaxSessions 64",
        ];
        const cfgFile = path.join(this.dir, "sshd_config");
        fs.writeFileSync(cfgFile, cfg.join("\n") + "\n");
        this.proc = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", cfgFile], {
            stdio: ["ignore", "ignore", "pipe"],
        });
        let log = "";
        this.proc.stderr!.on("data", (d: Buffer) => (log += d.toString()));
        for (let i = 0; i < 100; i++) {
            const up = await new Promise<boolean>((resolve) => {
                const c = net.connect(this.port, "127.0.0.1", () => {
                    c.end();
                    resolve(true);
                });
                c.on("error", () => resolve(false));
            });
            if (up) return;
            if (this.proc.exitCode !== null) break;
            await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`sshd did not start: ${log}`);
    }

    connection(over: Partial<ConnectionSpec> = {}): ConnectionSpec {
        return {
            host: "127.0.0.1",
            port: this.port,
            user: "root",
            hostKey: this.hostKey,
            dialErrorLimit: 1,
            perDialTimeout: 5,
            ...over,
        };
    }

    async stop(): Promise<void> {
        if (this.proc && this.proc.exitCode === null) {
            const done = new Promise((r) => this.proc!.on("exit", r));
            this.proc.kill("SIGTERM");
            await done;
        }
        this.cleanup();
    }
}
