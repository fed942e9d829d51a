/**
 * SharedCaches: one remote command per shared cache directory, creating it
 * with its owner and mode. Removing a cache keeps its data unless the stack
 * set `purgeRemovedCaches`.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { RemoteConnection } from "./connection";
import { convergeCommand } from "./converge-command";
import { CacheDir } from "./model";
import { cacheDirCreateScript, cacheDirDeleteScript } from "./scripts";

/** Stable type token: renaming it would replace every cache directory resource. */
export const SHARED_CACHES_TYPE = "dokku-shared-cache:index:SharedCaches";

export interface SharedCachesArgs {
    /** SSH connection to the Dokku host (private key as a secret). */
    connection: RemoteConnection;
    /** Directories to create, e.g. `{ name: "pip", hostPath: "/var/lib/dokku/data/shared/pip", owner: "0:0", mode: "0755" }`. */
    dirs: CacheDir[];
    /** Delete a directory's data when its cache leaves the config. Default false. */
    purgeRemovedCaches: boolean;
    /** Where generations are recorded on the host, e.g. `/var/lib/dokku-shared-cache`. */
    stateDir: string;
    /** Identity of the SSH connection (`connectionId`), for generations. */
    connectionId: string;
}

export class SharedCaches extends pulumi.ComponentResource {
    /** Host paths of the shared cache directories, by cache name. */
    public readonly paths: pulumi.Output<Record<string, string>>;
    /** The per-directory commands (for dependsOn). */
    public readonly commands: command.remote.Command[];

    constructor(name: string, args: SharedCachesArgs, opts?: pulumi.ComponentResourceOptions) {
        super(SHARED_CACHES_TYPE, name, {}, opts);
        this.commands = args.dirs.map((dir) =>
            convergeCommand(
                `${name}-${dir.name}`,
                {
                    connection: args.connection,
                    id: `dir-${dir.name}`,
                    stateDir: args.stateDir,
                    connectionId: args.connectionId,
                    converge: cacheDirCreateScript(dir),
                    remove: cacheDirDeleteScript(dir, args.purgeRemovedCaches),
                },
                { parent: this },
            ),
        );
        this.paths = pulumi.output(Object.fromEntries(args.dirs.map((d) => [d.name, d.hostPath])));
        this.registerOutputs({ paths: this.paths });
    }
}
