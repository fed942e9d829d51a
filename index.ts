// dokku-shared-cache: reads the stack config and instantiates the program.
import * as pulumi from "@pulumi/pulumi";
import { rawFromConfig } from "./components/config";
import { runProgram } from "./components/program";

const config = new pulumi.Config();

export = async () =>
    runProgram({
        raw: rawFromConfig((k) => config.get(k)),
        privateKey: config.requireSecret("privateKey"),
    });
