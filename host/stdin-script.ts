/**
 * How a script reaches the host: on the command's standard input, never in
 * its command text. The command provider puts the command text into its
 * error ("Process exited with status 1: running "<create>": <output>"), so a
 * failed run used to show the user the whole converge script. Each
 * `remote.Command` now runs a short, stable text ({@link RUN_CONVERGE},
 * {@link RUN_REMOVE}) and gets both scripts on `stdin` (pulumi-command
 * v1.2.1 `remote/commandOutputs.go` feeds `stdin` to create, update and
 * delete alike, and delete runs with the stored old inputs, so the old stdin
 * carries the old undo). A changed `stdin` is an update, like a changed
 * `create`: it is an ordinary input, not `replaceOnChanges`.
 *
 * `sh -s` reads its script from stdin while it runs it, so a command in the
 * script that reads stdin would eat the rest of the script. The whole text
 * is therefore one `case` compound command, which the shell parses to the
 * end before running any of it, and each branch runs with stdin from
 * /dev/null.
 */

/** create/update text: run the converge part of the stdin script. */
export const RUN_CONVERGE = "sh -s converge";
/** delete text: run the remove part of the stdin script. */
export const RUN_REMOVE = "sh -s remove";

/** The read-only probe's, `npm run verify`'s and `npm run purge-app-cache`'s text (io/ssh.ts). */
export const RUN_SCRIPT = "sh -s";

/** The stdin text for {@link RUN_CONVERGE} / {@link RUN_REMOVE}. */
export function stdinScript(parts: { converge: string; remove?: string }): string {
    const branch = (name: string, script: string) =>
        `${name})\n{\n${script.endsWith("\n") ? script : script + "\n"}} </dev/null\n;;\n`;
    return (
        "# dokku-shared-cache: run as `sh -s converge` or `sh -s remove` with this text on stdin.\n" +
        'case "${1:-}" in\n' +
        branch("converge", parts.converge) +
        (parts.remove !== undefined ? branch("remove", parts.remove) : "remove) ;;\n") +
        '*) echo "dokku-shared-cache: usage: sh -s converge|remove (script on stdin)" >&2; exit 2 ;;\n' +
        "esac\n"
    );
}
