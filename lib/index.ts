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
import { z } from "zod";
import { RawSettings } from "../config/raw";
import { KEY_SCHEMAS, appObject, cacheEntry, connectionSchema } from "../config/schema";
import { AfterChange, Builder, CachePruneKind } from "../config/types";
import { validateSettings } from "../config/validate";
import { DokkuSharedCache } from "../components/dokku-shared-cache";
import { probeHost } from "../io/ssh";
import { declareHost, planHost, userFacingError } from "../program";

export { DokkuSharedCache };
export type { DokkuSharedCacheArgs } from "../components/dokku-shared-cache";
export type { AfterChange, Builder, CachePruneKind };

// The args are the schema's input types (config/schema.ts: each field's JSDoc and default).

/** How to reach the host over SSH (`connection`). */
export type ConnectionArgs = z.input<typeof connectionSchema>;

/** One shared cache (`caches.<name>`); `true` takes the built-in default of that name. */
export type CacheArgs = z.input<typeof cacheEntry>;

/** One app (`apps[i]`): a name, or the name with its options. */
export type AppArgs = string | z.input<typeof appObject>;

/** Every stack key of one host, as the schema accepts it. */
type KeyArgs = { [K in keyof typeof KEY_SCHEMAS]?: z.input<(typeof KEY_SCHEMAS)[K]> };

/** The args of {@link createDokkuSharedCache}: the stack keys of one host. */
export type DokkuSharedCacheHostArgs = Omit<
    KeyArgs,
    "connection" | "caches" | "apps" | "buildCache"
> & {
    /** How to reach the host over SSH. */
    connection: ConnectionArgs;
    /** SSH private key for `connection.user` (keep it a secret; its value must be known at preview). */
    privateKey: pulumi.Input<string>;
    /** Apps to manage (default none). */
    apps?: AppArgs[];
    /** Cache name → options or `true` (default: every built-in cache, docs/configuration.md). */
    caches?: Record<string, boolean | CacheArgs>;
    /** Docker build cache bounds, or `false` (docs/build-cache.md). */
    buildCache?: false | KeyArgs["buildCache"];
};

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
