/**
 * BuildCache: keeps Docker's build cache bounded through the Docker daemon.
 * Children: the scheduled prune (script + systemd timer or cron entry), an
 * optional one-off prune, and an optional builder GC policy in daemon.json.
 * Destroy removes the schedule and puts back the previous builder GC.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import {
    BuildCacheScriptOptions,
    cachesPruneNowScript,
    daemonGcRemoveScript,
    daemonGcScript,
    pruneNowScript,
    scheduleInstallScript,
    scheduleRemoveScript,
} from "../host/build-cache";
import { parsePruneOutput } from "../rules/docker-size";
import { BuildCacheSpec, HostPathsSpec } from "../config/types";
import { CachePruneTarget, parseCachePruneResults } from "../host/cache-prune";
import { parseResults } from "../host/result";
import { RUN_CONVERGE, stdinScript } from "../host/stdin-script";
import { asRoot } from "../host/sudo";
import { HostCommandArgs, convergeCommand, hostArgs } from "./remote-command";

/** Stable type token. */
export const BUILD_CACHE_TYPE = "dokku-shared-cache:index:BuildCache";

export interface BuildCacheArgs extends HostCommandArgs {
    /** Schedule, age filter, size bound, one-off prune, GC policy (validated). */
    spec: BuildCacheSpec;
    /** Host paths (daemon.json, systemd, cron), as validated (config/ applies their defaults). */
    paths: HostPathsSpec;
    /** The shared cache directories the same job brings under their bounds. */
    caches?: readonly CachePruneTarget[];
}

export class BuildCache extends pulumi.ComponentResource {
    /** Scheduler (`systemd`/`cron`) and prune variant found on the host; unknown during preview. */
    public readonly schedule: pulumi.Output<Record<string, unknown> | undefined>;
    /** Whether daemon.json changed and Docker needs a restart for the GC policy to apply. */
    public readonly gc: pulumi.Output<Record<string, unknown> | undefined>;
    /** The one-off prune: build cache size before/after and bytes reclaimed; unknown during preview. */
    public readonly pruned: pulumi.Output<Record<string, unknown> | undefined>;
    /** The one-off shared-cache prune (\`cachesPruneNow\`): per cache before/after/status. */
    public readonly cachesPruned: pulumi.Output<Record<string, unknown>[] | undefined>;

    constructor(name: string, args: BuildCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super(BUILD_CACHE_TYPE, name, {}, opts);
        const o: BuildCacheScriptOptions = {
            stateDir: args.stateDir,
            paths: args.paths,
        };
        const first = (s: string) => (s ? parseResults(s)[0] : undefined);
        let installed: command.remote.Command | undefined;
        if (
            args.spec.schedule !== "off" ||
            args.spec.pruneNow !== undefined ||
            args.spec.cachesPruneNow !== undefined
        ) {
            installed = convergeCommand(
                `${name}-schedule`,
                {
                    ...hostArgs(args),
                    id: "build-cache-schedule",
                    converge: scheduleInstallScript(args.spec, o, args.caches ?? []),
                    remove: scheduleRemoveScript(o),
                },
                { parent: this },
            );
        }
        this.schedule = installed ? installed.stdout.apply(first) : pulumi.output(undefined);
        if (args.spec.pruneNow !== undefined && installed) {
            // Runs on create only; a new pruneNow token replaces it, so it runs again.
            const now = new command.remote.Command(
                `${name}-prune-now`,
                {
                    connection: args.connection,
                    create: asRoot(RUN_CONVERGE, args.sudo),
                    // [secret]: a preview shows no script text (components/remote-command.ts)
                    stdin: pulumi.secret(stdinScript({ converge: pruneNowScript(o) })),
                    triggers: [args.spec.pruneNow],
                    addPreviousOutputInEnv: false,
                },
                { parent: this, dependsOn: [installed] },
            );
            this.pruned = now.stdout.apply((s) => {
                const sizes = s ? parseResults(s).pop() : undefined;
                return sizes && { ...sizes, reclaimedBytes: parsePruneOutput(s) ?? null };
            });
        } else {
            this.pruned = pulumi.output(undefined);
        }
        if (args.spec.cachesPruneNow !== undefined && installed) {
            const now = new command.remote.Command(
                `${name}-caches-prune-now`,
                {
                    connection: args.connection,
                    create: asRoot(RUN_CONVERGE, args.sudo),
                    stdin: pulumi.secret(stdinScript({ converge: cachesPruneNowScript(o) })),
                    triggers: [args.spec.cachesPruneNow],
                    addPreviousOutputInEnv: false,
                },
                { parent: this, dependsOn: [installed] },
            );
            this.cachesPruned = now.stdout.apply((s) =>
                s ? parseCachePruneResults(s).map((r) => ({ ...r })) : undefined,
            );
        } else {
            this.cachesPruned = pulumi.output(undefined);
        }
        if (args.spec.gc) {
            const gc = convergeCommand(
                `${name}-daemon-gc`,
                {
                    ...hostArgs(args),
                    id: "build-cache-daemon-gc",
                    converge: daemonGcScript(args.spec.gc, o),
                    remove: daemonGcRemoveScript(o),
                },
                { parent: this },
            );
            this.gc = gc.stdout.apply(first);
        } else {
            this.gc = pulumi.output(undefined);
        }
        this.registerOutputs({
            schedule: this.schedule,
            gc: this.gc,
            pruned: this.pruned,
            cachesPruned: this.cachesPruned,
        });
    }
}
