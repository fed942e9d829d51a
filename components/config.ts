/**
 * Stack configuration: types, defaults and validation. Pure: no Pulumi
 * runtime, no I/O. `validateSettings` turns the raw values read by index.ts
 * into typed {@link Settings} or throws one `pulumi.InputPropertiesError`
 * naming every bad config key, its value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";

/** The Pulumi config namespace (the project name). */
export const CONFIG_NAMESPACE = "dokku-shared-cache";

export type AfterChange = "restart" | "rebuild" | "none";
export type Builder = "dockerfile" | "herokuish" | "pack" | "unknown";

export interface CacheSpec {
    /** Cache name, the key in `caches` (e.g. `pip`). */
    name: string;
    /** Directory under `sharedRoot` (default: the name), e.g. `rust/cargo`. */
    dir: string;
    /** Absolute path inside the app's containers, e.g. `/root/.cache/pip`. */
    containerPath: string;
    /** Env vars set on every app that uses the cache. */
    env: Record<string, string>;
    /** Owner of the host directory, `uid:gid`. */
    owner: string;
    /** Mode of the host directory, octal, e.g. `0755`. */
    mode: string;
}

export interface AppSpec {
    name: string;
    /** Names of the caches this app uses. */
    caches: string[];
    /** Caches this app mounts read-only (a subset of `caches`). */
    readOnly: string[];
    /** How the app is built; decides what the caches can do for it. */
    builder: Builder;
    /**
     * Cache group: apps share a cache only with apps of the same group; each
     * group gets its own directories under `<sharedRoot>/groups/<group>/`.
     * Undefined = the host-wide shared directories.
     */
    group?: string;
}

export interface ConnectionSpec {
    host: string;
    port: number;
    user: string;
    /** Pinned host public key (`ssh-ed25519 AAAA…`), or undefined when explicitly unpinned. */
    hostKey?: string;
    /** How many times a refused/failed dial is retried before failing. */
    dialErrorLimit: number;
    /** Seconds per dial attempt. */
    perDialTimeout: number;
}

export interface DiscoverSpec {
    enabled: boolean;
    exclude: string[];
    /** Caches given to discovered apps (default: all). */
    caches: string[];
    builder: Builder;
}

/** Builder garbage-collection policy written to daemon.json (sizes like `20GB`, ages like `720h`). */
export interface GcSpec {
    unusedFor: string;
    reservedSpace: string;
    maxUsedSpace: string;
    minFreeSpace: string;
}

export interface BuildCacheSpec {
    /** How often the installed prune runs; `off` installs no schedule. */
    schedule: "hourly" | "daily" | "weekly" | "off";
    /** Age filter: cache not used for this long is pruned, e.g. `168h`. */
    olderThan: string;
    /** Size bound the build cache is pruned down to, e.g. `20GB`. */
    maxSize: string;
    /**
     * One-off prune during `pulumi up`: undefined = never; any other value
     * runs it once, and again whenever the value changes (e.g. a date).
     */
    pruneNow?: string;
    /** Builder GC policy merged into daemon.json; undefined = daemon.json untouched. */
    gc?: GcSpec;
}

export interface WarmupSpec {
    /** Fill the `ms-playwright` cache from this Playwright image before the first deploy. */
    playwright?: {
        image: string;
        /** The cache (by name) to fill; default `ms-playwright`. */
        cache: string;
        /** Local SSH private key file for the Docker provider's ssh:// connection (default: ssh agent/defaults). */
        identityFile?: string;
    };
}

export interface Settings {
    connection: ConnectionSpec;
    sharedRoot: string;
    stateDir: string;
    caches: CacheSpec[];
    apps: AppSpec[];
    discover: DiscoverSpec;
    afterChange: AfterChange;
    maxParallelRestarts: number;
    purgeRemovedCaches: boolean;
    detectDrift: boolean;
    /** undefined when the stack sets `buildCache: false`. */
    buildCache?: BuildCacheSpec;
    warmup: WarmupSpec;
    /** Where daemon.json, systemd units and cron entries live on the host. */
    hostPaths: HostPathsSpec;
}

export interface HostPathsSpec {
    /** Docker's daemon config; `/etc/docker/daemon.json` (rootless Docker: `~/.config/docker/daemon.json`, written absolute). */
    daemonJson: string;
    systemdUnitDir: string;
    /** Exists when systemd runs the host. */
    systemdRunDir: string;
    cronDir: string;
}

export const DEFAULT_HOST_PATHS: HostPathsSpec = {
    daemonJson: "/etc/docker/daemon.json",
    systemdUnitDir: "/etc/systemd/system",
    systemdRunDir: "/run/systemd/system",
    cronDir: "/etc/cron.d",
};

/** The five caches of the user's migration note. */
export const DEFAULT_CACHES: Readonly<Record<string, Omit<CacheSpec, "name">>> = {
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
        env: { PLAYWRIGHT_BROWSERS_PATH: "/root/.cache/ms-playwright" },
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

/** Directory under sharedRoot that holds the per-group cache directories. */
export const GROUPS_DIR = "groups";

export const DEFAULT_SHARED_ROOT = "/var/lib/dokku/data/shared";
export const DEFAULT_STATE_DIR = "/var/lib/dokku-shared-cache";

/** Raw stack config as read by index.ts (`config.getObject`), not yet trusted. */
export interface RawSettings {
    connection?: unknown;
    sharedRoot?: unknown;
    stateDir?: unknown;
    caches?: unknown;
    apps?: unknown;
    discover?: unknown;
    afterChange?: unknown;
    maxParallelRestarts?: unknown;
    purgeRemovedCaches?: unknown;
    detectDrift?: unknown;
    buildCache?: unknown;
    warmup?: unknown;
    hostPaths?: unknown;
    /** The decrypted SSH private key; checked for shape, never echoed in errors. */
    privateKey?: unknown;
}

/** The stack config keys the program reads (besides the secret `privateKey`). */
export const CONFIG_KEYS = [
    "connection",
    "sharedRoot",
    "stateDir",
    "caches",
    "apps",
    "discover",
    "afterChange",
    "maxParallelRestarts",
    "purgeRemovedCaches",
    "detectDrift",
    "buildCache",
    "warmup",
    "hostPaths",
] as const satisfies readonly (keyof RawSettings)[];

/** A config value as structured data when it is YAML/JSON (Pulumi hands objects over as JSON), else the string. */
export function parseConfigValue(s: string | undefined): unknown {
    if (s === undefined) return undefined;
    try {
        return JSON.parse(s) as unknown;
    } catch {
        return s;
    }
}

/** One entry of `pulumi config --json [--show-secrets]`. */
export interface ConfigJsonEntry {
    value?: string;
    objectValue?: unknown;
    secret: boolean;
}

/** Reads `pulumi config --json` output by key without the namespace (`connection`, `privateKey`, …). */
export function configGetter(
    cfg: Record<string, ConfigJsonEntry>,
): (key: string) => string | undefined {
    return (k) => {
        const e = cfg[`${CONFIG_NAMESPACE}:${k}`];
        if (!e) return undefined;
        return e.value ?? (e.objectValue !== undefined ? JSON.stringify(e.objectValue) : undefined);
    };
}

/** Raw settings from a config map (`key` → string value, without the namespace). */
export function rawFromConfig(get: (key: string) => string | undefined): RawSettings {
    const raw: Record<string, unknown> = {};
    for (const k of CONFIG_KEYS) raw[k] = parseConfigValue(get(k));
    return raw as RawSettings;
}

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
const MAX_NAME = 63;
const MAX_PATH = 255;
const MAX_ENV_VALUE = 4096;
const MAX_APPS = 1000;
const MAX_CACHES = 64;
const BUILDERS: readonly Builder[] = ["dockerfile", "herokuish", "pack", "unknown"];
const AFTER_CHANGE: readonly AfterChange[] = ["restart", "rebuild", "none"];
/** Places a shared cache must never live. */
const FORBIDDEN_ROOTS = [
    "/var/lib/docker",
    "/home/dokku",
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
];

type Problem = pulumi.InputPropertyErrorDetails;

function show(value: unknown): string {
    let s: string;
    try {
        s = JSON.stringify(value) ?? String(value);
    } catch {
        s = String(value);
    }
    return s.length > 80 ? s.slice(0, 77) + "..." : s;
}

/** True when `s` is well-formed UTF-16 (no lone surrogates), i.e. encodes to valid UTF-8. */
export function isWellFormed(s: string): boolean {
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff) {
            const n = s.charCodeAt(i + 1);
            if (!(n >= 0xdc00 && n <= 0xdfff)) return false;
            i++;
        } else if (c >= 0xdc00 && c <= 0xdfff) {
            return false;
        }
    }
    return true;
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
    const segs = p.slice(1).split("/");
    for (const seg of segs) {
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkKnownKeys(
    obj: Record<string, unknown>,
    allowed: readonly string[],
    path: string,
    problems: Problem[],
): void {
    for (const k of Object.keys(obj)) {
        if (!allowed.includes(k)) {
            problems.push({
                propertyPath: `${path}.${k}`,
                reason: `unknown setting ${show(k)}; allowed: ${allowed.join(", ")}`,
            });
        }
    }
}

function key(k: string): string {
    return `${CONFIG_NAMESPACE}:${k}`;
}

function validateConnection(raw: unknown, problems: Problem[]): ConnectionSpec {
    const path = key("connection");
    const out: ConnectionSpec = {
        host: "",
        port: 22,
        user: "root",
        dialErrorLimit: 3,
        perDialTimeout: 10,
    };
    if (!isPlainObject(raw)) {
        problems.push({
            propertyPath: path,
            reason: `is required: an object with host, port, user and hostKey; got ${show(raw)}`,
        });
        return out;
    }
    checkKnownKeys(
        raw,
        [
            "host",
            "port",
            "user",
            "hostKey",
            "insecureSkipHostKeyPinning",
            "dialErrorLimit",
            "perDialTimeout",
        ],
        path,
        problems,
    );
    if (typeof raw.host !== "string" || raw.host.length > 253 || !HOST_RE.test(raw.host)) {
        problems.push({
            propertyPath: `${path}.host`,
            reason: `must be a DNS name or IP address; got ${show(raw.host)}`,
        });
    } else {
        out.host = raw.host;
    }
    if (raw.port !== undefined) {
        if (
            typeof raw.port !== "number" ||
            !Number.isInteger(raw.port) ||
            raw.port < 1 ||
            raw.port > 65535
        ) {
            problems.push({
                propertyPath: `${path}.port`,
                reason: `must be an integer 1-65535; got ${show(raw.port)}`,
            });
        } else {
            out.port = raw.port;
        }
    }
    if (raw.user !== undefined) {
        if (typeof raw.user !== "string" || !USER_RE.test(raw.user)) {
            problems.push({
                propertyPath: `${path}.user`,
                reason: `must be a Unix user name ([a-z_][a-z0-9_-]*, at most 32); got ${show(raw.user)}`,
            });
        } else {
            out.user = raw.user;
        }
    }
    const skip = raw.insecureSkipHostKeyPinning;
    if (skip !== undefined && typeof skip !== "boolean") {
        problems.push({
            propertyPath: `${path}.insecureSkipHostKeyPinning`,
            reason: `must be true or false; got ${show(skip)}`,
        });
    }
    if (raw.hostKey === undefined) {
        if (skip !== true) {
            problems.push({
                propertyPath: `${path}.hostKey`,
                reason:
                    "is required: pin the host's public key (ssh-keyscan HOST, one line like 'ssh-ed25519 AAAA...'); " +
                    "to connect without pinning set connection.insecureSkipHostKeyPinning: true",
            });
        }
    } else if (typeof raw.hostKey !== "string" || !parseHostKeyLine(raw.hostKey)) {
        problems.push({
            propertyPath: `${path}.hostKey`,
            reason: `must be one OpenSSH public key line like 'ssh-ed25519 AAAA...' (or what ssh-keyscan prints: 'HOST ssh-ed25519 AAAA...'); got ${show(raw.hostKey)}`,
        });
    } else if (
        parseHostKeyLine(raw.hostKey)!.hosts.length > 0 &&
        !parseHostKeyLine(raw.hostKey)!.hosts.some((h) => h.startsWith("|1|") || h === raw.host)
    ) {
        problems.push({
            propertyPath: `${path}.hostKey`,
            reason: `is ssh-keyscan output for ${parseHostKeyLine(raw.hostKey)!.hosts.join(",")}, not for connection.host ${show(raw.host)}; scan that host, or give the bare key line`,
        });
    } else {
        if (skip === true) {
            problems.push({
                propertyPath: `${path}.insecureSkipHostKeyPinning`,
                reason: "cannot be true while hostKey is set; remove one of them",
            });
        }
        out.hostKey = parseHostKeyLine(raw.hostKey)!.line;
    }
    for (const [field, max] of [
        ["dialErrorLimit", 20],
        ["perDialTimeout", 300],
    ] as const) {
        const v = raw[field];
        if (v === undefined) continue;
        if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max) {
            problems.push({
                propertyPath: `${path}.${field}`,
                reason: `must be an integer 1-${max}; got ${show(v)}`,
            });
        } else {
            out[field] = v;
        }
    }
    return out;
}

function validateCaches(raw: unknown, sharedRoot: string, problems: Problem[]): CacheSpec[] {
    const path = key("caches");
    const source: Record<string, unknown> =
        raw === undefined ? { ...DEFAULT_CACHES } : isPlainObject(raw) ? raw : {};
    if (raw !== undefined && !isPlainObject(raw)) {
        problems.push({
            propertyPath: path,
            reason: `must be a map of cache name to settings; got ${show(raw)}`,
        });
        return [];
    }
    const names = Object.keys(source);
    if (names.length === 0)
        problems.push({ propertyPath: path, reason: "must define at least one cache" });
    if (names.length > MAX_CACHES)
        problems.push({ propertyPath: path, reason: `at most ${MAX_CACHES} caches` });
    const out: CacheSpec[] = [];
    const dirs = new Map<string, string>();
    for (const name of names) {
        const p = `${path}.${name}`;
        if (name.length > MAX_NAME || !CACHE_NAME_RE.test(name)) {
            problems.push({
                propertyPath: p,
                reason: `cache name ${show(name)} must match ${CACHE_NAME_RE.source} and be at most ${MAX_NAME} characters`,
            });
            continue;
        }
        let c = source[name];
        if (c === null) c = undefined;
        // A known default may be given as `true` or a partial override.
        const base = Object.prototype.hasOwnProperty.call(DEFAULT_CACHES, name)
            ? DEFAULT_CACHES[name]
            : undefined;
        if (c === true && base) c = {};
        if (!isPlainObject(c)) {
            problems.push({
                propertyPath: p,
                reason: `must be an object with containerPath, env, owner, mode${base ? " (or true for the default)" : ""}; got ${show(c)}`,
            });
            continue;
        }
        checkKnownKeys(c, ["dir", "containerPath", "env", "owner", "mode"], p, problems);
        const before = problems.length;
        const dir = c.dir ?? base?.dir ?? name;
        const dirBad = checkRelativeDir(dir);
        if (dirBad)
            problems.push({ propertyPath: `${p}.dir`, reason: `${dirBad}; got ${show(dir)}` });
        const containerPath = c.containerPath ?? base?.containerPath;
        if (containerPath === undefined) {
            problems.push({
                propertyPath: `${p}.containerPath`,
                reason: "is required: the absolute path inside the container",
            });
        } else {
            const bad = checkAbsolutePath(containerPath);
            if (bad)
                problems.push({
                    propertyPath: `${p}.containerPath`,
                    reason: `${bad}; got ${show(containerPath)}`,
                });
        }
        const env: Record<string, string> = {};
        const rawEnv = c.env ?? base?.env ?? {};
        if (!isPlainObject(rawEnv)) {
            problems.push({
                propertyPath: `${p}.env`,
                reason: `must be a map of NAME to value; got ${show(rawEnv)}`,
            });
        } else {
            for (const [k, v] of Object.entries(rawEnv)) {
                if (!ENV_KEY_RE.test(k) || k.length > 128) {
                    problems.push({
                        propertyPath: `${p}.env.${k}`,
                        reason: `env name ${show(k)} must match ${ENV_KEY_RE.source} (Dokku rejects others), at most 128`,
                    });
                    continue;
                }
                if (k.startsWith("DOKKU_") || k === "GIT_REV" || k === "SOURCE_VERSION") {
                    problems.push({
                        propertyPath: `${p}.env.${k}`,
                        reason: `${k} is reserved by Dokku`,
                    });
                    continue;
                }
                const bad = checkEnvValue(v);
                if (bad)
                    problems.push({
                        propertyPath: `${p}.env.${k}`,
                        reason: `${bad}; got ${show(v)}`,
                    });
                else env[k] = v as string;
            }
        }
        const owner = c.owner ?? base?.owner ?? "0:0";
        const om = typeof owner === "string" ? OWNER_RE.exec(owner) : null;
        if (!om || Number(om[1]) > 2147483647 || Number(om[2]) > 2147483647) {
            problems.push({
                propertyPath: `${p}.owner`,
                reason: `must be numeric uid:gid like 0:0 or 32767:32767; got ${show(owner)}`,
            });
        }
        const mode = c.mode ?? base?.mode ?? "0755";
        if (typeof mode !== "string" || !MODE_RE.test(mode)) {
            problems.push({
                propertyPath: `${p}.mode`,
                reason: `must be an octal mode string like "0755" or "1777"; got ${show(mode)}`,
            });
        }
        if (problems.length !== before) continue;
        const d = dir as string;
        const hostPath = `${sharedRoot}/${d}`;
        if (d === GROUPS_DIR || d.startsWith(GROUPS_DIR + "/")) {
            problems.push({
                propertyPath: `${p}.dir`,
                reason: `${show(hostPath)} is reserved for cache groups (${sharedRoot}/${GROUPS_DIR}/<group>/...); pick another dir`,
            });
            continue;
        }
        for (const [other, otherDir] of dirs) {
            if (otherDir === d || otherDir.startsWith(d + "/") || d.startsWith(otherDir + "/")) {
                problems.push({
                    propertyPath: `${p}.dir`,
                    reason: `${show(hostPath)} overlaps cache ${show(other)}'s directory; each cache needs its own directory`,
                });
            }
        }
        dirs.set(name, d);
        out.push({
            name,
            dir: d,
            containerPath: containerPath as string,
            env,
            owner: owner as string,
            mode: (mode as string).length === 3 ? "0" + (mode as string) : (mode as string),
        });
    }
    return out;
}

function validateBuilder(v: unknown, path: string, problems: Problem[]): Builder {
    if (v === undefined) return "unknown";
    if (typeof v !== "string" || !BUILDERS.includes(v as Builder)) {
        problems.push({
            propertyPath: path,
            reason: `must be one of ${BUILDERS.join(", ")}; got ${show(v)}`,
        });
        return "unknown";
    }
    return v as Builder;
}

function validateCacheList(
    v: unknown,
    path: string,
    known: Set<string>,
    problems: Problem[],
): string[] | undefined {
    if (!Array.isArray(v)) {
        problems.push({
            propertyPath: path,
            reason: `must be a list of cache names; got ${show(v)}`,
        });
        return undefined;
    }
    const seen = new Set<string>();
    const out: string[] = [];
    v.forEach((c, i) => {
        if (typeof c !== "string" || !known.has(c)) {
            problems.push({
                propertyPath: `${path}[${i}]`,
                reason: `unknown cache ${show(c)}; defined caches: ${[...known].join(", ")}`,
            });
        } else if (seen.has(c)) {
            problems.push({
                propertyPath: `${path}[${i}]`,
                reason: `cache ${show(c)} is listed twice`,
            });
        } else {
            seen.add(c);
            out.push(c);
        }
    });
    return out;
}

export function checkAppName(name: unknown): string | undefined {
    if (typeof name !== "string") return "must be a string";
    if (name.length === 0 || name.length > MAX_NAME) return `must be 1 to ${MAX_NAME} characters`;
    if (!APP_NAME_RE.test(name)) {
        return "must begin with a lowercase letter or digit and contain only lowercase letters, digits, dots and hyphens";
    }
    return undefined;
}

/** Two caches an app uses must not share a container path or an env var. */
function checkAppCollisions(
    app: AppSpec,
    caches: Map<string, CacheSpec>,
    path: string,
    problems: Problem[],
): void {
    const byPath = new Map<string, string>();
    const byEnv = new Map<string, string>();
    for (const cn of app.caches) {
        const c = caches.get(cn);
        if (!c) continue;
        for (const [p, other] of byPath) {
            if (
                p === c.containerPath ||
                p.startsWith(c.containerPath + "/") ||
                c.containerPath.startsWith(p + "/")
            ) {
                problems.push({
                    propertyPath: path,
                    reason: `caches ${show(other)} and ${show(cn)} use overlapping container paths ${show(p)} and ${show(c.containerPath)}`,
                });
            }
        }
        byPath.set(c.containerPath, cn);
        for (const k of Object.keys(c.env)) {
            const other = byEnv.get(k);
            if (other) {
                problems.push({
                    propertyPath: path,
                    reason: `caches ${show(other)} and ${show(cn)} both set ${k}`,
                });
            }
            byEnv.set(k, cn);
        }
    }
}

function validateApps(raw: unknown, caches: CacheSpec[], problems: Problem[]): AppSpec[] {
    const path = key("apps");
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
        problems.push({
            propertyPath: path,
            reason: `must be a list of app names or objects; got ${show(raw)}`,
        });
        return [];
    }
    if (raw.length > MAX_APPS) {
        problems.push({
            propertyPath: path,
            reason: `at most ${MAX_APPS} apps; got ${raw.length}`,
        });
        return [];
    }
    const known = new Set(caches.map((c) => c.name));
    const byName = new Map(caches.map((c) => [c.name, c]));
    const seen = new Set<string>();
    const out: AppSpec[] = [];
    raw.forEach((entry, i) => {
        const p = `${path}[${i}]`;
        const obj: Record<string, unknown> | undefined =
            typeof entry === "string" ? { name: entry } : isPlainObject(entry) ? entry : undefined;
        if (!obj) {
            problems.push({
                propertyPath: p,
                reason: `must be an app name or an object with name; got ${show(entry)}`,
            });
            return;
        }
        checkKnownKeys(obj, ["name", "caches", "readOnly", "builder", "group"], p, problems);
        const bad = checkAppName(obj.name);
        if (bad) {
            problems.push({
                propertyPath: `${p}.name`,
                reason: `app name ${bad}; got ${show(obj.name)}`,
            });
            return;
        }
        const name = obj.name as string;
        if (seen.has(name)) {
            problems.push({
                propertyPath: `${p}.name`,
                reason: `app ${show(name)} is listed twice`,
            });
            return;
        }
        seen.add(name);
        const appCaches =
            obj.caches === undefined
                ? [...known]
                : validateCacheList(obj.caches, `${p}.caches`, known, problems);
        const readOnly =
            obj.readOnly === undefined
                ? []
                : validateCacheList(obj.readOnly, `${p}.readOnly`, known, problems);
        if (!appCaches || !readOnly) return;
        readOnly.forEach((r, j) => {
            if (!appCaches.includes(r)) {
                problems.push({
                    propertyPath: `${p}.readOnly[${j}]`,
                    reason: `cache ${show(r)} is not in this app's caches`,
                });
            }
        });
        const app: AppSpec = {
            name,
            caches: appCaches,
            readOnly,
            builder: validateBuilder(obj.builder, `${p}.builder`, problems),
        };
        if (obj.group !== undefined) {
            if (
                typeof obj.group !== "string" ||
                obj.group.length > MAX_NAME ||
                !CACHE_NAME_RE.test(obj.group)
            ) {
                problems.push({
                    propertyPath: `${p}.group`,
                    reason: `group name must match ${CACHE_NAME_RE.source} and be at most ${MAX_NAME} characters; got ${show(obj.group)}`,
                });
            } else app.group = obj.group;
        }
        checkAppCollisions(app, byName, `${p}.caches`, problems);
        out.push(app);
    });
    return out;
}

function validateDiscover(raw: unknown, caches: CacheSpec[], problems: Problem[]): DiscoverSpec {
    const path = key("discover");
    const out: DiscoverSpec = {
        enabled: false,
        exclude: [],
        caches: caches.map((c) => c.name),
        builder: "unknown",
    };
    if (raw === undefined) return out;
    if (typeof raw === "boolean") return { ...out, enabled: raw };
    if (!isPlainObject(raw)) {
        problems.push({
            propertyPath: path,
            reason: `must be true/false or an object {enabled, exclude, caches}; got ${show(raw)}`,
        });
        return out;
    }
    checkKnownKeys(raw, ["enabled", "exclude", "caches", "builder"], path, problems);
    if (raw.enabled !== undefined && typeof raw.enabled !== "boolean") {
        problems.push({
            propertyPath: `${path}.enabled`,
            reason: `must be true or false; got ${show(raw.enabled)}`,
        });
    } else {
        out.enabled = raw.enabled === true;
    }
    if (raw.exclude !== undefined) {
        if (!Array.isArray(raw.exclude)) {
            problems.push({
                propertyPath: `${path}.exclude`,
                reason: `must be a list of app names; got ${show(raw.exclude)}`,
            });
        } else {
            raw.exclude.forEach((e, i) => {
                const bad = checkAppName(e);
                if (bad)
                    problems.push({
                        propertyPath: `${path}.exclude[${i}]`,
                        reason: `app name ${bad}; got ${show(e)}`,
                    });
                else out.exclude.push(e as string);
            });
        }
    }
    if (raw.caches !== undefined) {
        const known = new Set(caches.map((c) => c.name));
        out.caches = validateCacheList(raw.caches, `${path}.caches`, known, problems) ?? [];
    }
    out.builder = validateBuilder(raw.builder, `${path}.builder`, problems);
    return out;
}

export const SIZE_RE = /^[1-9][0-9]{0,5}(?:\.[0-9]{1,3})?(?:B|kB|KB|MB|GB|TB)$/;
export const AGE_RE = /^[1-9][0-9]{0,5}[hm]$/;
/** `registry/name[:tag][@sha256:…]`, the subset of image references we pass on. */
export const IMAGE_RE =
    /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const SCHEDULES = ["hourly", "daily", "weekly", "off"] as const;

export const DEFAULT_BUILD_CACHE: BuildCacheSpec = {
    schedule: "daily",
    olderThan: "168h",
    maxSize: "20GB",
};

const DEFAULT_GC: GcSpec = {
    unusedFor: "720h",
    reservedSpace: "10GB",
    maxUsedSpace: "40GB",
    minFreeSpace: "20GB",
};

function validateBuildCache(raw: unknown, problems: Problem[]): BuildCacheSpec | undefined {
    const path = key("buildCache");
    if (raw === false) return undefined;
    if (raw === undefined || raw === true) return { ...DEFAULT_BUILD_CACHE };
    if (!isPlainObject(raw)) {
        problems.push({
            propertyPath: path,
            reason: `must be false or an object {schedule, olderThan, maxSize, pruneNow, gc}; got ${show(raw)}`,
        });
        return undefined;
    }
    checkKnownKeys(raw, ["schedule", "olderThan", "maxSize", "pruneNow", "gc"], path, problems);
    const out: BuildCacheSpec = { ...DEFAULT_BUILD_CACHE };
    if (raw.schedule !== undefined) {
        if (!SCHEDULES.includes(raw.schedule as (typeof SCHEDULES)[number])) {
            problems.push({
                propertyPath: `${path}.schedule`,
                reason: `must be one of ${SCHEDULES.join(", ")}; got ${show(raw.schedule)}`,
            });
        } else out.schedule = raw.schedule as BuildCacheSpec["schedule"];
    }
    const age = (v: unknown, p: string): string | undefined => {
        if (typeof v === "string" && AGE_RE.test(v)) return v;
        problems.push({
            propertyPath: p,
            reason: `must be an age in hours or minutes like "168h" or "90m"; got ${show(v)}`,
        });
        return undefined;
    };
    const size = (v: unknown, p: string): string | undefined => {
        if (typeof v === "string" && SIZE_RE.test(v)) return v;
        problems.push({
            propertyPath: p,
            reason: `must be a size like "20GB", "512MB" or "1.5TB" (decimal units B, kB, MB, GB, TB); got ${show(v)}`,
        });
        return undefined;
    };
    if (raw.olderThan !== undefined)
        out.olderThan = age(raw.olderThan, `${path}.olderThan`) ?? out.olderThan;
    if (raw.maxSize !== undefined)
        out.maxSize = size(raw.maxSize, `${path}.maxSize`) ?? out.maxSize;
    if (raw.pruneNow !== undefined && raw.pruneNow !== false) {
        const v = raw.pruneNow;
        if (v === true) out.pruneNow = "once";
        else if (typeof v === "string" && /^[A-Za-z0-9_.:-]{1,64}$/.test(v)) out.pruneNow = v;
        else
            problems.push({
                propertyPath: `${path}.pruneNow`,
                reason: `must be true (prune once) or a token like "2026-11-25" (prune again whenever it changes); got ${show(v)}`,
            });
    }
    if (raw.gc !== undefined && raw.gc !== false) {
        const g = raw.gc === true ? {} : raw.gc;
        if (!isPlainObject(g)) {
            problems.push({
                propertyPath: `${path}.gc`,
                reason: `must be true (defaults) or an object {unusedFor, reservedSpace, maxUsedSpace, minFreeSpace}; got ${show(raw.gc)}`,
            });
        } else {
            checkKnownKeys(
                g,
                ["unusedFor", "reservedSpace", "maxUsedSpace", "minFreeSpace"],
                `${path}.gc`,
                problems,
            );
            const gc: GcSpec = { ...DEFAULT_GC };
            if (g.unusedFor !== undefined)
                gc.unusedFor = age(g.unusedFor, `${path}.gc.unusedFor`) ?? gc.unusedFor;
            for (const k of ["reservedSpace", "maxUsedSpace", "minFreeSpace"] as const) {
                if (g[k] !== undefined) gc[k] = size(g[k], `${path}.gc.${k}`) ?? gc[k];
            }
            out.gc = gc;
        }
    }
    return out;
}

function validateWarmup(raw: unknown, caches: CacheSpec[], problems: Problem[]): WarmupSpec {
    const path = key("warmup");
    if (raw === undefined) return {};
    if (!isPlainObject(raw)) {
        problems.push({
            propertyPath: path,
            reason: `must be an object {playwright: {image, cache, identityFile}}; got ${show(raw)}`,
        });
        return {};
    }
    checkKnownKeys(raw, ["playwright"], path, problems);
    const pw = raw.playwright;
    if (pw === undefined || pw === false) return {};
    if (!isPlainObject(pw)) {
        problems.push({
            propertyPath: `${path}.playwright`,
            reason: `must be an object {image, cache, identityFile}; got ${show(pw)}`,
        });
        return {};
    }
    checkKnownKeys(pw, ["image", "cache", "identityFile"], `${path}.playwright`, problems);
    if (typeof pw.image !== "string" || pw.image.length > 255 || !IMAGE_RE.test(pw.image)) {
        problems.push({
            propertyPath: `${path}.playwright.image`,
            reason: `is required: a Playwright image reference with a tag, like "mcr.microsoft.com/playwright:v1.57.0-noble"; got ${show(pw.image)}`,
        });
    }
    const cache = pw.cache ?? "ms-playwright";
    if (typeof cache !== "string" || !caches.some((c) => c.name === cache)) {
        problems.push({
            propertyPath: `${path}.playwright.cache`,
            reason: `must name a defined cache (${caches.map((c) => c.name).join(", ")}); got ${show(cache)}`,
        });
    }
    if (pw.identityFile !== undefined && checkAbsolutePath(pw.identityFile)) {
        problems.push({
            propertyPath: `${path}.playwright.identityFile`,
            reason: `must be an absolute path to a local private key file; got ${show(pw.identityFile)}`,
        });
    }
    return {
        playwright: {
            image: pw.image as string,
            cache: cache as string,
            identityFile: pw.identityFile as string | undefined,
        },
    };
}

function validateHostPaths(raw: unknown, problems: Problem[]): HostPathsSpec {
    const path = key("hostPaths");
    const out: HostPathsSpec = { ...DEFAULT_HOST_PATHS };
    if (raw === undefined) return out;
    if (!isPlainObject(raw)) {
        problems.push({
            propertyPath: path,
            reason: `must be an object {daemonJson, systemdUnitDir, systemdRunDir, cronDir}; got ${show(raw)}`,
        });
        return out;
    }
    const keys = Object.keys(DEFAULT_HOST_PATHS) as (keyof HostPathsSpec)[];
    checkKnownKeys(raw, keys, path, problems);
    for (const k of keys) {
        if (raw[k] === undefined) continue;
        const bad = checkAbsolutePath(raw[k]);
        if (bad)
            problems.push({ propertyPath: `${path}.${k}`, reason: `${bad}; got ${show(raw[k])}` });
        else out[k] = raw[k] as string;
    }
    return out;
}

function validateRoot(raw: unknown, fallback: string, name: string, problems: Problem[]): string {
    const v = raw === undefined ? fallback : raw;
    const bad = checkAbsolutePath(v);
    if (bad) {
        problems.push({ propertyPath: key(name), reason: `${bad}; got ${show(v)}` });
        return fallback;
    }
    const s = v as string;
    if (s.split("/").length < 3) {
        problems.push({
            propertyPath: key(name),
            reason: `must be at least two levels deep (like /srv/cache); got ${show(s)}`,
        });
    }
    for (const f of FORBIDDEN_ROOTS) {
        if (s === f || s.startsWith(f + "/")) {
            problems.push({
                propertyPath: key(name),
                reason: `must not be inside ${f}; got ${show(s)}`,
            });
        }
    }
    return s;
}

/**
 * Validates the raw stack config. Collects every problem and throws one
 * `pulumi.InputPropertiesError` naming each bad key; returns typed settings.
 */
export function validateSettings(raw: RawSettings): Settings {
    const problems: Problem[] = [];
    const connection = validateConnection(raw.connection, problems);
    const sharedRoot = validateRoot(raw.sharedRoot, DEFAULT_SHARED_ROOT, "sharedRoot", problems);
    const stateDir = validateRoot(raw.stateDir, DEFAULT_STATE_DIR, "stateDir", problems);
    if (
        stateDir === sharedRoot ||
        stateDir.startsWith(sharedRoot + "/") ||
        sharedRoot.startsWith(stateDir + "/")
    ) {
        problems.push({
            propertyPath: key("stateDir"),
            reason: `must not overlap sharedRoot ${show(sharedRoot)}`,
        });
    }
    const caches = validateCaches(raw.caches, sharedRoot, problems);
    const apps = validateApps(raw.apps, caches, problems);
    const discover = validateDiscover(raw.discover, caches, problems);
    let afterChange: AfterChange = "restart";
    if (raw.afterChange !== undefined) {
        if (
            typeof raw.afterChange !== "string" ||
            !AFTER_CHANGE.includes(raw.afterChange as AfterChange)
        ) {
            problems.push({
                propertyPath: key("afterChange"),
                reason: `must be one of ${AFTER_CHANGE.join(", ")}; got ${show(raw.afterChange)}`,
            });
        } else {
            afterChange = raw.afterChange as AfterChange;
        }
    }
    let maxParallelRestarts = 2;
    if (raw.maxParallelRestarts !== undefined) {
        const v = raw.maxParallelRestarts;
        if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 32) {
            problems.push({
                propertyPath: key("maxParallelRestarts"),
                reason: `must be an integer 1-32; got ${show(v)}`,
            });
        } else {
            maxParallelRestarts = v;
        }
    }
    const bool = (name: string, v: unknown, dflt: boolean): boolean => {
        if (v === undefined) return dflt;
        if (typeof v !== "boolean") {
            problems.push({
                propertyPath: key(name),
                reason: `must be true or false; got ${show(v)}`,
            });
            return dflt;
        }
        return v;
    };
    if (raw.privateKey !== undefined) {
        const k = raw.privateKey;
        if (
            typeof k !== "string" ||
            !/^-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[\s\S]+\n-----END [A-Z ]*PRIVATE KEY-----\s*$/.test(
                k.trim() + "\n",
            )
        ) {
            problems.push({
                propertyPath: key("privateKey"),
                reason: "must be an unencrypted PEM or OpenSSH private key (set it with: pulumi config set --secret privateKey < ~/.ssh/id_ed25519); value not shown",
            });
        }
    }
    const purgeRemovedCaches = bool("purgeRemovedCaches", raw.purgeRemovedCaches, false);
    const detectDrift = bool("detectDrift", raw.detectDrift, true);
    const buildCache = validateBuildCache(raw.buildCache, problems);
    const warmup = validateWarmup(raw.warmup, caches, problems);
    const hostPaths = validateHostPaths(raw.hostPaths, problems);
    if (problems.length > 0) {
        throw new pulumi.InputPropertiesError({
            message:
                `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  ${p.propertyPath}: ${p.reason}`).join("\n"),
            errors: problems,
        });
    }
    return {
        connection,
        sharedRoot,
        stateDir,
        caches,
        apps,
        discover,
        afterChange,
        maxParallelRestarts,
        purgeRemovedCaches,
        detectDrift,
        buildCache,
        warmup,
        hostPaths,
    };
}
