/**
 * The validated stack configuration, as the rest of the program sees it: every type derived
 * from the schema (config/schema.ts, where each field's JSDoc, default and example are), so a
 * key is written once. What validation adds beyond one key's schema (a cache's name, directory
 * and bound; an app's resolved caches) is spelled out here; config/validate.ts builds it.
 */
import { z } from "zod";
import { AfterChange, Builder, CachePruneKind } from "./choices";
import { KEY_SCHEMAS, appObject, cacheEntry } from "./schema";

export type { AfterChange, Builder, CachePruneKind };

/** Each stack key's value as its schema gives it. */
export type KeyOutputs = { [K in keyof typeof KEY_SCHEMAS]: z.output<(typeof KEY_SCHEMAS)[K]> };

type CacheEntry = z.output<typeof cacheEntry>;

/** The bound the scheduled job enforces on a cache (config/defaults.ts `DEFAULT_CACHE_BOUNDS`). */
export type CacheBound = Required<Pick<CacheEntry, "maxSize" | "maxAge" | "prune">>;

export type CacheSpec = Omit<CacheEntry, "dir" | "containerPath" | keyof CacheBound> & {
    /** Cache name, the key in `caches`, e.g. `pip`. */
    name: string;
    /** Directory under `sharedRoot`; default the name (built-in caches: their own), e.g. `rust/cargo`. */
    dir: string;
    /** Absolute path inside the app's containers, e.g. `/root/.cache/pip`. */
    containerPath: string;
    /** The bound the scheduled job enforces; set by validation (undefined only in hand-built settings). */
    bound?: CacheBound;
};

export type AppSpec = Omit<z.output<typeof appObject>, "caches"> & {
    /** Names of the caches this app uses (validation resolves the default: all caches). */
    caches: string[];
};

export type ConnectionSpec = KeyOutputs["connection"];
/** `discover` with its defaults and its cache list resolved. */
export type DiscoverSpec = Required<NonNullable<KeyOutputs["discover"]>>;
export type BuildCacheSpec = KeyOutputs["buildCache"];
export type GcSpec = NonNullable<BuildCacheSpec["gc"]>;
export type WarmupSpec = KeyOutputs["warmup"];
export type HostPathsSpec = KeyOutputs["hostPaths"];
export type DiskSpec = KeyOutputs["disk"];

/** The keys validation resolves across keys (config/validate.ts); the rest are their schema's output. */
type Resolved = "caches" | "apps" | "discover" | "buildCache";

export type Settings = Omit<KeyOutputs, Resolved> & {
    /** The caches, in stack order; default the built-in ones (config/defaults.ts). */
    caches: CacheSpec[];
    /** The managed apps, in stack order; default none. */
    apps: AppSpec[];
    /** Managing the host's other apps too; default off. */
    discover: DiscoverSpec;
    /** Build cache bounding; undefined when the stack sets `buildCache: false`. */
    buildCache?: BuildCacheSpec;
};
