/**
 * What every component that talks to the host shares: the SSH connection
 * handed to each `remote.Command`, the args they all take
 * ({@link HostCommandArgs}), and the one way this program creates a
 * `remote.Command` that converges something and can undo it: create and
 * update run the same idempotent script, delete runs the undo (both sent on
 * stdin, see host/stdin-script.ts), both wrapped with generations
 * (host/generation.ts) so that a replaced resource's delete never undoes its
 * replacement's work.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ConnectionSpec } from "../config/types";
import { generational } from "../host/generation";
import { RUN_CONVERGE, RUN_REMOVE, stdinScript } from "../host/stdin-script";
import { asRoot } from "../host/sudo";

export type RemoteConnection = command.types.input.remote.ConnectionArgs;

/** Builds the remote.Command connection; the private key stays a secret Output. */
export function remoteConnection(
    spec: ConnectionSpec,
    privateKey: pulumi.Input<string>,
): RemoteConnection {
    return {
        host: spec.host,
        port: spec.port,
        user: spec.user,
        privateKey: pulumi.secret(privateKey),
        ...(spec.hostKey ? { hostKey: spec.hostKey } : {}),
        dialErrorLimit: spec.dialErrorLimit,
        perDialTimeout: spec.perDialTimeout,
    };
}

/** The args every component that runs commands on the host takes. */
export interface HostCommandArgs {
    /** SSH connection to the Dokku host (private key as a secret), from {@link remoteConnection}. */
    connection: RemoteConnection;
    /** Where the ledger, generations and the prune script live on the host, e.g. `/var/lib/dokku-shared-cache`. */
    stateDir: string;
    /** Identity of the SSH connection (`connectionId(spec, key)`), for generations. */
    connectionId: string;
    /** `connection.sudo`: every command text runs through `sudo -n` (host/sudo.ts); default false. */
    sudo?: boolean;
}

/** Just the {@link HostCommandArgs} of a component's args (to pass them on). */
export function hostArgs(a: HostCommandArgs): HostCommandArgs {
    const { connection, stateDir, connectionId, sudo } = a;
    return { connection, stateDir, connectionId, ...(sudo ? { sudo } : {}) };
}

export interface ConvergeCommandArgs extends HostCommandArgs {
    /** Generation id on the host, e.g. `app-api`, `dir-pip`. */
    id: string;
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
    const run = asRoot(
        args.convergeArg ? `${RUN_CONVERGE} ${args.convergeArg}` : RUN_CONVERGE,
        args.sudo,
    );
    return new command.remote.Command(
        name,
        {
            connection: args.connection,
            // Short stable texts (they appear in the provider's error); the
            // scripts go on stdin (see stdin-script.ts).
            create: run,
            update: run,
            delete: asRoot(RUN_REMOVE, args.sudo),
            // A secret only for the display: `pulumi preview --diff` shows `[secret]`
            // instead of the scripts' text (generation hashes, JSON); the stack outputs
            // say what changes, per app (docs/preview.md). The provider gets the
            // plain text; the engine stores it encrypted like the private key.
            stdin: pulumi.secret(stdinScript({ converge: g.script, remove: g.delete })),
            addPreviousOutputInEnv: false,
        },
        opts,
    );
}
