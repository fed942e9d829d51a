/**
 * Several Dokku hosts in one stack: the `hosts` list. Each entry has a
 * `name`, its `connection`, optionally its own `privateKey` (a secret:
 * `pulumi config set --secret --path 'hosts[1].privateKey' < key`) and may
 * override any top-level setting (`apps`, `caches`, `buildCache`,
 * `afterChange`, `maxParallelRestarts`, …); the top-level settings are the
 * defaults. An override replaces the top-level value whole. Each host is
 * validated like a single-host stack; a problem in a host's own key is
 * named `dokku-shared-cache:hosts[1].apps[0]`. Pure: no Pulumi runtime, no I/O.
 */
import { CONFIG_KEYS, PRIVATE_KEY, RawSettings } from "./raw";
import { nearMiss, show, unknownKeyReason } from "./schema";
import { Settings } from "./types";
import { Problems, collectSettings, throwProblems } from "./validate";

/** The stack key of the fleet form. */
export const HOSTS_KEY = "hosts";

/** The root component's name in the single-host form: part of every URN, never to change. */
export const ROOT_NAME = "dokku";

/** A host name: a DNS label (it is part of every resource's URN and of the reports). */
export const HOST_NAME_RE = /^[a-z][a-z0-9-]{0,39}$/;

export const MAX_HOSTS = 100;

/** The keys a `hosts` entry may have. */
export const HOST_ENTRY_KEYS: readonly string[] = ["name", PRIVATE_KEY, ...CONFIG_KEYS];

/** One host of the stack, validated. */
export interface FleetHost {
    /** `hosts[i].name`, or {@link ROOT_NAME} in the single-host form. */
    name: string;
    settings: Settings;
    /** Its SSH private key (its own or the shared `privateKey`). */
    privateKey: string;
    /**
     * Index in `hosts` (undefined in the single-host form). The first host
     * takes over the single-host form's resources (URN aliases).
     */
    index?: number;
}

export interface Fleet {
    form: "single" | "hosts";
    hosts: FleetHost[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The `hosts` entries that are objects; problems for the others. */
function hostEntries(raw: unknown, problems: Problems): (Record<string, unknown> | undefined)[] {
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_HOSTS) {
        problems.add(
            [HOSTS_KEY],
            `must be a list of 1 to ${MAX_HOSTS} hosts ({name, connection, …}); got ${show(raw)}`,
        );
        return [];
    }
    return raw.map((e, i) => {
        if (isRecord(e)) return e;
        problems.add(
            [HOSTS_KEY, i],
            `must be an object {name, connection, privateKey?, apps?, …}; got ${show(e)}`,
        );
        return undefined;
    });
}

/** Name and key checks of one entry; true when the entry can be validated further. */
function checkEntry(
    e: Record<string, unknown>,
    i: number,
    names: Set<string>,
    problems: Problems,
): boolean {
    let ok = true;
    for (const k of Object.keys(e)) {
        if (!HOST_ENTRY_KEYS.includes(k) && e[k] !== undefined) {
            problems.add([HOSTS_KEY, i, k], unknownKeyReason(k, HOST_ENTRY_KEYS));
            ok = false;
        }
    }
    const name = e.name;
    if (typeof name !== "string" || !HOST_NAME_RE.test(name)) {
        problems.add(
            [HOSTS_KEY, i, "name"],
            `must be a host name: lowercase letters, digits and '-', starting with a letter, at most 40 characters; got ${show(name)}`,
        );
        ok = false;
    } else if (names.has(name)) {
        problems.add([HOSTS_KEY, i, "name"], `host ${show(name)} is listed twice`);
        ok = false;
    } else names.add(name);
    if (e.connection === undefined) {
        problems.add(
            [HOSTS_KEY, i, "connection"],
            "is required: each host has its own connection ({host, hostKey, port?, user?})",
        );
        ok = false;
    }
    return ok;
}

/** Two hosts converging the same state directory on the same server would undo each other. */
function checkDistinct(hosts: FleetHost[], problems: Problems): void {
    const seen = new Map<string, string>();
    for (const h of hosts) {
        const c = h.settings.connection;
        const id = `${c.host}:${c.port}:${h.settings.stateDir}`;
        const other = seen.get(id);
        if (other !== undefined) {
            problems.prefixFor = () => [HOSTS_KEY, h.index ?? 0];
            problems.add(
                ["connection"],
                `host ${show(h.name)} is the same server and stateDir as ${show(other)} (${c.host}:${c.port}, ${h.settings.stateDir}); give each its own stateDir or remove one`,
            );
        } else seen.set(id, h.name);
    }
}

/** The top-level keys of a stack (the fleet form's `hosts` included). */
export const STACK_KEYS: readonly string[] = [...CONFIG_KEYS, PRIVATE_KEY, HOSTS_KEY];

/**
 * Top-level keys that are a misspelt `hosts` (`host`, `hostz`, `Hosts`):
 * without `hosts` the stack would be read as the single-host form and fail
 * for its missing `connection`, which would hide the real mistake.
 */
function hostsTypos(raw: RawSettings): string[] {
    return Object.keys(raw).filter(
        (k) =>
            raw[k] !== undefined &&
            !STACK_KEYS.includes(k) &&
            nearMiss(k, STACK_KEYS) === HOSTS_KEY,
    );
}

/**
 * Validates the whole stack: the single-host form (no `hosts`) or the fleet
 * form. Throws one `pulumi.InputPropertiesError` naming every problem of
 * every host; nothing runs before it passes.
 */
export function validateFleet(raw: RawSettings): Fleet {
    if (raw[HOSTS_KEY] === undefined) {
        const problems = new Problems();
        for (const k of hostsTypos(raw)) {
            const single =
                typeof raw[k] === "string" ? "; a single host's address is connection.host" : "";
            problems.add(
                [k],
                `${unknownKeyReason(k, STACK_KEYS)}${single} (the other settings are checked once the stack's form is known: hosts, or connection for a single host)`,
            );
        }
        throwProblems(problems);
        if (raw.privateKey === undefined) {
            problems.add(
                [PRIVATE_KEY],
                "is required: set it with: pulumi config set --secret privateKey < ~/.ssh/id_ed25519",
            );
        }
        const settings = collectSettings(raw, problems);
        throwProblems(problems);
        return {
            form: "single",
            hosts: [{ name: ROOT_NAME, settings: settings!, privateKey: String(raw.privateKey) }],
        };
    }
    const problems = new Problems();
    const { [HOSTS_KEY]: list, ...defaults } = raw;
    if (defaults.connection !== undefined) {
        problems.add(
            ["connection"],
            "is per host in the hosts form: move it to hosts[i].connection (top-level settings other than connection are the hosts' defaults)",
        );
    }
    const names = new Set<string>();
    const hosts: FleetHost[] = [];
    hostEntries(list, problems).forEach((e, i) => {
        if (!e || !checkEntry(e, i, names, problems)) return;
        const { name, ...own } = e;
        const key = own[PRIVATE_KEY] ?? defaults[PRIVATE_KEY];
        if (key === undefined) {
            problems.prefixFor = () => [HOSTS_KEY, i];
            problems.add(
                [PRIVATE_KEY],
                "no SSH key for this host: set hosts[i].privateKey or the shared privateKey (as a secret)",
            );
            return;
        }
        problems.prefixFor = (k) => (typeof k === "string" && k in own ? [HOSTS_KEY, i] : []);
        const settings = collectSettings({ ...defaults, ...own }, problems);
        if (settings) {
            hosts.push({ name: String(name), settings, privateKey: String(key), index: i });
        }
    });
    checkDistinct(hosts, problems);
    throwProblems(problems);
    return { form: "hosts", hosts };
}
