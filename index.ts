// dokku-shared-cache: reads the stack config and runs the program (program.ts).
import * as pulumi from "@pulumi/pulumi";
import { namespaceValues, rawFromValues } from "./config/raw";
import { runStack, userFacingError } from "./program";

const config = new pulumi.Config();

export = async () => {
    try {
        return await runStack({
            // Every key of the namespace (pulumi.Config cannot list them), so a typo is an error.
            raw: rawFromValues(namespaceValues(pulumi.runtime.allConfig())),
            // Optional: in the hosts form each host may have its own key.
            privateKey: config.getSecret("privateKey"),
        });
    } catch (e) {
        throw userFacingError(e);
    }
};
