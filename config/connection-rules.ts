/**
 * Which SSH users can run this program's scripts (pure; validation wires it
 * in as `dokku-shared-cache:connection.user`).
 *
 * Every remote command runs `sh -s converge` (or the probe's `sh -s`) with
 * the script on stdin, and the scripts need root's rights: `dokku` as root,
 * `chown`/`chmod` of the shared cache directories, writes under
 * /var/lib/dokku-shared-cache, /etc/docker/daemon.json, /etc/systemd/system
 * and /etc/cron.d.
 *
 * The `dokku` user cannot run them at all: its keys in
 * ~dokku/.ssh/authorized_keys carry sshcommand's forced command
 * (dokku/sshcommand v0.20.2 `sshcommand acl-add`:
 * `command="FINGERPRINT=… NAME=… \`cat ~/.sshcommand\` $SSH_ORIGINAL_COMMAND"`),
 * so `ssh dokku@host 'sh -s converge'` runs `dokku sh -s converge`, which
 * Dokku (v0.38.27 `dokku`, the SSH_ORIGINAL_COMMAND branch) answers with
 * "`sh -s converge` is not a dokku command" after reading nothing.
 */

/** The user name that can never work, and why. */
export const DOKKU_SSH_USER = "dokku";

/**
 * Why `user` cannot be `connection.user`, or undefined when it may be used.
 * Only `dokku` is refused outright: another name may be an account with
 * root's rights (uid 0), which works.
 */
export function connectionUserProblem(user: string): string | undefined {
    if (user !== DOKKU_SSH_USER) return undefined;
    return (
        "must not be \"dokku\": Dokku's SSH user runs every login through sshcommand's forced command, " +
        'so this program\'s "sh -s converge" would run as "dokku sh -s converge" and fail. ' +
        "Use root (the default), another account with root's rights (uid 0), or a user that may run " +
        "/bin/sh through sudo with connection.sudo: true (docs/sudo.md): the scripts run dokku, " +
        'chown the cache directories and write /etc/docker/daemon.json and systemd/cron files; got "dokku"'
    );
}
