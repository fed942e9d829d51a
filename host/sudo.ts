/**
 * `connection.sudo: true`: the scripts run as root through `sudo -n` when
 * the SSH user is not root (servers with `PermitRootLogin no`). The command
 * texts stay short and stable (host/stdin-script.ts), only prefixed; the
 * sudoers line that allows exactly them; and the explanation added when sudo
 * refuses. Pure.
 */
import { RUN_CONVERGE, RUN_REMOVE, RUN_SCRIPT } from "./stdin-script";

/**
 * A command text run as root through sudo when the stack sets
 * `connection.sudo: true` (`sudo -n sh -s converge`); `-n`: never ask for a
 * password, fail instead (there is no terminal). sudo passes the command's
 * stdin, arguments and exit status through unchanged (sudo 1.9.13p3: stdin
 * read by `sh -s`, `converge 3` in "$@", `exit 7` gives 7). The scripts read
 * nothing from the session's environment (everything is on stdin or in the
 * text), so sudo's env_reset and secure_path change nothing they use.
 */
export function asRoot(text: string, sudo: boolean | undefined): string {
    return sudo ? `sudo -n ${text}` : text;
}

/**
 * What `connection.sudo: true` runs through `sudo -n`, as sudoers command
 * specs: the probe/verify/purge text, converge (with and without the drift
 * repair generation after it) and remove. sudo finds `sh` on its secure_path
 * (/usr/bin/sh on a merged-/usr host) and matches it to /bin/sh by device
 * and inode, so /bin/sh works on both layouts (checked with sudo 1.9.13p3).
 */
export const SUDO_COMMANDS = [
    `/bin/${RUN_SCRIPT}`,
    `/bin/${RUN_CONVERGE}`,
    `/bin/${RUN_CONVERGE} *`,
    `/bin/${RUN_REMOVE}`,
] as const;

/** The sudoers line that lets `user` run this program's scripts (docs/sudo.md). */
export function sudoersLine(user: string): string {
    return `${user} ALL=(root) NOPASSWD: ${SUDO_COMMANDS.join(", ")}`;
}

/**
 * What sudo prints (on stderr, exit 1) when `sudo -n` will not run the
 * command. Seen here with sudo 1.9.13p3 (test/io/sudo.ssh.test.ts): "sudo: a
 * password is required", both for a user whose sudoers lines do not allow the
 * command without a password and for a user with no sudoers line at all (-n
 * fails before "not in the sudoers file" could be said). Also matched, as
 * sudo words them: "sudo: USER is not in the sudoers file…", "Sorry, user
 * USER is not allowed to execute …" (no "sudo:" prefix), "sudo: sorry, you
 * must have a tty to run sudo" (requiretty); and the shell's "sudo: not
 * found" when sudo is not installed.
 */
const SUDO_REFUSED =
    /^(sudo: (a password is required|.*is not in the sudoers file|sorry, you must have a tty)|Sorry, user .* is not allowed to execute|.*sudo: (command )?not found).*$/m;

/**
 * The explanation to add when `stderr` (of a command run with
 * `connection.sudo: true` as `user`) is sudo refusing; undefined otherwise.
 */
export function sudoRefusal(user: string, stderr: string): string | undefined {
    const m = SUDO_REFUSED.exec(stderr);
    if (!m) return undefined;
    return (
        `connection.sudo is true, but sudo on the host would not run this program's scripts for ${JSON.stringify(user)} ` +
        `without a password (${JSON.stringify(m[0].trim())}). Give the user this line (visudo -f /etc/sudoers.d/dokku-shared-cache): ` +
        `${sudoersLine(user)}  (see docs/sudo.md); or connect as root (connection.user: root, connection.sudo: false)`
    );
}
