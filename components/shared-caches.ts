/**
 * SharedCaches: one remote command per shared cache directory, creating it
 * with its owner and mode. Removing a cache keeps its data unless the stack
 * set `purgeRemovedCaches`.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { RemoteConnection } from "./connection";
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
}

export class SharedCaches extends pulumi.ComponentResource {
    /** Host paths of the shared cache directories, by cache name. */
    public readonly paths: pulumi.Output<Record<string, string>>;
    /** The per-directory commands (for dependsOn). */
    public readonly commands: command.remote.Command[];

    constructor(name: string, args: SharedCachesArgs, opts?: pulumi.ComponentResourceOptions) {
        super(SHARED_CACHES_TYPE, name, {}, opts);
        this.commands = args.dirs.map(
            (dir) =>
                new command.remote.Command(
                    `${name}-${dir.name}`,
                    {
                        connection: args.connection,
                        create: cacheDirCreateScript(dir),
                        update: cacheDirCreateScript(dir),
                        delete: cacheDirDeleteScript(dir, args.purgeRemovedCaches),
                        addPreviousOutputInEnv: false,
                    },
                    { parent: this, deleteBeforeReplace: true },
                ),
        );
        this.paths = pulumi.output(Object.fromEntries(args.dirs.map((d) => [d.name, d.hostPath])));
        this.registerOutputs({ paths: this.paths });
    }
}
