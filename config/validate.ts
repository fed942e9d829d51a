/**
 * `validateSettings`: raw stack config in, typed {@link Settings} out, or one
 * `pulumi.InputPropertiesError` naming every problem at once: the stack key
 * (`dokku-shared-cache:apps[2].caches[0]`), the bad value and what is
 * allowed. Each key is parsed with its schema (config/schema.ts); then the
 * rules that relate keys to each other. Pure: no Pulumi runtime, no I/O.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { DEFAULT_SHARED_ROOT, GROUPS_DIR } from "./defaults";
import { CONFIG_KEYS, CONFIG_NAMESPACE, PRIVATE_KEY, RawSettings } from "./raw";
import {
    KEY_SCHEMAS,
    PRIVATE_KEY_RE,
    appSchema,
    cacheNameSchema,
    cacheBound,
    cacheSchema,
    given,
    show,
    unknownKeyReason,
} from "./schema";
import { AppSpec, CacheSpec, DiscoverSpec, KeyOutputs, Settings } from "./types";

type Problem = pulumi.InputPropertyErrorDetails;
type Path = readonly PropertyKey[];

/** `["apps", 2, "caches", 0]` → `dokku-shared-cache:apps[2].caches[0]`. */
export function stackKey(path: Path): string {
    return (
        CONFIG_NAMESPACE +
        ":" +
        path
            .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
            .join("")
    );
}

/** Collects problems while the keys are parsed. */
export class Problems {
    readonly list: Problem[] = [];
    /**
     * `prefixFor(key)` is prepended to every path starting at `key` (a fleet
     * host's own keys are reported as `hosts[1].apps[0]`).
     */
    constructor(public prefixFor: (key: PropertyKey) => Path = () => []) {}
    add(path: Path, reason: string): void {
        const propertyPath = stackKey([...this.prefixFor(path[0]), ...path]);
        // A top-level default shared by several hosts is reported once.
        if (this.list.some((p) => p.propertyPath === propertyPath && p.reason === reason)) return;
        this.list.push({ propertyPath, reason });
    }
    /** Parses `value` at `path`; records its issues and returns undefined when it fails. */
    parse<T>(schema: z.ZodType<T>, value: unknown, path: Path): T | undefined {
        const r = schema.safeParse(value, { reportInput: true });
        if (r.success) return r.data;
        for (const iss of r.error.issues) {
            // A bad map key (an env name) says why in its own issue.
            const own = iss.code === "invalid_key" ? (iss.issues[0] ?? iss) : iss;
            const input = (own as { input?: unknown }).input;
            const showValue =
                own.code === "custom" ? (own.params as { show?: boolean })?.show : true;
            const reason =
                input === undefined || !showValue
                    ? own.message
                    : `${own.message}; got ${show(input)}`;
            this.add([...path, ...iss.path], reason);
        }
        return undefined;
    }
}

/** Unknown and duplicate names in a list of cache names; returns the good ones. */
function cacheRefs(
    list: readonly string[],
    known: ReadonlySet<string>,
    path: Path,
    problems: Problems,
): string[] {
    const out: string[] = [];
    list.forEach((c, i) => {
        if (!known.has(c)) {
            problems.add(
                [...path, i],
                `unknown cache ${show(c)}; defined caches: ${[...known].join(", ")}`,
            );
        } else if (out.includes(c)) {
            problems.add([...path, i], `cache ${show(c)} is listed twice`);
        } else out.push(c);
    });
    return out;
}

function overlaps(a: string, b: string): boolean {
    return a === b || a.startsWith(b + "/") || b.startsWith(a + "/");
}

/** Each cache on its own (a bad one hides no other's problems), then their directories. */
function validateCaches(raw: unknown, sharedRoot: string, problems: Problems) {
    const map = problems.parse(KEY_SCHEMAS.caches, raw, ["caches"]);
    if (!map) return { caches: [] as CacheSpec[], known: new Set<string>() };
    const caches: CacheSpec[] = [];
    const known = new Set<string>();
    for (const [name, value] of Object.entries(map)) {
        if (!problems.parse(cacheNameSchema, name, ["caches", name])) continue;
        known.add(name);
        const c = problems.parse(cacheSchema(name), value, ["caches", name]);
        if (!c) continue;
        // Every field of the entry goes on as it is, but the directory (default the name), the
        // container path (required: the schema says so) and the bound's three (in `bound`).
        const { dir: dirGiven, containerPath, maxSize, maxAge, prune, ...rest } = c;
        const dir = dirGiven ?? name;
        const hostPath = `${sharedRoot}/${dir}`;
        if (dir === GROUPS_DIR || dir.startsWith(GROUPS_DIR + "/")) {
            problems.add(
                ["caches", name, "dir"],
                `${show(hostPath)} is reserved for cache groups (${sharedRoot}/${GROUPS_DIR}/<group>/...); pick another dir`,
            );
            continue;
        }
        for (const other of caches) {
            if (overlaps(other.dir, dir)) {
                problems.add(
                    ["caches", name, "dir"],
                    `${show(hostPath)} overlaps cache ${show(other.name)}'s directory; each cache needs its own directory`,
                );
            }
        }
        const bound = cacheBound(name, { maxSize, maxAge, prune });
        caches.push({ name, dir, containerPath: containerPath!, ...rest, bound });
    }
    return { caches, known };
}

/** Two caches an app uses must not share a container path or an env var. */
function checkAppCollisions(
    app: AppSpec,
    caches: readonly CacheSpec[],
    path: Path,
    problems: Problems,
) {
    const used = app.caches
        .map((n) => caches.find((c) => c.name === n))
        .filter((c) => c !== undefined);
    used.forEach((c, i) => {
        for (const o of used.slice(0, i)) {
            if (overlaps(o.containerPath, c.containerPath)) {
                problems.add(
                    path,
                    `caches ${show(o.name)} and ${show(c.name)} use overlapping container paths ${show(o.containerPath)} and ${show(c.containerPath)}`,
                );
            }
            for (const k of Object.keys(c.env).filter((k) => k in o.env)) {
                problems.add(path, `caches ${show(o.name)} and ${show(c.name)} both set ${k}`);
            }
        }
    });
}

function validateApps(raw: unknown, caches: CacheSpec[], known: Set<string>, problems: Problems) {
    const list = problems.parse(KEY_SCHEMAS.apps, raw, ["apps"]) ?? [];
    const apps: AppSpec[] = [];
    list.forEach((entry, i) => {
        const a = problems.parse(appSchema, entry, ["apps", i]);
        if (!a) return;
        if (apps.some((x) => x.name === a.name)) {
            problems.add(["apps", i, "name"], `app ${show(a.name)} is listed twice`);
            return;
        }
        // Every field of the entry goes on as it is (optional ones only when given), but the
        // cache lists, checked against the defined caches.
        const { name, caches: listed, readOnly, ...rest } = a;
        const app: AppSpec = given({
            name,
            caches: listed ? cacheRefs(listed, known, ["apps", i, "caches"], problems) : [...known],
            readOnly: cacheRefs(readOnly, known, ["apps", i, "readOnly"], problems),
            ...rest,
        });
        app.readOnly.forEach((r, j) => {
            if (!app.caches.includes(r)) {
                problems.add(
                    ["apps", i, "readOnly", j],
                    `cache ${show(r)} is not in this app's caches`,
                );
            }
        });
        checkAppCollisions(app, caches, ["apps", i, "caches"], problems);
        apps.push(app);
    });
    return apps;
}

/**
 * Validates the raw stack config. Collects every problem and throws one
 * `pulumi.InputPropertiesError` naming each bad key; returns typed settings.
 */
export function validateSettings(raw: RawSettings): Settings {
    const problems = new Problems();
    const settings = collectSettings(raw, problems);
    throwProblems(problems);
    return settings!;
}

/** Throws one `pulumi.InputPropertiesError` naming every problem, if there are any. */
export function throwProblems(problems: Problems): void {
    const list = problems.list;
    if (list.length === 0) return;
    throw new pulumi.InputPropertiesError({
        message:
            `invalid stack configuration (${list.length} problem${list.length === 1 ? "" : "s"}):\n` +
            list.map((p) => `  ${p.propertyPath}: ${p.reason}`).join("\n"),
        errors: list,
    });
}

/** One host's settings; problems go to `problems` (undefined when there are any). */
export function collectSettings(raw: RawSettings, problems: Problems): Settings | undefined {
    const before = problems.list.length;
    const allowed: readonly string[] = CONFIG_KEYS;
    for (const k of Object.keys(raw)) {
        if (k !== PRIVATE_KEY && !allowed.includes(k) && raw[k] !== undefined) {
            problems.add([k], unknownKeyReason(k, [...allowed, PRIVATE_KEY]));
        }
    }
    const key = raw.privateKey;
    if (key !== undefined && (typeof key !== "string" || !PRIVATE_KEY_RE.test(key.trim() + "\n"))) {
        problems.add(
            [PRIVATE_KEY],
            "must be an unencrypted PEM or OpenSSH private key (set it with: pulumi config set --secret privateKey < ~/.ssh/id_ed25519); value not shown",
        );
    }
    const at = <K extends keyof KeyOutputs>(k: K): KeyOutputs[K] | undefined =>
        problems.parse(KEY_SCHEMAS[k] as unknown as z.ZodType<KeyOutputs[K]>, raw[k], [k]);
    // Every key in the schema's order (the order problems are reported in): most are their
    // schema's output; the ones below are resolved across keys.
    const out: Record<string, unknown> = {};
    let known = new Set<string>();
    let caches: CacheSpec[] = [];
    for (const k of CONFIG_KEYS) {
        switch (k) {
            case "stateDir": {
                const stateDir = (out.stateDir = at(k));
                const sharedRoot = out.sharedRoot as string | undefined;
                if (sharedRoot && stateDir && overlaps(sharedRoot, stateDir)) {
                    problems.add(["stateDir"], `must not overlap sharedRoot ${show(sharedRoot)}`);
                }
                break;
            }
            case "caches":
                ({ caches, known } = validateCaches(
                    raw.caches,
                    (out.sharedRoot as string | undefined) ?? DEFAULT_SHARED_ROOT,
                    problems,
                ));
                out.caches = caches;
                break;
            case "apps":
                out.apps = validateApps(raw.apps, caches, known, problems);
                break;
            case "discover": {
                const d = at(k);
                out.discover = {
                    enabled: d?.enabled ?? false,
                    exclude: d?.exclude ?? [],
                    caches: d?.caches
                        ? cacheRefs(d.caches, known, ["discover", "caches"], problems)
                        : [...known],
                    builder: d?.builder ?? "unknown",
                } satisfies DiscoverSpec;
                break;
            }
            case "buildCache":
                out.buildCache = raw.buildCache === false ? undefined : at(k);
                break;
            case "warmup": {
                const warmup = (out.warmup = at(k));
                const pw = warmup?.playwright;
                if (pw && !known.has(pw.cache)) {
                    problems.add(
                        ["warmup", "playwright", "cache"],
                        `must name a defined cache (${[...known].join(", ")}); got ${show(pw.cache)}`,
                    );
                }
                break;
            }
            default:
                out[k] = at(k);
        }
    }
    if (problems.list.length > before) return undefined;
    return out as Settings;
}
