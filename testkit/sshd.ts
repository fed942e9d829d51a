/**
 * A real OpenSSH server on 127.0.0.1 for tests, never the machine's own: its
 * own config, a generated host key, a generated client key allowed for root
 * (key only), and the session environment set with sshd's `SetEnv`. Used by
 * the Dokku double's host (testkit/ssh-host.ts) and the real Dokku's
 * (testkit/real-dokku-host.ts).
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { ConnectionSpec } from "../config";

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

/** An sshd_config `SetEnv` line (sshd splits on spaces: values hold none). */
function setEnvLine(env: Record<string, string>): string {
    return `SetEnv ${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`;
}

/** Where (relative to a test user's home) the client's public key lets that user log in. */
export const USER_KEYS_FILE = ".dsc-test-authorized_keys";

export class LoopbackSshd {
    port = 0;
    /** The host's public key line, for `connection.hostKey`. */
    hostKey = "";
    /** The client's private key (OpenSSH format), allowed to log in as root. */
    clientKey = "";
    /** Its public key line. */
    clientPublicKey = "";
    /** sshd's stderr (-e) so far. */
    log = "";
    private proc?: ChildProcess;

    /** `dir`: a private folder for keys, config and pid file; `env`: every session's environment. */
    constructor(
        readonly dir: string,
        readonly env: Record<string, string>,
    ) {}

    async start(): Promise<void> {
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
        const hk = path.join(this.dir, "host_ed25519");
        const ck = path.join(this.dir, "client_ed25519");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hk]);
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", ck]);
        this.hostKey = fs.readFileSync(hk + ".pub", "utf8").trim();
        this.clientKey = fs.readFileSync(ck, "utf8");
        this.clientPublicKey = fs.readFileSync(ck + ".pub", "utf8").trim();
        fs.copyFileSync(ck + ".pub", path.join(this.dir, "authorized_keys"));
        this.port = await freePort();
        const cfg = [
            `ListenAddress 127.0.0.1:${this.port}`,
            `HostKey ${hk}`,
            // The second file (relative to the user's home) lets a test user log in
            // (testkit/sudo-user.ts); sshd reads it as that user, who cannot read this.dir.
            `AuthorizedKeysFile ${path.join(this.dir, "authorized_keys")} ${USER_KEYS_FILE}`,
            `PidFile ${path.join(this.dir, "sshd.pid")}`,
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "StrictModes no",
            "UsePAM no",
            setEnvLine(this.env),
            // Enough for `pulumi up --parallel` sessions at once (OpenSSH's default is 10:30:100).
            "MaxStartups 64:30:128",
            "MaxSessions 64",
        ];
        const cfgFile = path.join(this.dir, "sshd_config");
        fs.writeFileSync(cfgFile, cfg.join("\n") + "\n");
        this.proc = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", cfgFile], {
            stdio: ["ignore", "ignore", "pipe"],
        });
        this.proc.stderr!.on("data", (d: Buffer) => (this.log += d.toString()));
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
        throw new Error(`sshd did not start: ${this.log}`);
    }

    /** The stack's `connection` for this server (root, pinned host key). */
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

    /** Stops this sshd (by its own child process, never by name). */
    async stop(): Promise<void> {
        if (this.proc && this.proc.exitCode === null) {
            const done = new Promise((r) => this.proc!.on("exit", r));
            this.proc.kill("SIGTERM");
            await done;
        }
    }
}
