/**
 * CacheWarmup: fills a shared cache before the first deploy with a one-shot
 * container on the Dokku host's Docker, through `@pulumi/docker` over
 * `ssh://`. The Playwright case: copy the browsers that the official
 * Playwright image ships in /ms-playwright into the shared `ms-playwright`
 * directory, so no app downloads hundreds of MB on its first run.
 * Off by default; the container is ours alone (named, removed on destroy).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ConnectionSpec } from "../config/types";
import { warmupCommand } from "../host/warmup";
import { CacheDir } from "../model/desired-state";

/** Stable type token. */
export const CACHE_WARMUP_TYPE = "dokku-shared-cache:index:CacheWarmup";

export interface CacheWarmupArgs {
    /** The SSH target (the same host and pinned key as the remote commands). */
    connection: ConnectionSpec;
    /** The shared cache directory to fill, e.g. `{ name: "ms-playwright", hostPath: "/var/lib/dokku/data/shared/ms-playwright", ... }`. */
    dir: CacheDir;
    /** Playwright image with a tag, e.g. `mcr.microsoft.com/playwright:v1.57.0-noble`. */
    image: string;
    /** Local private key for ssh (default: ssh agent / ~/.ssh defaults). */
    identityFile?: string;
    /** A local known_hosts file pinning the host key (written by the caller). */
    knownHostsFile?: string;
}

/** `ssh://user@host:port`, the Docker provider's host. */
export function dockerSshHost(c: Pick<ConnectionSpec, "user" | "host" | "port">): string {
    const h = c.host.includes(":") ? `[${c.host}]` : c.host;
    return `ssh://${c.user}@${h}:${c.port}`;
}

/** ssh options for the Docker provider: pinned host key, batch mode, the key file. */
export function dockerSshOpts(
    args: Pick<CacheWarmupArgs, "identityFile" | "knownHostsFile">,
): string[] {
    const o = ["-o", "BatchMode=yes"];
    if (args.knownHostsFile) {
        o.push(
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            `UserKnownHostsFile=${args.knownHostsFile}`,
        );
    }
    if (args.identityFile) o.push("-o", "IdentitiesOnly=yes", "-i", args.identityFile);
    return o;
}

export class CacheWarmup extends pulumi.ComponentResource {
    /** The container's name on the host. */
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: CacheWarmupArgs, opts?: pulumi.ComponentResourceOptions) {
        super(CACHE_WARMUP_TYPE, name, {}, opts);
        const provider = new docker.Provider(
            `${name}-docker`,
            { host: dockerSshHost(args.connection), sshOpts: dockerSshOpts(args) },
            { parent: this },
        );
        const image = new docker.RemoteImage(
            `${name}-image`,
            { name: args.image, keepLocally: true },
            { parent: this, provider },
        );
        const container = new docker.Container(
            `${name}-run`,
            {
                name: `dokku-shared-cache-warmup-${args.dir.name}`,
                image: image.imageId,
                command: warmupCommand(args.dir),
                volumes: [{ hostPath: args.dir.hostPath, containerPath: "/cache" }],
                attach: true,
                logs: true,
                mustRun: false,
                restart: "no",
                labels: [{ label: "dokku-shared-cache", value: "warmup" }],
            },
            { parent: this, provider },
        );
        this.containerName = container.name;
        this.registerOutputs({ containerName: this.containerName });
    }
}
