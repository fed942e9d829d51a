/**
 * Pulumi's mock engine for the offline plan (cli/plan.ts) and the mock
 * tests: records every resource the program registers; unknown calls throw.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    urn: string;
}

export const recorded: Recorded[] = [];

export function installMocks(): void {
    void pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                recorded.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs as Record<string, unknown>,
                    urn: "",
                });
                const state = { ...args.inputs } as Record<string, unknown>;
                if (args.type === "command:remote:Command") {
                    state.stdout = "";
                    state.stderr = "";
                }
                return { id: `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                throw new Error(`unexpected call ${args.token}`);
            },
        },
        "dokku-shared-cache",
        "test",
        false,
    );
}

/** Resolves an Output's value in tests. */
export function unwrap<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}
