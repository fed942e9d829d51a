/**
 * A throwaway ordinary Unix user who logs in to a test sshd (testkit/sshd.ts)
 * with its client key, as an operator does on a server with
 * `PermitRootLogin no`; with `sudoers: true` it gets the sudoers line the
 * program documents (host/sudo.ts `sudoersLine`, docs/sudo.md) in
 * /etc/sudoers.d/<name>, checked with `visudo -cf` before it is installed.
 *
 * The test hosts hand their scripts a session environment through sshd's
 * `SetEnv` (the doubles' PATH and state root; the real Dokku's wrapper PATH and
 * DOCKER_HOST), which a root login sees as it is. sudo resets it (env_reset,
 * secure_path), so the test user's sudoers file also carries two `Defaults:`
 * lines giving the scripts under sudo the same environment a root login has:
 * `secure_path` = the session PATH and `env_keep` of the other names. On a real
 * host no such lines are needed: the scripts read nothing from the session
 * (host/sudo.ts).
 *
 * Names are unique per process (`dsc<pid><label>`); {@link SudoUser.remove}
 * deletes the user, its home and its sudoers file.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { sudoersLine } from "../host/sudo";
import { LoopbackSshd, USER_KEYS_FILE } from "./sshd";

export class SudoUser {
    readonly home: string;
    readonly sudoersFile: string;

    private constructor(readonly name: string) {
        this.home = `/home/${name}`;
        this.sudoersFile = `/etc/sudoers.d/${name}`;
    }

    /** The lines of the user's sudoers file (the documented line last). */
    static sudoers(name: string, env: Record<string, string>): string {
        const { PATH, ...kept } = env;
        return [
            ...(PATH ? [`Defaults:${name} secure_path="${PATH}"`] : []),
            ...(Object.keys(kept).length
                ? [`Defaults:${name} env_keep += "${Object.keys(kept).join(" ")}"`]
                : []),
            sudoersLine(name),
            "",
        ].join("\n");
    }

    /** Creates the user, lets it log in to `sshd` with the client key, and (optionally) sudo. */
    static create(label: string, sshd: LoopbackSshd, opts: { sudoers: boolean }): SudoUser {
        const u = new SudoUser(`dsc${process.pid}${label}`.slice(0, 32));
        u.remove(); // a leftover of a killed run
        // `-p '*'`: no password but not locked (sshd without PAM refuses a locked account).
        execFileSync("useradd", ["-m", "-d", u.home, "-s", "/bin/sh", "-p", "*", u.name]);
        const keys = path.join(u.home, USER_KEYS_FILE);
        fs.writeFileSync(keys, sshd.clientPublicKey + "\n", { mode: 0o600 });
        execFileSync("chown", [`${u.name}:`, keys]);
        if (opts.sudoers) {
            const tmp = `${u.sudoersFile}.tmp`;
            fs.writeFileSync(tmp, SudoUser.sudoers(u.name, sshd.env), { mode: 0o440 });
            try {
                execFileSync("visudo", ["-cqf", tmp]);
                fs.renameSync(tmp, u.sudoersFile);
            } finally {
                fs.rmSync(tmp, { force: true });
            }
        }
        return u;
    }

    /** Deletes the user, its home and its sudoers file (each only if present). */
    remove(): void {
        fs.rmSync(this.sudoersFile, { force: true });
        if (spawnSync("id", ["-u", this.name], { stdio: "ignore" }).status === 0) {
            // userdel exits 12 when the user has no mail spool; that the user is gone is checked.
            spawnSync("userdel", ["-r", "-f", this.name], { stdio: "ignore" });
            if (spawnSync("id", ["-u", this.name], { stdio: "ignore" }).status === 0) {
                throw new Error(`userdel ${this.name} failed`);
            }
        }
        fs.rmSync(this.home, { recursive: true, force: true });
    }
}
