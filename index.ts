// dokku-shared-cache: reads the stack config and instantiates the program.
import * as pulumi from "@pulumi/pulumi";
import { rawFromConfig } from "./components/config";
import { runProgram, userFacingError } from "./components/program";

const config = new pulumi.Config();

export = async () => {
    try {
        return await runProgram({
            raw: rawFromConfig((k) => config.get(k)),
            privateKey: config.requireSecret("privateKey"),
        });
    } catch (e) {
        throw userFacingError(e);
    }
};
