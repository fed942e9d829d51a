// dokku-shared-cache: reads the stack config and instantiates the program.
import * as pulumi from "@pulumi/pulumi";
import { RawSettings } from "./components/config";
import { runProgram } from "./components/program";

const config = new pulumi.Config();

/** A config value as structured data when it is YAML/JSON, else the plain string; validated later. */
function read(key: string): unknown {
    const s = config.get(key);
    if (s === undefined) return undefined;
    try {
        return JSON.parse(s) as unknown;
    } catch {
        return s;
    }
}

const raw: RawSettings = {
    connection: read("connection"),
    sharedRoot: read("sharedRoot"),
    stateDir: read("stateDir"),
    caches: read("caches"),
    apps: read("apps"),
    discover: read("discover"),
    afterChange: read("afterChange"),
    maxParallelRestarts: read("maxParallelRestarts"),
    purgeRemovedCaches: read("purgeRemovedCaches"),
    detectDrift: read("detectDrift"),
    buildCache: read("buildCache"),
    warmup: read("warmup"),
};

export = async () => runProgram({ raw, privateKey: config.requireSecret("privateKey") });
