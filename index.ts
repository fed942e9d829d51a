// dokku-shared-cache: reads the stack config and runs the program (program.ts).
import * as pulumi from "@pulumi/pulumi";
import { namespaceValues, rawFromValues } from "./config/raw";
import { runStack } from "./program";

const config = new pulumi.Config();

export = async () =>
    runStack({
        // Every key of the namespace (pulumi.Config cannot list them), so a typo is an error.
        raw: rawFromValues(namespaceValues(pulumi.runtime.allConfig())),
        privateKey: config.getSecret("privateKey"),
    });
