/**
 * Unknown keys are errors at every level, the top-level keys of the
 * project's namespace included, with the near miss suggested; the raw config
 * is read from the whole namespace so such a key reaches validation.
 */
import { expect } from "chai";
import { configJsonMap, nearMiss, namespaceValues, rawFromValues } from "../../config";
import { problems, validRaw } from "../fixtures/settings";

describe("unknown stack keys", () => {
    it("a top-level typo fails naming the key, the near miss and what is allowed", () => {
        const errs = problems({ ...validRaw(), buildcache: false });
        expect(errs).to.have.length(1);
        expect(errs[0].propertyPath).to.equal("dokku-shared-cache:buildcache");
        expect(errs[0].reason)
            .to.contain('unknown setting "buildcache"')
            .and.contain("did you mean buildCache?")
            .and.contain("allowed: connection,");
    });

    it("reports every top-level typo at once, with the other problems", () => {
        const errs = problems({
            ...validRaw(),
            afterchange: "none",
            detectdrift: false,
            nonsense: 1,
            maxParallelRestarts: 0,
            deployWaitSeconds: 7200,
        });
        const byKey = Object.fromEntries(errs.map((e) => [e.propertyPath, e.reason]));
        expect(byKey["dokku-shared-cache:afterchange"]).to.contain("did you mean afterChange?");
        expect(byKey["dokku-shared-cache:detectdrift"]).to.contain("did you mean detectDrift?");
        expect(byKey["dokku-shared-cache:nonsense"])
            .to.contain('unknown setting "nonsense"')
            .and.not.contain("did you mean");
        expect(byKey["dokku-shared-cache:maxParallelRestarts"]).to.contain("1-32; got 0");
        expect(byKey["dokku-shared-cache:deployWaitSeconds"]).to.contain("0-3600; got 7200");
    });

    it("suggests near misses for nested keys too", () => {
        const errs = problems(validRaw({ buildCache: { maxsize: "1GB" } }));
        expect(errs.map((e) => e.propertyPath)).to.deep.equal([
            "dokku-shared-cache:buildCache.maxsize",
        ]);
        expect(errs[0].reason).to.contain("did you mean maxSize?");
    });

    it("nearMiss takes case and one or two letters, not unrelated words", () => {
        const keys = ["buildCache", "afterChange", "apps", "caches"];
        expect(nearMiss("buildcache", keys)).to.equal("buildCache");
        expect(nearMiss("bildCache", keys)).to.equal("buildCache");
        expect(nearMiss("app", keys)).to.equal("apps");
        expect(nearMiss("xyz", keys)).to.equal(undefined);
        expect(nearMiss("connection", keys)).to.equal(undefined);
    });

    it("the raw config holds every key of the namespace and nothing of other namespaces", () => {
        const all = {
            "dokku-shared-cache:buildcache": "false",
            "dokku-shared-cache:connection": '{"host":"h"}',
            "dokku-shared-cache:privateKey": "secret",
            "command:someKey": "x",
        };
        expect(rawFromValues(namespaceValues(all))).to.deep.equal({
            buildcache: false,
            connection: { host: "h" },
        });
        expect(
            namespaceValues(
                configJsonMap({
                    "dokku-shared-cache:apps": {
                        value: '["a"]',
                        objectValue: ["a"],
                        secret: false,
                    },
                    "dokku-shared-cache:privateKey": { value: "k", secret: true },
                }),
            ),
        ).to.deep.equal({ apps: '["a"]', privateKey: "k" });
    });
});
