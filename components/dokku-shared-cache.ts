/**
 * DokkuSharedCache: the whole program for one Dokku host: the shared cache
 * directories, then one AppCaches per managed app.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConnectionSpec } from "../config/types";
import { DesiredState } from "../model/desired-state";
import { AppSummary, appSummary, summaryText } from "../report/summary";
import { AppCaches } from "./app-caches";
import { CacheWarmup } from "./cache-warmup";
import { BuildCache } from "./docker-build-cache";
import { cachePruneTargets } from "../model/desired-state";
import { HostCommandArgs, hostArgs } from "./remote-command";
import { SharedCaches } from "./shared-caches";
import { FirstAid } from "./first-aid";
import { firstAidScript } from "../host/disk";
import { minFreeBytes } from "../rules/disk";
import { DEFAULT_BUILD_CACHE } from "../config/defaults";

/** Stable type token. */
export const DOKKU_SHARED_CACHE_TYPE = "dokku-shared-cache:index:DokkuSharedCache";

export interface DokkuSharedCacheArgs extends Omit<HostCommandArgs, "stateDir"> {
    /** The desired state from `buildDesiredState` (its `stateDir` is the host's). */
    desired: DesiredState;
    /**
     * Per app name, its drift repair generation (see program.ts); undefined
     * when drift detection is off.
     */
    repair?: Record<string, number>;
    /**
     * The first aid generation from the probe (program.ts: one more than the host's record when
     * a file system is below `disk.minFree`); undefined when the program did not probe.
     */
    firstAid?: { generation: number; due: boolean };
    /** The validated connection (host, port, user), for the Docker provider of the optional warm-up. */
    connectionSpec?: ConnectionSpec;
    /** Local known_hosts file pinning the host key, for the warm-up's ssh (e.g. `~/.dokku-shared-cache/known_hosts`). */
    knownHostsFile?: string;
}

export class DokkuSharedCache extends pulumi.ComponentResource {
    public readonly caches: SharedCaches;
    /** Frees space on a full host first; everything that writes depends on it. */
    public readonly firstAid: FirstAid;
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
        const host = hostArgs({ ...args, stateDir: d.stateDir });
        this.firstAid = new FirstAid(
            `${name}-first-aid`,
            {
                connection: args.connection,
                generation: args.firstAid?.generation,
                due: args.firstAid?.due,
                sudo: host.sudo,
                script: firstAidScript({
                    sharedRoot: d.sharedRoot,
                    stateDir: d.stateDir,
                    minFree: minFreeBytes(d.disk.minFree),
                    buildCache: d.buildCache ?? DEFAULT_BUILD_CACHE,
                    caches: cachePruneTargets(d.dirs),
                }),
            },
            { parent: this },
        );
        const afterFirstAid = [this.firstAid.command];
        this.caches = new SharedCaches(
            `${name}-caches`,
            { ...host, dirs: d.dirs, purgeRemovedCaches: d.purgeRemovedCaches },
            { parent: this, dependsOn: afterFirstAid },
        );
        this.apps = {};
        for (const app of d.apps) {
            this.apps[app.name] = new AppCaches(
                `${name}-app-${app.name}`,
                {
                    ...host,
                    app,
                    afterChange: d.afterChange,
                    maxParallelRestarts: d.maxParallelRestarts,
                    deployWaitSeconds: d.deployWaitSeconds,
                    repair: args.repair?.[app.name],
                },
                { parent: this, dependsOn: [...this.caches.commands, ...afterFirstAid] },
            );
        }
        if (d.buildCache) {
            this.buildCache = new BuildCache(
                `${name}-build-cache`,
                {
                    ...host,
                    spec: d.buildCache,
                    paths: d.hostPaths,
                    caches: cachePruneTargets(d.dirs),
                },
                { parent: this, dependsOn: [...this.caches.commands, ...afterFirstAid] },
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
                { parent: this, dependsOn: [...this.caches.commands, ...afterFirstAid] },
            );
        }
        this.cacheDirs = this.caches.paths;
        this.appSummary = pulumi.output(appSummary(d));
        this.summary = pulumi.output(summaryText(d));
        this.registerOutputs({
            cacheDirs: this.cacheDirs,
            appSummary: this.appSummary,
            summary: this.summary,
        });
    }
}
