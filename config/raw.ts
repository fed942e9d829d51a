/**
 * Reading the stack's raw configuration: every key of the project's
 * namespace, as Pulumi hands it over (the runtime's config map inside the
 * program, `pulumi config --json` for the CLI commands). Not yet trusted:
 * config/validate.ts checks it.
 */
import { KEY_SCHEMAS } from "./schema";

/** The Pulumi config namespace (the project name). */
export const CONFIG_NAMESPACE = "dokku-shared-cache";

/** The stack config keys the program reads (besides the secret `privateKey`): the schema's, in its order. */
export type ConfigKey = keyof typeof KEY_SCHEMAS;
export const CONFIG_KEYS = Object.keys(KEY_SCHEMAS) as readonly ConfigKey[];

/** The secret key: read through `config.requireSecret`, never part of the raw values. */
export const PRIVATE_KEY = "privateKey";

/**
 * Raw stack config: every key of the namespace (known or not, so that a
 * typo is reported), values parsed from JSON where they are JSON.
 */
export type RawSettings = { [K in ConfigKey]?: unknown } & {
    /** The decrypted SSH private key; checked for shape, never echoed in errors. */
    privateKey?: unknown;
    [key: string]: unknown;
};

/** A config value as structured data when it is YAML/JSON (Pulumi hands objects over as JSON), else the string. */
export function parseConfigValue(s: string | undefined): unknown {
    if (s === undefined) return undefined;
    try {
        return JSON.parse(s) as unknown;
    } catch {
        return s;
    }
}

/** The keys of our namespace from a full config map (`ns:key` → value), namespace stripped. */
export function namespaceValues(all: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    const prefix = `${CONFIG_NAMESPACE}:`;
    for (const [k, v] of Object.entries(all)) {
        if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
    }
    return out;
}

/** One entry of `pulumi config --json [--show-secrets]`. */
export interface ConfigJsonEntry {
    value?: string;
    objectValue?: unknown;
    secret: boolean;
}

/** `pulumi config --json` output as the full config map (`ns:key` → string value). */
export function configJsonMap(cfg: Record<string, ConfigJsonEntry>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, e] of Object.entries(cfg)) {
        const v =
            e.value ?? (e.objectValue !== undefined ? JSON.stringify(e.objectValue) : undefined);
        if (v !== undefined) out[k] = v;
    }
    return out;
}

/** Raw settings from our namespace's values (without the private key). */
export function rawFromValues(values: Record<string, string>): RawSettings {
    const raw: RawSettings = {};
    for (const [k, v] of Object.entries(values)) {
        if (k !== PRIVATE_KEY) raw[k] = parseConfigValue(v);
    }
    return raw;
}
