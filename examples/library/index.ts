// A Pulumi program of its own that uses dokku-shared-cache as a library (the package's
// `exports` entry: build it first with `npm run build:lib`). Its stack config:
//   server:  {host, port?, hostKey}       the Dokku host
//   sshKey:  (secret) SSH private key for root there
//   apps:    list of app names or {name, caches}
//   hostDirs (optional): {sharedRoot, stateDir, hostPaths} overrides
import * as pulumi from "@pulumi/pulumi";
import {
    AppArgs,
    ConnectionArgs,
    DokkuSharedCacheHostArgs,
    createDokkuSharedCache,
} from "dokku-shared-cache";

const cfg = new pulumi.Config();

export = async () => {
    const hostDirs = cfg.getObject<Partial<DokkuSharedCacheHostArgs>>("hostDirs") ?? {};
    const web1 = await createDokkuSharedCache("web1", {
        connection: cfg.requireObject<ConnectionArgs>("server"),
        privateKey: cfg.requireSecret("sshKey"),
        apps: cfg.requireObject<AppArgs[]>("apps"),
        caches: { pip: true, npm: true },
        afterChange: "none",
        buildCache: false,
        ...hostDirs,
    });
    return { summary: web1.summary, cacheDirs: web1.cacheDirs };
};
