/**
 * FirstAid: frees space on a full host before anything of this program writes
 * (docs/full-disk.md). One `remote.Command` running host/disk.ts's first aid script,
 * without a generation wrapper (those write before the script runs) and without a
 * delete (it undoes nothing). Its command text carries the first aid generation
 * (`sh -s converge N`): the probe makes N one more than the host's record when a
 * file system is below `disk.minFree`, so that `up` runs it; the script records N
 * once space is back, so the next `up` finds the same text and runs nothing.
 * Preview never runs it (a `remote.Command` runs only in the update phase).
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { FirstAidResult, parseFirstAid } from "../host/disk";
import { RUN_CONVERGE, stdinScript } from "../host/stdin-script";
import { asRoot } from "../host/sudo";
import { RemoteConnection } from "./remote-command";

/** Stable type token. */
export const FIRST_AID_TYPE = "dokku-shared-cache:index:FirstAid";

export interface FirstAidArgs {
    /** SSH connection to the host (private key as a secret). */
    connection: RemoteConnection;
    /** The first aid script (host/disk.ts `firstAidScript`). */
    script: string;
    /**
     * The first aid generation from the probe (program.ts); undefined when the program did not
     * probe (`detectDrift: false` and no `discover`): the command then keeps its last text.
     */
    generation?: number;
    /**
     * Whether a file system is below `disk.minFree` now. When not, a changed script (other
     * bounds in the stack) is not an update: the command keeps its last script until first aid
     * is due again, so a config change does not run it and a converged host shows no change.
     */
    due?: boolean;
    /** `connection.sudo`: the command text runs through `sudo -n` (host/sudo.ts); default false. */
    sudo?: boolean;
}

export class FirstAid extends pulumi.ComponentResource {
    /** The command everything that writes depends on. */
    public readonly command: command.remote.Command;
    /** What the last run did: bytes freed, free space per file system; unknown during preview. */
    public readonly result: pulumi.Output<FirstAidResult | undefined>;

    constructor(name: string, args: FirstAidArgs, opts?: pulumi.ComponentResourceOptions) {
        super(FIRST_AID_TYPE, name, {}, opts);
        const gen = args.generation;
        const run = asRoot(gen ? `${RUN_CONVERGE} ${Math.trunc(gen)}` : RUN_CONVERGE, args.sudo);
        this.command = new command.remote.Command(
            `${name}-run`,
            {
                connection: args.connection,
                create: run,
                update: run,
                // [secret]: a preview shows no script text (components/remote-command.ts)
                stdin: pulumi.secret(stdinScript({ converge: args.script })),
                addPreviousOutputInEnv: false,
            },
            {
                parent: this,
                ignoreChanges: [
                    ...(gen === undefined ? ["create", "update"] : []),
                    ...(args.due ? [] : ["stdin"]),
                ],
            },
        );
        this.result = this.command.stdout.apply((s) => {
            const r = s ? parseFirstAid(s) : undefined;
            if (r?.ran) {
                const where = r.disk
                    .map(
                        (d) =>
                            `${d.mount} (${d.labels.join(", ")}) ${d.availBefore} -> ${d.availBytes} bytes free`,
                    )
                    .join("; ");
                void pulumi.log.info(`first aid freed ${r.freedBytes} bytes: ${where}`, this);
            }
            return r;
        });
        this.registerOutputs({ result: this.result });
    }
}
