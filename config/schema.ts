/**
 * The schema of every stack key, with zod: shapes, per-value rules and defaults, each with the
 * sentence a user sees ("must be …"; the value is appended by config/validate.ts), and the JSDoc
 * of every field: the one description of the configuration. The settings' types
 * (config/types.ts), the library's args (lib/index.ts) and the key list (config/raw.ts) are
 * derived from it. Rules that relate keys to each other (cache references, overlapping
 * directories) are in config/validate.ts.
 */
import { z } from "zod";
import {
    DEFAULT_AFTER_CHANGE,
    DEFAULT_BUILD_CACHE,
    DEFAULT_CACHE_BOUNDS,
    DEFAULT_CACHE_MODE,
    DEFAULT_CACHE_OWNER,
    DEFAULT_CACHES,
    DEFAULT_CONNECTION,
    DEFAULT_CUSTOM_CACHE_BOUND,
    DEFAULT_DETECT_DRIFT,
    DEFAULT_DISK_MIN_FREE,
    DEFAULT_GC,
    DEFAULT_HOST_PATHS,
    DEFAULT_MAX_PARALLEL_RESTARTS,
    DEFAULT_DEPLOY_WAIT_SECONDS,
    MAX_DEPLOY_WAIT_SECONDS,
    DEFAULT_PURGE_REMOVED_CACHES,
    DEFAULT_SHARED_ROOT,
    DEFAULT_STATE_DIR,
    DEFAULT_WARMUP_CACHE,
} from "./defaults";
import {
    AFTER_CHANGE,
    BUILDERS,
    CachePruneKind,
    DOKKU_PRUNE_MODES,
    PRUNE_KINDS,
    SCHEDULES,
} from "./choices";
import { envEntryProblem } from "../rules/godotenv";
import { connectionUserProblem } from "./connection-rules";
import { sizeProblem } from "../rules/size-units";

// ---- rules (exported so tests and the docs can name them) -----------------

/** Dokku 0.38's app-name rule (0.37's is looser and accepts `a;b`). */
export const APP_NAME_RE = /^[a-z0-9][a-z0-9.-]*$/;
export const CACHE_NAME_RE = /^[a-z0-9][a-z0-9_.-]*$/;
/** Dokku's env key rule. */
export const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const PATH_SEGMENT_RE = /^[A-Za-z0-9_.][A-Za-z0-9_.+@-]*$/;
export const OWNER_RE = /^(\d{1,10}):(\d{1,10})$/;
export const MODE_RE = /^0?[0-7]{3}$|^[0-7]{4}$/;
export const HOST_RE =
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^[0-9a-fA-F:.]+$/;
export const USER_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
export const HOST_KEY_RE =
    /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}(?: [\x20-\x7e]*)?$/;
/**
 * The key line of `connection.hostKey`: what `ssh-keyscan` prints (`host ssh-ed25519 AAAA…`, also
 * `[host]:port …` and comma-separated host lists, as in known_hosts) or the bare key line. Returns
 * the bare line, or undefined when it is neither; `hosts` are the names the line was given for.
 */
export function parseHostKeyLine(text: string): { line: string; hosts: string[] } | undefined {
    const t = text.trim();
    if (HOST_KEY_RE.test(t)) return { line: t, hosts: [] };
    const sp = t.indexOf(" ");
    if (sp <= 0) return undefined;
    const rest = t.slice(sp + 1).trim();
    if (!HOST_KEY_RE.test(rest)) return undefined;
    const hosts = t
        .slice(0, sp)
        .split(",")
        .map((h) => h.replace(/^\[(.*)\](?::\d+)?$/, "$1"));
    return { line: rest, hosts };
}
export const AGE_RE = /^[1-9][0-9]{0,5}[hm]$/;
/** `registry/name[:tag][@sha256:…]`, the subset of image references we pass on. */
export const IMAGE_RE =
    /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
export const PRIVATE_KEY_RE =
    /^-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[\s\S]+\n-----END [A-Z ]*PRIVATE KEY-----\s*$/;
export const MAX_NAME = 63;
export const MAX_PATH = 255;
export const MAX_ENV_VALUE = 4096;
export const MAX_APPS = 1000;
export const MAX_CACHES = 64;
/** Env names Dokku keeps for itself. */
export const RESERVED_ENV = /^DOKKU_|^GIT_REV$|^SOURCE_VERSION$/;
/** Places a shared cache or the state dir must never live. */
export const FORBIDDEN_ROOTS = [
    "/var/lib/docker",
    "/home/dokku",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
];

/** True when `s` is well-formed UTF-16 (no lone surrogate), i.e. encodes to valid UTF-8. */
export function isWellFormed(s: string): boolean {
    return !/\p{Cs}/u.test(s);
}

/** A value as the user wrote it, shortened, for error messages. */
export function show(value: unknown): string {
    let s: string;
    try {
        s = JSON.stringify(value) ?? String(value);
    } catch {
        s = String(value);
    }
    return s.length > 80 ? s.slice(0, 77) + "..." : s;
}

/**
 * Checks an absolute host or container path: `/`-separated segments of safe
 * characters, no `.`/`..`, no empty segment, not `/` itself. Returns the
 * reason it is bad, or undefined.
 */
export function checkAbsolutePath(p: unknown): string | undefined {
    if (typeof p !== "string") return "must be a string";
    if (p.length === 0 || p.length > MAX_PATH) return `must be 1 to ${MAX_PATH} characters`;
    if (!p.startsWith("/")) return "must be an absolute path starting with /";
    if (p === "/") return "must not be / itself";
    for (const seg of p.slice(1).split("/")) {
        if (seg === "") return "must not contain empty segments (//) or end with /";
        if (seg === "." || seg === "..") return "must not contain . or .. segments";
        if (!PATH_SEGMENT_RE.test(seg)) {
            return `segment ${show(seg)} may only use letters, digits and _ . + @ - (and not start with -)`;
        }
    }
    return undefined;
}

/** Checks a relative directory under the shared root (e.g. `rust` or `rust/cargo`). */
export function checkRelativeDir(p: unknown): string | undefined {
    if (typeof p !== "string") return "must be a string";
    if (p.length === 0 || p.length > MAX_PATH) return `must be 1 to ${MAX_PATH} characters`;
    if (p.startsWith("/")) return "must be relative to sharedRoot (no leading /)";
    return checkAbsolutePath("/" + p);
}

/**
 * Checks an env value: a string of at most 4096 characters, valid UTF-8, no
 * NUL/CR/LF (Dokku's ENV file would rewrite them), and not an integer written
 * in a non-canonical way (Dokku stores `007` as `7`, so it would never match).
 */
export function checkEnvValue(v: unknown): string | undefined {
    if (typeof v !== "string") return "must be a string";
    if (v.length === 0) return "must not be empty (remove the key instead)";
    if (v.length > MAX_ENV_VALUE) return `must be at most ${MAX_ENV_VALUE} characters`;
    if (!isWellFormed(v)) return "must be valid UTF-8 text";
    if (/[\0\r\n]/.test(v)) return "must not contain NUL, carriage return or newline";
    if (/^[+-]?\d+$/.test(v) && String(Number.parseInt(v, 10)) !== v) {
        return "is an integer in non-canonical form (Dokku stores 007 as 7); write it canonically";
    }
    return undefined;
}

/** Dokku 0.38's app name rule; the reason a name is bad, or undefined. */
export function checkAppName(name: unknown): string | undefined {
    if (typeof name !== "string") return "must be a string";
    if (name.length === 0 || name.length > MAX_NAME) return `must be 1 to ${MAX_NAME} characters`;
    if (!APP_NAME_RE.test(name)) {
        return "must begin with a lowercase letter or digit and contain only lowercase letters, digits, dots and hyphens";
    }
    return undefined;
}

/** The closest of `allowed` to a mistyped `key` (case, one or two letters off), if any. */
export function nearMiss(key: string, allowed: readonly string[]): string | undefined {
    const dist = (a: string, b: string): number => {
        const d = Array.from({ length: b.length + 1 }, (_, j) => j);
        for (let i = 1; i <= a.length; i++) {
            let prev = d[0];
            d[0] = i;
            for (let j = 1; j <= b.length; j++) {
                const cur = d[j];
                d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
                prev = cur;
            }
        }
        return d[b.length];
    };
    const scored = allowed
        .map((a) => ({ a, d: a.toLowerCase() === key.toLowerCase() ? 0 : dist(key, a) }))
        .sort((x, y) => x.d - y.d);
    return scored[0] && scored[0].d <= Math.max(1, Math.min(2, Math.floor(key.length / 3)))
        ? scored[0].a
        : undefined;
}

/** The reason for a key a settings object does not have. */
export function unknownKeyReason(key: string, allowed: readonly string[]): string {
    const near = nearMiss(key, allowed);
    return `unknown setting ${show(key)}; ${near ? `did you mean ${near}? ` : ""}allowed: ${allowed.join(", ")}`;
}

// ---- schema helpers ---------------------------------------------------------

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * An object of known keys: a non-object fails with `what`; every unknown key
 * is its own problem (with the near miss), reported with the field problems.
 */
function settingsObject<T extends z.ZodRawShape>(shape: T, what: string): z.ZodObject<T> {
    const allowed = Object.keys(shape);
    // Loose, so that an unknown key is reported by name (with the near miss) rather than
    // dropped; typed as the object it accepts, since a parse with an unknown key fails.
    const loose = z.looseObject(shape, { error: what }).superRefine(
        (obj, ctx) => {
            for (const k of Object.keys(obj).filter((k) => !allowed.includes(k))) {
                problem(ctx, unknownKeyReason(k, allowed), false, [k]);
            }
        },
        { when: (p) => isPlainObject(p.value) },
    );
    return loose as unknown as z.ZodObject<T>;
}

/**
 * `z.preprocess`, typed with the input it really accepts: what `inner` accepts, or `Also` (a
 * shorthand such as `true` for all defaults), so the library's args (lib/index.ts) are exact.
 */
function preprocessed<Also>() {
    return <S extends z.ZodType>(fn: (v: unknown) => unknown, inner: S) =>
        z.preprocess(fn, inner) as unknown as Accepting<S, Also>;
}

/** The type of {@link preprocessed}'s schema: optional (as a key of an object) when `S` is. */
type Accepting<S extends z.ZodType, Also> =
    S extends z.ZodOptional<infer Inner>
        ? z.ZodOptional<z.ZodType<z.output<Inner>, z.input<Inner> | Also>>
        : z.ZodType<z.output<S>, z.input<S> | Also>;

/** Leaves out the keys whose value is undefined (optional settings not given). */
export function given<T extends object>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A custom problem; with `show`, config/validate.ts appends the value ("; got …"). */
function problem(ctx: z.RefinementCtx, message: string, show = true, path?: PropertyKey[]): void {
    ctx.addIssue({ code: "custom", message, params: { show }, ...(path ? { path } : {}) });
}

/** A string that passes `check` (which returns the reasons it does not). */
function checked(
    check: (v: string) => string | string[] | undefined,
    show = true,
    notString = "must be a string",
) {
    return z.string({ error: notString }).superRefine((v, ctx) => {
        for (const bad of [check(v) ?? []].flat()) problem(ctx, bad, show);
    });
}

const absolutePath = checked(checkAbsolutePath);
const appName = checked(
    (v) => {
        const bad = checkAppName(v);
        return bad && `app name ${bad}`;
    },
    true,
    "app name must be a string",
);
const bool = z.boolean({ error: "must be true or false" });
const int = (min: number, max: number) =>
    z
        .int({ error: `must be an integer ${min}-${max}` })
        .min(min)
        .max(max);
const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values, { error: `must be one of ${values.join(", ")}` });
const age = z
    .string({ error: 'must be an age in hours or minutes like "168h" or "90m"' })
    .regex(AGE_RE);
const size = checked(
    (v) => sizeProblem(v),
    false,
    'must be a size like "20GB", "512MiB" or "1.5TB" (decimal B, kB, MB, GB, TB or binary KiB, MiB, GiB, TiB)',
);
/** `true` stands for `{}` (all defaults); `false` and absence for "off". */
const trueIsDefaults = (v: unknown) => (v === true ? {} : v === false ? undefined : v);

// ---- the keys ---------------------------------------------------------------

/** How to reach the host over SSH (`connection`). */
export const connectionSchema = settingsObject(
    {
        /** DNS name or IP address of the Dokku host. Required. */
        host: z.string({ error: "must be a DNS name or IP address" }).max(253).regex(HOST_RE),
        /** SSH port; default 22. */
        port: int(1, 65535).default(DEFAULT_CONNECTION.port),
        /** SSH user; default `root` (so `dokku`, `chown` and daemon.json work). */
        user: z
            .string({ error: "must be a Unix user name ([a-z_][a-z0-9_-]*, at most 32)" })
            .regex(USER_RE)
            .default(DEFAULT_CONNECTION.user),
        /**
         * Run every script through `sudo -n` (`sudo -n sh -s converge`), for a
         * user other than root; default false. The host's sudoers must let the
         * user run `/bin/sh -s …` as root without a password (docs/sudo.md).
         * Validated settings carry it only when true.
         */
        sudo: bool.optional(),
        /**
         * Pinned host public key line (`ssh-ed25519 AAAA…`, or what `ssh-keyscan` prints; the
         * settings keep the bare key line). Required unless `insecureSkipHostKeyPinning: true`.
         */
        hostKey: checked((k) =>
            parseHostKeyLine(k)
                ? undefined
                : "must be one OpenSSH public key line like 'ssh-ed25519 AAAA...' (or what ssh-keyscan prints: 'HOST ssh-ed25519 AAAA...')",
        ).optional(),
        /** The only way to connect without `hostKey`; not part of the validated settings. */
        insecureSkipHostKeyPinning: bool.optional(),
        /** How many times a refused/failed dial is tried before failing; default 3 (1-20). */
        dialErrorLimit: int(1, 20).default(DEFAULT_CONNECTION.dialErrorLimit),
        /** Seconds per dial attempt; default 10 (1-300). */
        perDialTimeout: int(1, 300).default(DEFAULT_CONNECTION.perDialTimeout),
    },
    "is required: an object with host, port, user and hostKey",
)
    .superRefine(
        (c, ctx) => {
            const skip = c.insecureSkipHostKeyPinning;
            if (c.hostKey === undefined && skip !== true) {
                problem(
                    ctx,
                    "is required: pin the host's public key (ssh-keyscan HOST, one line like 'ssh-ed25519 AAAA...'); " +
                        "to connect without pinning set connection.insecureSkipHostKeyPinning: true",
                    false,
                    ["hostKey"],
                );
            }
            const user = connectionUserProblem(c.user);
            if (user) problem(ctx, user, false, ["user"]);
            const scan = c.hostKey !== undefined ? parseHostKeyLine(c.hostKey) : undefined;
            if (
                scan &&
                scan.hosts.length > 0 &&
                !scan.hosts.some((h) => h.startsWith("|1|") || h === c.host)
            ) {
                problem(
                    ctx,
                    `is ssh-keyscan output for ${scan.hosts.join(",")}, not for connection.host ${show(c.host)}; scan that host, or give the bare key line`,
                    false,
                    ["hostKey"],
                );
            } else if (c.hostKey !== undefined && skip === true) {
                problem(ctx, "cannot be true while hostKey is set; remove one of them", false, [
                    "insecureSkipHostKeyPinning",
                ]);
            }
        },
        { when: (p) => isPlainObject(p.value) },
    )
    .transform(({ host, port, user, sudo, dialErrorLimit, perDialTimeout, hostKey }) => ({
        ...{ host, port, user, dialErrorLimit, perDialTimeout },
        ...(sudo ? { sudo: sudo as boolean } : {}),
        ...(hostKey !== undefined ? { hostKey: parseHostKeyLine(hostKey)!.line } : {}),
    }));

/** `sharedRoot` and `stateDir`: absolute, at least two levels deep, nowhere the system owns. */
export const rootSchema = (fallback: string) =>
    checked((s) => {
        const bad = checkAbsolutePath(s);
        if (bad) return bad;
        return [
            ...(s.split("/").length < 3
                ? ["must be at least two levels deep (like /srv/cache)"]
                : []),
            ...FORBIDDEN_ROOTS.filter((f) => s === f || s.startsWith(f + "/")).map(
                (f) => `must not be inside ${f}`,
            ),
        ];
    }).default(fallback);

const envMap = z
    .record(
        checked((k) => {
            if (!ENV_KEY_RE.test(k) || k.length > 128) {
                return `env name ${show(k)} must match ${ENV_KEY_RE.source} (Dokku rejects others), at most 128`;
            }
            return RESERVED_ENV.test(k) ? `${k} is reserved by Dokku` : undefined;
        }, false),
        checked(checkEnvValue),
        { error: "must be a map of NAME to value" },
    )
    .superRefine((env, ctx) => {
        // What Dokku's ENV file (godotenv) would not give back unchanged, on any supported version.
        for (const [k, v] of Object.entries(env)) {
            const why = envEntryProblem("", k, v);
            if (why) problem(ctx, why, false, [k]);
        }
    });

/** One shared cache (`caches.<name>`), before a built-in cache's defaults are merged in. */
export const cacheEntry = settingsObject(
    {
        /** Directory under `sharedRoot`; default the name (built-in caches: their own), e.g. `rust/cargo`. */
        dir: checked(checkRelativeDir).optional(),
        /** Absolute path inside the app's containers, e.g. `/root/.cache/pip`. Required for new caches. */
        containerPath: absolutePath.optional(),
        /** Env vars set on every app that uses the cache, e.g. `{PIP_CACHE_DIR: "/root/.cache/pip"}`; default none. */
        env: envMap.default({}),
        /** Owner of the host directory, numeric `uid:gid`; default `0:0` (herokuish: `32767:32767`). */
        owner: checked((o) =>
            OWNER_RE.test(o) && o.split(":").every((n) => Number(n) <= 2147483647)
                ? undefined
                : "must be numeric uid:gid like 0:0 or 32767:32767",
        ).default(DEFAULT_CACHE_OWNER),
        /** Mode of the host directory, 4 octal digits; default `0755` (`775`/`0775` accepted). */
        mode: z
            .string({ error: 'must be an octal mode string like "0755" or "1777"' })
            .regex(MODE_RE)
            .transform((m) => (m.length === 3 ? "0" + m : m))
            .default(DEFAULT_CACHE_MODE),
        /** Size the scheduled job brings the cache under, e.g. `2GB` (decimal units); built-in caches have defaults. */
        maxSize: size.optional(),
        /** Entries not written or used for this long go, e.g. `720h`; where the prune kind allows it. */
        maxAge: age.optional(),
        /** The mechanism (config/choices.ts `PRUNE_KINDS`); default the built-in cache's own, `none` for other caches. */
        prune: oneOf(PRUNE_KINDS).optional(),
    },
    `must be an object with containerPath, env, owner, mode, maxSize, maxAge, prune (or true for a built-in cache: ${Object.keys(DEFAULT_CACHES).join(", ")})`,
).superRefine(
    (c, ctx) => {
        if (c.containerPath === undefined) {
            problem(ctx, "is required: the absolute path inside the container", false, [
                "containerPath",
            ]);
        }
    },
    { when: (p) => isPlainObject(p.value) },
);

/** The `caches` map itself: its shape and size (each entry is {@link cacheSchema}). */
export const cachesMapSchema = z
    .record(z.string(), z.unknown(), { error: "must be a map of cache name to settings" })
    .superRefine((m, ctx) => {
        const n = Object.keys(m).length;
        if (n === 0) problem(ctx, "must define at least one cache", false);
        if (n > MAX_CACHES) problem(ctx, `at most ${MAX_CACHES} caches`, false);
    })
    .prefault(() => ({ ...DEFAULT_CACHES }));

/** A cache's name (the key in `caches`). */
/** A cache's bound: the stack's values over the built-in cache's (or a custom cache's) defaults. */
export function cacheBound(
    name: string,
    c: { maxSize?: string; maxAge?: string; prune?: CachePruneKind },
) {
    const base = Object.prototype.hasOwnProperty.call(DEFAULT_CACHE_BOUNDS, name)
        ? DEFAULT_CACHE_BOUNDS[name]
        : DEFAULT_CUSTOM_CACHE_BOUND;
    return {
        maxSize: c.maxSize ?? base.maxSize,
        maxAge: c.maxAge ?? base.maxAge,
        prune: c.prune ?? base.prune,
    };
}

export const cacheNameSchema = checked(
    (n) =>
        n.length > MAX_NAME || !CACHE_NAME_RE.test(n)
            ? `cache name ${show(n)} must match ${CACHE_NAME_RE.source} and be at most ${MAX_NAME} characters`
            : undefined,
    false,
);

/** One cache: a built-in one may be `true` or a partial override of its defaults. */
export function cacheSchema(name: string) {
    const base = Object.prototype.hasOwnProperty.call(DEFAULT_CACHES, name)
        ? DEFAULT_CACHES[name]
        : undefined;
    return preprocessed<true>()((c) => {
        const v = c === null ? undefined : c === true && base ? {} : c;
        return base && isPlainObject(v) ? { ...base, ...v } : v;
    }, cacheEntry);
}

const cacheList = z.array(z.string({ error: "must be a cache name" }), {
    error: "must be a list of cache names",
});
const builder = oneOf(BUILDERS).default("unknown");

/** One app of `apps` in its object form. */
export const appObject = settingsObject(
    {
        /** Dokku app name (Dokku 0.38's rule), e.g. `api`. */
        name: appName,
        /** Names of the caches this app uses; default all caches. */
        caches: cacheList.optional(),
        /** Caches this app mounts read-only (a subset of `caches`); default none. */
        readOnly: cacheList.default([]),
        /** How the app is built; default `unknown`. */
        builder,
        /**
         * Cache group: apps share a cache only with apps of the same group; each
         * group gets its own directories under `<sharedRoot>/groups/<group>/`.
         * Default: none (the host-wide shared directories). Example `untrusted`.
         */
        group: z
            .string({
                error: `group name must match ${CACHE_NAME_RE.source} and be at most ${MAX_NAME} characters`,
            })
            .max(MAX_NAME)
            .regex(CACHE_NAME_RE)
            .optional(),
    },
    "must be an app name or an object with name",
);

const appEntry = preprocessed<string>()(
    (e) => (typeof e === "string" ? { name: e } : e),
    appObject,
);

/** The `apps` list itself (each entry is {@link appSchema}). */
export const appsListSchema = z
    .array(z.unknown(), { error: "must be a list of app names or objects" })
    .superRefine((a, ctx) => {
        if (a.length > MAX_APPS) problem(ctx, `at most ${MAX_APPS} apps; got ${a.length}`, false);
    })
    .default([]);

/** One app: its name alone, or an object. */
export const appSchema = appEntry;

/** `discover` in its object form. */
export const discoverObject = settingsObject(
    {
        /** Also manage every app the host lists; default false. */
        enabled: bool.default(false),
        /** Host apps never managed; default none. */
        exclude: z.array(appName, { error: "must be a list of app names" }).default([]),
        /** Caches given to discovered apps; default all. */
        caches: cacheList.optional(),
        /** Builder assumed for discovered apps; default `unknown`. */
        builder,
    },
    "must be true/false or an object {enabled, exclude, caches}",
);

export const discoverSchema = preprocessed<boolean>()(
    (v) => (typeof v === "boolean" ? { enabled: v } : v),
    discoverObject.optional(),
);

/** Builder garbage-collection policy written to daemon.json (`buildCache.gc`; `true` takes the defaults). */
const gcSchema = preprocessed<boolean>()(
    trueIsDefaults,
    settingsObject(
        {
            /** Age past which unused cache is collected; default `720h`. */
            unusedFor: age.default(DEFAULT_GC.unusedFor),
            /** Space BuildKit always keeps; default `10GB`. */
            reservedSpace: size.default(DEFAULT_GC.reservedSpace),
            /** Size the build cache is collected down to; default `40GB`. */
            maxUsedSpace: size.default(DEFAULT_GC.maxUsedSpace),
            /** Free disk space to keep; default `20GB`. */
            minFreeSpace: size.default(DEFAULT_GC.minFreeSpace),
        },
        "must be true (defaults) or an object {unusedFor, reservedSpace, maxUsedSpace, minFreeSpace}",
    )
        .transform(given)
        .optional(),
);

const pruneToken = preprocessed<boolean>()(
    (v) => (v === true ? "once" : v === false ? undefined : v),
    z
        .string({
            error: 'must be true (prune once) or a token like "2026-11-25" (prune again whenever it changes)',
        })
        .regex(/^[A-Za-z0-9_.:-]{1,64}$/)
        .optional(),
);

/** `buildCache`: `false` turns it off (config/validate.ts); absent or `true` is all defaults. */
export const buildCacheSchema = preprocessed<true>()(
    (v) => (v === true || v === undefined ? {} : v),
    settingsObject(
        {
            /** How often the installed prune runs; `off` installs no schedule. Default `daily` (03:17). */
            schedule: oneOf(SCHEDULES).default(DEFAULT_BUILD_CACHE.schedule),
            /** Age filter: cache not used for this long is pruned; default `168h` (`<n>h`/`<n>m`). */
            olderThan: age.default(DEFAULT_BUILD_CACHE.olderThan),
            /** Size bound the build cache is pruned down to; default `20GB` (decimal units). */
            maxSize: size.default(DEFAULT_BUILD_CACHE.maxSize),
            /**
             * One-off prune during `pulumi up`: absent = never; `true` (`once`) or a token like
             * `2026-11-25` runs it once, and again whenever the token changes.
             */
            pruneNow: pruneToken,
            /** Builder GC policy merged into daemon.json; absent = daemon.json untouched. */
            gc: gcSchema,
            /**
             * Dokku's own `docker-builder-prune` timer/cron (Dokku ≥ 0.35): `keep` (default; ours waits
             * while it runs) or `disable` (disabled while our schedule is installed, restored on destroy).
             */
            dokkuPrune: oneOf(DOKKU_PRUNE_MODES).optional(),
            /** One-off prune of the shared caches during `pulumi up` (token, as `pruneNow`). */
            cachesPruneNow: pruneToken,
        },
        "must be false or an object {schedule, olderThan, maxSize, pruneNow, gc, dokkuPrune, cachesPruneNow}",
    ).transform(given),
);

export const warmupSchema = settingsObject(
    {
        /** Fill a cache from a Playwright image before the first deploy; default off. */
        playwright: preprocessed<false>()(
            (v) => (v === false ? undefined : v),
            settingsObject(
                {
                    /** Image with a tag, e.g. `mcr.microsoft.com/playwright:v1.57.0-noble`. Required. */
                    image: z
                        .string({
                            error: 'is required: a Playwright image reference with a tag, like "mcr.microsoft.com/playwright:v1.57.0-noble"',
                        })
                        .max(255)
                        .regex(IMAGE_RE),
                    /** The cache (by name) to fill; default `ms-playwright`. */
                    cache: z
                        .string({ error: "must name a defined cache" })
                        .default(DEFAULT_WARMUP_CACHE),
                    /** Local SSH private key file for the Docker provider's ssh:// connection; default ssh agent/defaults. */
                    identityFile: checked((v) =>
                        checkAbsolutePath(v)
                            ? "must be an absolute path to a local private key file"
                            : undefined,
                    ).optional(),
                },
                "must be an object {image, cache, identityFile}",
            )
                .transform(given)
                .optional(),
        ),
    },
    "must be an object {playwright: {image, cache, identityFile}}",
)
    .transform(given)
    .default({});

/** Where daemon.json, systemd units and cron entries live on the host. */
export const hostPathsSchema = settingsObject(
    {
        /** Docker's daemon config; default `/etc/docker/daemon.json` (rootless Docker: its own, absolute). */
        daemonJson: absolutePath.default(DEFAULT_HOST_PATHS.daemonJson),
        /** Where the prune timer's units go; default `/etc/systemd/system`. */
        systemdUnitDir: absolutePath.default(DEFAULT_HOST_PATHS.systemdUnitDir),
        /** Exists when systemd runs the host; default `/run/systemd/system`. */
        systemdRunDir: absolutePath.default(DEFAULT_HOST_PATHS.systemdRunDir),
        /** Where the cron entry goes without systemd; default `/etc/cron.d`. */
        cronDir: absolutePath.default(DEFAULT_HOST_PATHS.cronDir),
        /** Dokku's home (`DOKKU_ROOT`), where leftover `<app>/cache` dirs are looked for; default `/home/dokku`. */
        dokkuRoot: absolutePath.optional(),
    },
    "must be an object {daemonJson, systemdUnitDir, systemdRunDir, cronDir, dokkuRoot}",
)
    .transform(given)
    .default({ ...DEFAULT_HOST_PATHS });

/** Free-space watch on the host's file systems (Docker's data root, /var/lib/dokku, sharedRoot, stateDir). */
export const diskSchema = settingsObject(
    {
        /**
         * Below this many bytes free on any of them, `verify` warns and `pulumi up` runs first aid
         * (build-cache and shared-cache prunes to their bounds) before anything that writes.
         * A config size, e.g. `"2GB"`; default `"1GB"`.
         */
        minFree: size.default(DEFAULT_DISK_MIN_FREE),
    },
    "must be an object {minFree}",
)
    .transform(given)
    .default({ minFree: DEFAULT_DISK_MIN_FREE });

/** One schema per stack key (each parsed on its own, so one bad key hides no other's problems). */
export const KEY_SCHEMAS = {
    /** How to reach the host over SSH. */
    connection: connectionSchema,
    /** Where cache directories live; default `/var/lib/dokku/data/shared`. */
    sharedRoot: rootSchema(DEFAULT_SHARED_ROOT),
    /** Host-side ledger, generations and the prune script; default `/var/lib/dokku-shared-cache`. */
    stateDir: rootSchema(DEFAULT_STATE_DIR),
    /** The caches (each entry: {@link cacheSchema}), in stack order; default the built-in ones (config/defaults.ts). */
    caches: cachesMapSchema,
    /** The managed apps (each entry: {@link appSchema}), in stack order; default none. */
    apps: appsListSchema,
    /** Managing the host's other apps too; default off. */
    discover: discoverSchema,
    /** What happens to a deployed app after its mounts or env changed; default `restart`. */
    afterChange: oneOf(AFTER_CHANGE).default(DEFAULT_AFTER_CHANGE),
    /** Host-wide bound on concurrent restarts/rebuilds; default 2 (1-32). */
    maxParallelRestarts: int(1, 32).default(DEFAULT_MAX_PARALLEL_RESTARTS),
    /** Seconds an app's converge waits for a running deploy of the app; default 600 (0-3600, 0 = skip at once). */
    deployWaitSeconds: int(0, MAX_DEPLOY_WAIT_SECONDS).default(DEFAULT_DEPLOY_WAIT_SECONDS),
    /** Delete a cache directory's data when the cache leaves the config; default false. */
    purgeRemovedCaches: bool.default(DEFAULT_PURGE_REMOVED_CACHES),
    /** Read each app's mounts and env at preview/up and repair drift; default true. */
    detectDrift: bool.default(DEFAULT_DETECT_DRIFT),
    /** Docker build cache bounding (docs/build-cache.md); `false` (config/validate.ts) turns it off. */
    buildCache: buildCacheSchema,
    /** Optional cache warm-up; default none. */
    warmup: warmupSchema,
    /** Host paths of daemon.json, systemd and cron; default the standard ones. */
    hostPaths: hostPathsSchema,
    /** Free-space threshold for first aid and `verify`; default `{minFree: "1GB"}`. */
    disk: diskSchema,
};
