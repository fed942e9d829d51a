/**
 * The one way this program creates a `remote.Command` that converges
 * something and can undo it: create and update run the same idempotent
 * script, delete runs the undo (both sent on stdin, see stdin-script.ts),
 * both wrapped with generations (see
 * generation.ts) so that a replaced resource's delete never undoes its
 * replacement's work.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { RemoteConnection } from "./connection";
import { generational } from "./generation";
import { RUN_CONVERGE, RUN_REMOVE, stdinScript } from "./stdin-script";

export interface ConvergeCommandArgs {
    connection: RemoteConnection;
    /** Generation id on the host, e.g. `app-api`, `dir-pip`. */
    id: string;
    /** Where generations are recorded, e.g. `/var/lib/dokku-shared-cache`. */
    stateDir: string;
    /** Identity of the SSH connection (`connectionId`). */
    connectionId: string;
    /** Idempotent create/update script. */
    converge: string;
    /** Undo script; undefined = nothing to undo. */
    remove?: string;
    /**
     * A word after `sh -s converge` in the command text (create/update), not
     * in the script: the app's drift repair generation (see app-caches.ts).
     * Changing it is an update that runs the same script.
     */
    convergeArg?: string;
}

export function convergeCommand(
    name: string,
    args: ConvergeCommandArgs,
    opts: pulumi.CustomResourceOptions,
): command.remote.Command {
    const g = generational(args.id, args.stateDir, args.connectionId, args.converge, args.remove);
    const run = args.convergeArg ? `${RUN_CONVERGE} ${args.convergeArg}` : RUN_CONVERGE;
    return new command.remote.Command(
        name,
        {
            connection: args.connection,
            // Short stable texts (they appear in the provider's error); the
            // scripts go on stdin (see stdin-script.ts).
            create: run,
            update: run,
            delete: RUN_REMOVE,
            stdin: stdinScript({ converge: g.script, remove: g.delete }),
            addPreviousOutputInEnv: false,
        },
        opts,
    );
}
