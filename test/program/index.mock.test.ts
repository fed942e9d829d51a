/**
 * index.ts as the engine runs it: the stack config comes from the runtime's
 * config map, so a typo in a top-level key of the namespace fails the run
 * naming the key before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { installMocks, recorded } from "../../cli/plan-mocks";
import { HOST_KEY } from "../fixtures/settings";

installMocks();

const KEY =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAsecretbytesNOTREAL\n-----END OPENSSH PRIVATE KEY-----\n";

function stack(extra: Record<string, string>): void {
    pulumi.runtime.setAllConfig(
        {
            "dokku-shared-cache:connection": JSON.stringify({
                host: "127.0.0.1",
                hostKey: HOST_KEY,
            }),
            "dokku-shared-cache:apps": JSON.stringify(["api"]),
            "dokku-shared-cache:detectDrift": "false",
            "dokku-shared-cache:privateKey": KEY,
            ...extra,
        },
        ["dokku-shared-cache:privateKey"],
    );
}

describe("index.ts reads every key of the namespace (mocks)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = () => (require("../../index") as () => Promise<unknown>)();

    it("runs the program on the runtime's config", async () => {
        stack({});
        recorded.splice(0);
        await program();
        await new Promise((r) => setTimeout(r, 50));
        expect(recorded.map((r) => r.type)).to.include("dokku-shared-cache:index:DokkuSharedCache");
        expect(recorded.map((r) => r.name)).to.include("dokku-app-api-converge");
    });

    it("fails on dokku-shared-cache:buildcache with the near miss, registering nothing", async () => {
        stack({ "dokku-shared-cache:buildcache": "false" });
        recorded.splice(0);
        let err: unknown;
        try {
            await program();
        } catch (e) {
            err = e;
        }
        // index.ts hands the CLI a frameless RunError whose message lists every problem.
        expect(pulumi.RunError.isInstance(err), String(err)).to.equal(true);
        const lines = (err as Error).message.split("\n").filter((l) => l.startsWith("  "));
        expect(lines).to.deep.equal([
            '  dokku-shared-cache:buildcache: unknown setting "buildcache"; did you mean buildCache? allowed: connection, sharedRoot, stateDir, caches, apps, discover, afterChange, maxParallelRestarts, deployWaitSeconds, purgeRemovedCaches, detectDrift, buildCache, warmup, hostPaths, disk, privateKey',
        ]);
        expect((err as Error).message + String((err as Error).stack)).not.to.contain("secretbytes");
        expect(recorded).to.deep.equal([]);
    });
});
