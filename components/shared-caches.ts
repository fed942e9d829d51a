/**
 * SharedCaches: one remote command per shared cache directory, creating it
 * with its owner and mode. Removing a cache keeps its data unless the stack
 * set `purgeRemovedCaches`.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { cacheDirCreateScript, cacheDirDeleteScript } from "../host/cache-dirs";
import { CacheDir } from "../model/desired-state";
import { HostCommandArgs, convergeCommand, hostArgs } from "./remote-command";

/** Stable type token: renaming it would replace every cache directory resource. */
export const SHARED_CACHES_TYPE = "dokku-shared-cache:index:SharedCaches";

export interface SharedCachesArgs extends HostCommandArgs {
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
        this.commands = args.dirs.map((dir) =>
            convergeCommand(
                `${name}-${dir.name}`,
                {
                    ...hostArgs(args),
                    id: `dir-${dir.name}`,
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
