/**
 * The validated stack configuration, as the rest of the program sees it.
 * Every field is documented with its default (config/defaults.ts) and an
 * example; docs/configuration.md's table says the same per stack key.
 */

/** What happens to a deployed app after its mounts or env changed. */
export type AfterChange = "restart" | "rebuild" | "none";
export type { Builder } from "../rules/builder";
import { Builder } from "../rules/builder";

export interface CacheSpec {
    /** Cache name, the key in `caches`, e.g. `pip`. */
    name: string;
    /** Directory under `sharedRoot`; default the name (built-in caches: their own), e.g. `rust/cargo`. */
    dir: string;
    /** Absolute path inside the app's containers, e.g. `/root/.cache/pip`. Required for new caches. */
    containerPath: string;
    /** Env vars set on every app that uses the cache, e.g. `{PIP_CACHE_DIR: "/root/.cache/pip"}`; default none. */
    env: Record<string, string>;
    /** Owner of the host directory, numeric `uid:gid`; default `0:0` (herokuish: `32767:32767`). */
    owner: string;
    /** Mode of the host directory, 4 octal digits; default `0755` (`775`/`0775` accepted). */
    mode: string;
    /** The bound the scheduled job enforces (config/defaults.ts `DEFAULT_CACHE_BOUNDS`); set by validation. */
    bound?: CacheBound;
}

/**
 * How a shared cache is brought under its bound (host/cache-prune.ts says, per kind, what
 * protects an app installing at that moment): `uv`, `npm`, `pip`, `cargo`, `playwright`
 * (the built-in caches' own), `evict-oldest` (oldest files first: only for a cache you know
 * tolerates it) or `none` (measured and reported, never pruned).
 */
export type CachePruneKind =
    "uv" | "npm" | "pip" | "cargo" | "playwright" | "evict-oldest" | "none";

export interface CacheBound {
    /** Size the cache is brought under, e.g. `2GB` (decimal units). */
    maxSize: string;
    /** Entries not written or used for this long go, e.g. `720h`; where the kind allows it. */
    maxAge: string;
    /** The mechanism; default the built-in cache's own, `none` for other caches. */
    prune: CachePruneKind;
}

export interface AppSpec {
    /** Dokku app name (Dokku 0.38's rule), e.g. `api`. */
    name: string;
    /** Names of the caches this app uses; default all caches. */
    caches: string[];
    /** Caches this app mounts read-only (a subset of `caches`); default none. */
    readOnly: string[];
    /** How the app is built; default `unknown`. */
    builder: Builder;
    /**
     * Cache group: apps share a cache only with apps of the same group; each
     * group gets its own directories under `<sharedRoot>/groups/<group>/`.
     * Default: none (the host-wide shared directories). Example `untrusted`.
     */
    group?: string;
}

export interface ConnectionSpec {
    /** DNS name or IP address of the Dokku host. Required. */
    host: string;
    /** SSH port; default 22. */
    port: number;
    /** SSH user; default `root` (so `dokku`, `chown` and daemon.json work). */
    user: string;
    /**
     * Run every script through `sudo -n` (`sudo -n sh -s converge`), for a
     * user other than root; default false. The host's sudoers must let the
     * user run `/bin/sh -s …` as root without a password (docs/sudo.md).
     * Validated settings carry it only when true.
     */
    sudo?: boolean;
    /**
     * Pinned host public key line (`ssh-ed25519 AAAA…`). Required unless the
     * stack sets `insecureSkipHostKeyPinning: true` (then undefined).
     */
    hostKey?: string;
    /** How many times a refused/failed dial is tried before failing; default 3 (1-20). */
    dialErrorLimit: number;
    /** Seconds per dial attempt; default 10 (1-300). */
    perDialTimeout: number;
}

export interface DiscoverSpec {
    /** Also manage every app the host lists; default false. */
    enabled: boolean;
    /** Host apps never managed; default none. */
    exclude: string[];
    /** Caches given to discovered apps; default all. */
    caches: string[];
    /** Builder assumed for discovered apps; default `unknown`. */
    builder: Builder;
}

/** Builder garbage-collection policy written to daemon.json (`gc: true` takes the defaults). */
export interface GcSpec {
    /** Age past which unused cache is collected; default `720h`. */
    unusedFor: string;
    /** Space BuildKit always keeps; default `10GB`. */
    reservedSpace: string;
    /** Size the build cache is collected down to; default `40GB`. */
    maxUsedSpace: string;
    /** Free disk space to keep; default `20GB`. */
    minFreeSpace: string;
}

export interface BuildCacheSpec {
    /** How often the installed prune runs; `off` installs no schedule. Default `daily` (03:17). */
    schedule: "hourly" | "daily" | "weekly" | "off";
    /** Age filter: cache not used for this long is pruned; default `168h` (`<n>h`/`<n>m`). */
    olderThan: string;
    /** Size bound the build cache is pruned down to; default `20GB` (decimal units). */
    maxSize: string;
    /**
     * One-off prune during `pulumi up`: undefined = never; `once` (from
     * `true`) or a token like `2026-11-25` runs it once, and again whenever
     * the token changes.
     */
    pruneNow?: string;
    /** Builder GC policy merged into daemon.json; undefined = daemon.json untouched. */
    gc?: GcSpec;
    /**
     * Dokku's own `docker-builder-prune` timer/cron (Dokku ≥ 0.35): `keep` (default; ours waits
     * while it runs) or `disable` (disabled while our schedule is installed, restored on destroy).
     */
    dokkuPrune?: "keep" | "disable";
    /** One-off prune of the shared caches during `pulumi up` (token, as `pruneNow`). */
    cachesPruneNow?: string;
}

export interface WarmupSpec {
    /** Fill a cache from a Playwright image before the first deploy; default off. */
    playwright?: {
        /** Image with a tag, e.g. `mcr.microsoft.com/playwright:v1.57.0-noble`. Required. */
        image: string;
        /** The cache (by name) to fill; default `ms-playwright`. */
        cache: string;
        /** Local SSH private key file for the Docker provider's ssh:// connection; default ssh agent/defaults. */
        identityFile?: string;
    };
}

/** Where daemon.json, systemd units and cron entries live on the host. */
export interface HostPathsSpec {
    /** Docker's daemon config; default `/etc/docker/daemon.json` (rootless Docker: its own, absolute). */
    daemonJson: string;
    /** Where the prune timer's units go; default `/etc/systemd/system`. */
    systemdUnitDir: string;
    /** Exists when systemd runs the host; default `/run/systemd/system`. */
    systemdRunDir: string;
    /** Where the cron entry goes without systemd; default `/etc/cron.d`. */
    cronDir: string;
    /** Dokku's home (`DOKKU_ROOT`), where leftover `<app>/cache` dirs are looked for; default `/home/dokku`. */
    dokkuRoot?: string;
}

/** Free-space watch on the host's file systems (Docker's data root, /var/lib/dokku, sharedRoot, stateDir). */
export interface DiskSpec {
    /**
     * Below this many bytes free on any of them, `verify` warns and `pulumi up` runs first aid
     * (build-cache and shared-cache prunes to their bounds) before anything that writes.
     * A config size, e.g. `"2GB"`; default `"1GB"`.
     */
    minFree: string;
}

export interface Settings {
    /** How to reach the host over SSH. */
    connection: ConnectionSpec;
    /** Where cache directories live; default `/var/lib/dokku/data/shared`. */
    sharedRoot: string;
    /** Host-side ledger, generations and the prune script; default `/var/lib/dokku-shared-cache`. */
    stateDir: string;
    /** The caches, in stack order; default the five built-in ones (config/defaults.ts). */
    caches: CacheSpec[];
    /** The managed apps, in stack order; default none. */
    apps: AppSpec[];
    /** Managing the host's other apps too; default off. */
    discover: DiscoverSpec;
    /** Default `restart`. */
    afterChange: AfterChange;
    /** Host-wide bound on concurrent restarts/rebuilds; default 2 (1-32). */
    maxParallelRestarts: number;
    /** Seconds an app's converge waits for a running deploy of the app; default 600 (0-3600, 0 = skip at once). */
    deployWaitSeconds: number;
    /** Delete a cache directory's data when the cache leaves the config; default false. */
    purgeRemovedCaches: boolean;
    /** Read each app's mounts and env at preview/up and repair drift; default true. */
    detectDrift: boolean;
    /** Build cache bounding; undefined when the stack sets `buildCache: false`. */
    buildCache?: BuildCacheSpec;
    /** Optional cache warm-up; default none. */
    warmup: WarmupSpec;
    /** Host paths; default the standard ones. */
    hostPaths: HostPathsSpec;
    /** Free-space threshold for first aid and `verify`; default `{minFree: "1GB"}`. */
    disk: DiskSpec;
}
