/**
 * dokku-shared-cache as a library: the `DokkuSharedCache` component for a
 * Pulumi TypeScript program that manages Dokku hosts itself.
 *
 *   import { createDokkuSharedCache } from "dokku-shared-cache";
 *   const cfg = new pulumi.Config();
 *   export = async () => {
 *       const web1 = await createDokkuSharedCache("web1", {
 *           connection: { host: "web1.example.com", hostKey: "ssh-ed25519 AAAA…" },
 *           privateKey: cfg.requireSecret("sshKey"),
 *           apps: ["api", { name: "web", caches: ["npm"] }],
 *       });
 *       return { summary: web1.summary };
 *   };
 *
 * The args are the stack keys of the single-host form (docs/configuration.md),
 * validated by the same code: a bad value
 * throws one error (a frameless `pulumi.RunError`) naming every problem
 * (`dokku-shared-cache:apps[1].caches[0]: unknown cache "nmp"; …`) before any
 * resource is declared or the host is contacted.
 */
import * as pulumi from "@pulumi/pulumi";
import { RawSettings } from "../config/raw";
import { AfterChange, Builder, CachePruneKind } from "../config/types";
import { validateSettings } from "../config/validate";
import { DokkuSharedCache } from "../components/dokku-shared-cache";
import { probeHost } from "../io/ssh";
import { declareHost, planHost, userFacingError } from "../program";

export { DokkuSharedCache };
export type { DokkuSharedCacheArgs } from "../components/dokku-shared-cache";
export type { AfterChange, Builder, CachePruneKind };

/** How to reach the host over SSH (`connection`). */
export interface ConnectionArgs {
    /** DNS name or IP of the Dokku host. */
    host: string;
    /** SSH port (default 22). */
    port?: number;
    /** SSH user (default root). */
    user?: string;
    /** The host's public key line (`ssh-ed25519 AAAA…`, or what `ssh-keyscan` prints), pinned. */
    hostKey?: string;
    /** The only way to connect without `hostKey`. */
    insecureSkipHostKeyPinning?: boolean;
    /** Dial attempts before the host counts as unreachable (default 3). */
    dialErrorLimit?: number;
    /** Seconds per dial attempt (default 10). */
    perDialTimeout?: number;
}

/** One shared cache (`caches.<name>`); `true` takes the built-in default of that name. */
export interface CacheArgs {
    /** Directory under `sharedRoot` (default: the cache name). */
    dir?: string;
    /** Where the cache is mounted in the app's containers. */
    containerPath?: string;
    /** Env vars set for apps that use this cache. */
    env?: Record<string, string>;
    /** `uid:gid` of the directory (default `0:0`). */
    owner?: string;
    /** Mode of the directory (default `0755`). */
    mode?: string;
    /** Size the scheduled job brings the cache under, e.g. `2GB` (built-in caches have defaults). */
    maxSize?: string;
    /** Entries unused for this long go, e.g. `720h`, where the prune kind allows it. */
    maxAge?: string;
    /** How the cache is pruned (default: a built-in cache's own tool, `none` for other caches). */
    prune?: CachePruneKind;
}

/** One app (`apps[i]`): a name, or the name with its options. */
export type AppArgs =
    | string
    | {
          name: string;
          /** Caches this app uses (default: all). */
          caches?: string[];
          /** Caches mounted read-only. */
          readOnly?: string[];
          builder?: Builder;
          /** A cache group: its own copy of the caches under `groups/<group>/`. */
          group?: string;
      };

/** The args of {@link createDokkuSharedCache}: the stack keys of one host. */
export interface DokkuSharedCacheHostArgs {
    connection: ConnectionArgs;
    /** SSH private key for `connection.user` (keep it a secret; its value must be known at preview). */
    privateKey: pulumi.Input<string>;
    /** Apps to manage (default none). */
    apps?: AppArgs[];
    /** Cache name → options or `true` (default: pip, uv, npm, ms-playwright, rust). */
    caches?: Record<string, boolean | CacheArgs>;
    /** Where cache directories live (default `/var/lib/dokku/data/shared`). */
    sharedRoot?: string;
    /** Host-side ledger and generations (default `/var/lib/dokku-shared-cache`). */
    stateDir?: string;
    /** Also manage every app the host lists. */
    discover?:
        boolean | { enabled?: boolean; exclude?: string[]; caches?: string[]; builder?: Builder };
    /** What to do with deployed apps whose mounts or env changed (default `restart`). */
    afterChange?: AfterChange;
    /** Host-wide bound on concurrent restarts (default 2). */
    maxParallelRestarts?: number;
    /** Seconds an app's converge waits for a running deploy of the app (default 600, 0-3600). */
    deployWaitSeconds?: number;
    /** Delete a cache's data when it leaves the config (default false). */
    purgeRemovedCaches?: boolean;
    /** Read each app's mounts and env at preview/up and repair drift (default true). */
    detectDrift?: boolean;
    /** Docker build cache bounds, or `false` (docs/build-cache.md). */
    buildCache?: false | Record<string, unknown>;
    /** Cache warm-up (docs/build-cache.md). */
    warmup?: Record<string, unknown>;
    /** Host paths of daemon.json, systemd and cron (docs/configuration.md). */
    hostPaths?: Record<string, string>;
    /** Free-space watch: below `minFree` (default `1GB`) `up` frees space first (docs/full-disk.md). */
    disk?: { minFree?: string };
}

function known<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/**
 * Validates `args` exactly as the stack program does, reads the host
 * read-only when drift detection or `discover` needs it (a configured app
 * missing on the host fails here, naming it), and declares the
 * {@link DokkuSharedCache} component named `name` (`name` is part of every
 * URN below it: keep it stable).
 */
export async function createDokkuSharedCache(
    name: string,
    args: DokkuSharedCacheHostArgs,
    opts?: pulumi.ComponentResourceOptions,
): Promise<DokkuSharedCache> {
    const key = await known(pulumi.output(args.privateKey));
    try {
        const settings = validateSettings({ ...(args as unknown as RawSettings), privateKey: key });
        const plan = await planHost(settings, key, probeHost, true);
        return declareHost(name, plan, pulumi.secret(args.privateKey), key, opts);
    } catch (e) {
        // The stack program's errors, as its CLI shows them (frameless: see userFacingError).
        throw userFacingError(e);
    }
}
