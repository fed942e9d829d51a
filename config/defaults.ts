/**
 * Every default of the stack configuration, in one place: the cache
 * catalogue (the five caches of the user's migration note) and the rest.
 */
import { AfterChange, CachePruneKind, Schedule } from "./choices";

/**
 * A built-in cache as the catalogue gives it (config/schema.ts checks it like a stack's own:
 * test/config/config.test.ts parses every default).
 */
interface BuiltinCache {
    dir: string;
    containerPath: string;
    env: Readonly<Record<string, string>>;
    owner: string;
    mode: string;
}

/** A cache's default bound (`maxSize`, `maxAge`, `prune` of `caches.<name>`). */
interface BoundDefault {
    maxSize: string;
    maxAge: string;
    prune: CachePruneKind;
}

/** The built-in caches: a stack's `caches` defaults to all of them; `name: true` takes one. */
export const DEFAULT_CACHES: Readonly<Record<string, BuiltinCache>> = {
    pip: {
        dir: "pip",
        containerPath: "/root/.cache/pip",
        env: { PIP_CACHE_DIR: "/root/.cache/pip" },
        owner: "0:0",
        mode: "0755",
    },
    uv: {
        dir: "uv",
        containerPath: "/root/.cache/uv",
        env: { UV_CACHE_DIR: "/root/.cache/uv" },
        owner: "0:0",
        mode: "0755",
    },
    npm: {
        dir: "npm",
        containerPath: "/root/.cache/npm",
        env: { NPM_CONFIG_CACHE: "/root/.cache/npm" },
        owner: "0:0",
        mode: "0755",
    },
    "ms-playwright": {
        dir: "ms-playwright",
        containerPath: "/root/.cache/ms-playwright",
        // Playwright's own GC at `playwright install` deletes the revisions no `.links` entry it can
        // read refers to: in a cache shared by apps it would delete other apps' browsers
        // (microsoft/playwright registry/index.ts `_validateInstallationCache`, 1.63.0-next).
        // The scheduled prune bounds this cache instead (host/cache-prune.ts).
        env: {
            PLAYWRIGHT_BROWSERS_PATH: "/root/.cache/ms-playwright",
            PLAYWRIGHT_SKIP_BROWSER_GC: "1",
        },
        owner: "0:0",
        mode: "0755",
    },
    rust: {
        dir: "rust",
        containerPath: "/root/.cargo",
        env: { CARGO_HOME: "/root/.cargo" },
        owner: "0:0",
        mode: "0755",
    },
};

/** Owner and mode of a cache the stack defines without them. */
export const DEFAULT_CACHE_OWNER = "0:0";
export const DEFAULT_CACHE_MODE = "0755";

/** Directory under sharedRoot that holds the per-group cache directories. */
export const GROUPS_DIR = "groups";

export const DEFAULT_SHARED_ROOT = "/var/lib/dokku/data/shared";
export const DEFAULT_STATE_DIR = "/var/lib/dokku-shared-cache";

export const DEFAULT_CONNECTION = {
    port: 22,
    user: "root",
    dialErrorLimit: 3,
    perDialTimeout: 10,
} as const;

export const DEFAULT_AFTER_CHANGE: AfterChange = "restart";
export const DEFAULT_MAX_PARALLEL_RESTARTS = 2;
/** How long an app's converge waits for a running deploy of the app (host/deploy-wait.ts). */
export const DEFAULT_DEPLOY_WAIT_SECONDS = 600;
/** The longest wait `deployWaitSeconds` allows (one hour). */
export const MAX_DEPLOY_WAIT_SECONDS = 3600;
export const DEFAULT_PURGE_REMOVED_CACHES = false;
export const DEFAULT_DETECT_DRIFT = true;

export const DEFAULT_BUILD_CACHE: { schedule: Schedule; olderThan: string; maxSize: string } = {
    schedule: "daily",
    olderThan: "168h",
    maxSize: "20GB",
};

export const DEFAULT_GC = {
    unusedFor: "720h",
    reservedSpace: "10GB",
    maxUsedSpace: "40GB",
    minFreeSpace: "20GB",
} as const;

/** The cache a Playwright warm-up fills unless the stack names another. */
export const DEFAULT_WARMUP_CACHE = "ms-playwright";

/** Free space below which `verify` warns and `pulumi up` runs first aid (docs/full-disk.md). */
export const DEFAULT_DISK_MIN_FREE = "1GB";

export const DEFAULT_HOST_PATHS = {
    daemonJson: "/etc/docker/daemon.json",
    systemdUnitDir: "/etc/systemd/system",
    systemdRunDir: "/run/systemd/system",
    cronDir: "/etc/cron.d",
} as const;

/**
 * Bounds per built-in cache, sized for a small VPS (25-80 GB disk): together 12 GB at most.
 * `maxAge` applies where the kind allows deleting single entries (pip, npm, cargo,
 * evict-oldest); uv and Playwright are only pruned for size (host/cache-prune.ts).
 */
export const DEFAULT_CACHE_BOUNDS: Readonly<Record<string, BoundDefault>> = {
    pip: { maxSize: "2GB", maxAge: "720h", prune: "pip" },
    uv: { maxSize: "3GB", maxAge: "720h", prune: "uv" },
    npm: { maxSize: "2GB", maxAge: "720h", prune: "npm" },
    "ms-playwright": { maxSize: "2GB", maxAge: "720h", prune: "playwright" },
    rust: { maxSize: "3GB", maxAge: "720h", prune: "cargo" },
};

/** Bound of a cache the stack defines itself: measured and reported, pruned only if it says how. */
export const DEFAULT_CUSTOM_CACHE_BOUND: BoundDefault = {
    maxSize: "2GB",
    maxAge: "720h",
    prune: "none",
};
