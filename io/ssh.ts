/**
 * SSH from this machine to the host: the system OpenSSH client with the
 * pinned host key. {@link runSsh} is the only place that opens a session
 * outside the command provider (the read-only probe and `npm run verify`).
 */
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConnectionSpec } from "../config/types";
import { DiskPaths } from "../host/disk";
import { Observed, parseProbe, probeScript } from "../host/probe";
import { RUN_SCRIPT } from "../host/stdin-script";
import { asRoot, sudoRefusal } from "../host/sudo";

/** Lines for an OpenSSH known_hosts file pinning `hostKey` for host:port. */
export function knownHostsLine(host: string, port: number, hostKey: string): string {
    const name = port === 22 ? host : `[${host}]:${port}`;
    return `${name} ${hostKey.split(" ").slice(0, 2).join(" ")}\n`;
}

/** Temp folders holding a key file for one ssh run: `dsc-ssh-<pid>-XXXXXX`. */
export const KEY_DIR_PREFIX = "dsc-ssh-";

/**
 * Removes the key folders of processes that are gone: a run killed with SIGKILL (an engine
 * killed mid-probe) cannot remove its own, and the private key must not stay on disk.
 */
export function removeOrphanKeyDirs(tmp = os.tmpdir()): string[] {
    const removed: string[] = [];
    for (const f of fs.readdirSync(tmp)) {
        const m = new RegExp(`^${KEY_DIR_PREFIX}(\\d+)-`).exec(f);
        if (!m || Number(m[1]) === process.pid) continue;
        try {
            process.kill(Number(m[1]), 0);
            continue; // that process is alive
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "ESRCH") continue;
        }
        fs.rmSync(path.join(tmp, f), { recursive: true, force: true });
        removed.push(f);
    }
    return removed;
}

/**
 * Runs `script` on the host through the system `ssh` client (the script on
 * stdin of `remoteCommand`, default `sh -s`, as remote.Command runs its
 * short command texts with its `stdin`): pinned host key
 * (StrictHostKeyChecking=yes with a private known_hosts), the key from a 0600
 * temp file removed afterwards, bounded connection attempts. With
 * `connection.sudo` the text runs through `sudo -n` (host/sudo.ts), and when
 * sudo refuses, stderr ends with the sudoers line the user needs.
 */
export async function runSsh(
    conn: ConnectionSpec,
    privateKey: string,
    script: string,
    remoteCommand = RUN_SCRIPT,
): Promise<{ code: number; stdout: string; stderr: string }> {
    const r = await runSshAs(conn, privateKey, script, asRoot(remoteCommand, conn.sudo));
    const refused = conn.sudo && r.code !== 0 ? sudoRefusal(conn.user, r.stderr) : undefined;
    return refused ? { ...r, stderr: `${r.stderr.trimEnd()}\n${refused}\n` } : r;
}

/** {@link runSsh} with `remoteCommand` exactly as given (no sudo). */
async function runSshAs(
    conn: ConnectionSpec,
    privateKey: string,
    script: string,
    remoteCommand: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
    removeOrphanKeyDirs();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${KEY_DIR_PREFIX}${process.pid}-`));
    try {
        const keyFile = path.join(dir, `id-${crypto.randomBytes(4).toString("hex")}`);
        fs.writeFileSync(keyFile, privateKey.endsWith("\n") ? privateKey : privateKey + "\n", {
            mode: 0o600,
        });
        const known = path.join(dir, "known_hosts");
        const opts = [
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            `ConnectTimeout=${conn.perDialTimeout}`,
            "-o",
            `ConnectionAttempts=${conn.dialErrorLimit}`,
            "-o",
            "LogLevel=ERROR",
            "-F",
            "/dev/null",
        ];
        if (conn.hostKey) {
            fs.writeFileSync(known, knownHostsLine(conn.host, conn.port, conn.hostKey));
            opts.push(
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                `UserKnownHostsFile=${known}`,
                "-o",
                "GlobalKnownHostsFile=/dev/null",
            );
        } else {
            opts.push("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null");
        }
        const args = [
            ...opts,
            "-i",
            keyFile,
            "-p",
            String(conn.port),
            `${conn.user}@${conn.host}`,
            remoteCommand,
        ];
        return await new Promise((resolve, reject) => {
            const p = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            p.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
            p.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
            p.on("error", reject);
            p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
            // ssh may exit (unreachable host, refused key) before reading the script.
            p.stdin.on("error", () => undefined);
            p.stdin.end(script);
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Probes the host read-only; throws with ssh's message when it cannot. */
export async function probeHost(
    conn: ConnectionSpec,
    privateKey: string,
    apps: readonly string[],
    everyApp = false,
    stateDir = "",
    disk?: DiskPaths,
): Promise<Observed> {
    const r = await runSsh(conn, privateKey, probeScript(apps, everyApp, stateDir, stateDir, disk));
    if (r.code !== 0) {
        throw new Error(
            `dokku-shared-cache: cannot read ${conn.user}@${conn.host}:${conn.port} (ssh exit ${r.code}): ${r.stderr.trim()}`,
        );
    }
    return parseProbe(r.stdout);
}
