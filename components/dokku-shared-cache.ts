/**
 * DokkuSharedCache: the whole program for one Dokku host: the shared cache
 * directories, then one AppCaches per managed app.
 */
import * as pulumi from "@pulumi/pulumi";
import { AppCaches } from "./app-caches";
import { BuildCache } from "./build-cache-component";
import { CacheWarmup } from "./cache-warmup";
import { ConnectionSpec } from "./config";
import { RemoteConnection } from "./connection";
import { DesiredState, mountArg } from "./model";
import { SharedCaches } from "./shared-caches";

/** Stable type token. */
export const DOKKU_SHARED_CACHE_TYPE = "dokku-shared-cache:index:DokkuSharedCache";

export interface DokkuSharedCacheArgs {
    /** SSH connection to the Dokku host (private key as a secret). */
    connection: RemoteConnection;
    /** The desired state from `buildDesiredState`. */
    desired: DesiredState;
    /**
     * Per app name, its drift repair generation (see program.ts); undefined
     * when drift detection is off.
     */
    repair?: Record<string, number>;
    /** Identity of the SSH connection (`connectionId(spec, key)`), for generations. */
    connectionId: string;
    /** The validated connection (host, port, user), for the Docker provider of the optional warm-up. */
    connectionSpec?: ConnectionSpec;
    /** Local known_hosts file pinning the host key, for the warm-up's ssh (e.g. `~/.dokku-shared-cache/known_hosts`). */
    knownHostsFile?: string;
}

export interface AppSummary {
    mounts: string[];
    env: Record<string, string>;
    builder: string;
    discovered: boolean;
    cachesHelpBuild: boolean;
    buildNote: string;
}

export class DokkuSharedCache extends pulumi.ComponentResource {
    public readonly caches: SharedCaches;
    public readonly apps: Record<string, AppCaches>;
    public readonly buildCache?: BuildCache;
    public readonly warmup?: CacheWarmup;
    /** Host paths of the cache directories, by cache name. */
    public readonly cacheDirs: pulumi.Output<Record<string, string>>;
    /** Per app: mounts, env, builder and what the caches do for it. */
    public readonly appSummary: pulumi.Output<Record<string, AppSummary>>;
    /** A few lines a person can read in `pulumi stack output summary`. */
    public readonly summary: pulumi.Output<string>;

    constructor(name: string, args: DokkuSharedCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super(DOKKU_SHARED_CACHE_TYPE, name, {}, opts);
        const d = args.desired;
        this.caches = new SharedCaches(
            `${name}-caches`,
            {
                connection: args.connection,
                dirs: d.dirs,
                purgeRemovedCaches: d.purgeRemovedCaches,
                stateDir: d.stateDir,
                connectionId: args.connectionId,
            },
            { parent: this },
        );
        this.apps = {};
        for (const app of d.apps) {
            this.apps[app.name] = new AppCaches(
                `${name}-app-${app.name}`,
                {
                    connection: args.connection,
                    app,
                    stateDir: d.stateDir,
                    afterChange: d.afterChange,
                    maxParallelRestarts: d.maxParallelRestarts,
                    repair: args.repair?.[app.name],
                    connectionId: args.connectionId,
                },
                { parent: this, dependsOn: this.caches.commands },
            );
        }
        if (d.buildCache) {
            this.buildCache = new BuildCache(
                `${name}-build-cache`,
                {
                    connection: args.connection,
                    spec: d.buildCache,
                    stateDir: d.stateDir,
                    paths: d.hostPaths,
                    connectionId: args.connectionId,
                },
                { parent: this },
            );
        }
        const pw = d.warmup.playwright;
        if (pw && args.connectionSpec) {
            const dir = d.dirs.find((x) => x.name === pw.cache);
            if (!dir) throw new Error(`internal: warm-up cache ${pw.cache} has no directory`);
            this.warmup = new CacheWarmup(
                `${name}-warmup-${pw.cache}`,
                {
                    connection: args.connectionSpec,
                    dir,
                    image: pw.image,
                    identityFile: pw.identityFile,
                    knownHostsFile: args.knownHostsFile,
                },
                { parent: this, dependsOn: this.caches.commands },
            );
        }
        this.cacheDirs = this.caches.paths;
        this.appSummary = pulumi.output(
            Object.fromEntries(
                d.apps.map((a) => [
                    a.name,
                    {
                        mounts: a.mounts.map(mountArg),
                        env: a.env,
                        builder: a.builder,
                        discovered: a.discovered,
                        cachesHelpBuild: a.cachesHelpBuild,
                        buildNote: a.buildNote,
                    },
                ]),
            ),
        );
        this.summary = pulumi.output(summaryText(d));
        this.registerOutputs({
            cacheDirs: this.cacheDirs,
            appSummary: this.appSummary,
            summary: this.summary,
        });
    }
}

/** The human-readable summary exported as a stack output. */
export function summaryText(d: DesiredState): string {
    const lines = [
        `${d.dirs.length} shared cache dir(s) under ${d.sharedRoot}: ${d.dirs.map((x) => x.name).join(", ")}`,
        `${d.apps.length} managed app(s); after a change: ${d.afterChange} (at most ${d.maxParallelRestarts} at once, deployed apps only)`,
    ];
    for (const a of d.apps) {
        lines.push(
            `  ${a.name}${a.discovered ? " (discovered)" : ""}${a.group ? ` [group ${a.group}]` : ""}: ${a.mounts.map((m) => m.cache + (m.readOnly ? " (ro)" : "")).join(", ") || "no caches"}; builds use caches: no (${a.builder})`,
        );
    }
    lines.push("Dokku mounts reach deploy and run containers only, never an image build.");
    const b = d.buildCache;
    lines.push(
        b
            ? `Docker build cache: prune ${b.schedule === "off" ? "not scheduled" : b.schedule} (unused > ${b.olderThan}, then down to ${b.maxSize})${b.pruneNow ? `; one-off prune "${b.pruneNow}"` : ""}${b.gc ? `; daemon.json builder.gc (max ${b.gc.maxUsedSpace}, needs a Docker restart you do yourself)` : ""}`
            : "Docker build cache: not managed (buildCache: false)",
    );
    if (d.warmup.playwright) {
        lines.push(
            `Warm-up: ${d.warmup.playwright.cache} from ${d.warmup.playwright.image} (one-shot container)`,
        );
    }
    return lines.join("\n");
}
