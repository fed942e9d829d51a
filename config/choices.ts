/**
 * The closed sets of values stack keys take, each once, as a const array; the union types are
 * derived from them (config/types.ts re-exports them) and the schema's enums read them
 * (config/schema.ts). `BUILDERS` lives with the builder rules (rules/builder.ts).
 */
export { BUILDERS, type Builder } from "../rules/builder";

/** What happens to a deployed app after its mounts or env changed (`afterChange`). */
export const AFTER_CHANGE = ["restart", "rebuild", "none"] as const;
export type AfterChange = (typeof AFTER_CHANGE)[number];

/** How often the installed build-cache prune runs (`buildCache.schedule`); `off`: no schedule. */
export const SCHEDULES = ["hourly", "daily", "weekly", "off"] as const;
export type Schedule = (typeof SCHEDULES)[number];

/**
 * How a shared cache is brought under its bound (`caches.<name>.prune`; host/cache-prune.ts says,
 * per kind, what protects an app installing at that moment): `uv`, `npm`, `pip`, `cargo`,
 * `playwright` (the built-in caches' own), `evict-oldest` (oldest files first: only for a cache
 * you know tolerates it) or `none` (measured and reported, never pruned).
 */
export const PRUNE_KINDS = [
    "uv",
    "npm",
    "pip",
    "cargo",
    "playwright",
    "evict-oldest",
    "none",
] as const;
export type CachePruneKind = (typeof PRUNE_KINDS)[number];

/** Dokku's own `docker-builder-prune` timer/cron while ours is installed (`buildCache.dokkuPrune`). */
export const DOKKU_PRUNE_MODES = ["keep", "disable"] as const;
export type DokkuPruneMode = (typeof DOKKU_PRUNE_MODES)[number];
