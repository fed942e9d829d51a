import { expect } from "chai";
import {
    buildkitVerdict,
    cacheMountId,
    cacheMountUsage,
    describeCacheMount,
    dockerfileCacheLines,
    goParseBool,
    idsCarried,
} from "../../rules/dockerfile";

describe("Dockerfile apps: the BuildKit cache-mount line", () => {
    it("gives each shared cache a fixed id, a group's own an id of its own", () => {
        expect(cacheMountId("pip")).to.equal("dsc-pip");
        expect(cacheMountId("pip", "team-a")).to.equal("dsc-pip@team-a");
        // `pip-team` + no group and `pip` + group `team` never meet.
        expect(cacheMountId("pip-team")).to.not.equal(cacheMountId("pip", "team"));
    });

    it("builds the line from the cache's container path and env, quoting what needs it", () => {
        const caches = new Map<string, { env: Record<string, string> }>([
            ["pip", { env: { PIP_CACHE_DIR: "/root/.cache/pip" } }],
            ["odd", { env: { B: "two words", A: "x" } }],
        ]);
        const [pip, odd] = dockerfileCacheLines(
            [
                { cache: "pip", containerPath: "/root/.cache/pip" },
                { cache: "odd", containerPath: "/cache/odd" },
            ],
            caches,
            "g1",
        );
        expect(pip.line).to.equal(
            "RUN --mount=type=cache,id=dsc-pip@g1,target=/root/.cache/pip,sharing=locked PIP_CACHE_DIR=/root/.cache/pip pip install -r requirements.txt",
        );
        expect(odd.mount).to.equal(
            "--mount=type=cache,id=dsc-odd@g1,target=/cache/odd,sharing=locked",
        );
        expect(odd.env).to.equal("A=x B='two words'");
        expect(odd.line).to.match(/ <your build command>$/);
    });
});

describe("Dockerfile apps: does the Dockerfile carry the line", () => {
    it("finds a cache mount by id, in any option order, across continuation lines", () => {
        const text = [
            "FROM python:3.12",
            "# RUN --mount=type=cache,id=dsc-npm,target=/x  (a comment)",
            "RUN --mount=target=/root/.cache/pip,sharing=locked,id=dsc-pip,type=cache \\",
            "    pip install -r requirements.txt",
            "run --mount=type=bind,id=dsc-uv,target=/y true",
        ].join("\n");
        expect(idsCarried(text, ["dsc-pip", "dsc-npm", "dsc-uv"])).to.deep.equal(["dsc-pip"]);
        expect(
            idsCarried("RUN --mount type=cache,id=dsc-uv,target=/u uv sync", ["dsc-uv"]),
        ).to.deep.equal(["dsc-uv"]);
        expect(idsCarried("FROM x\nRUN pip install .\n", ["dsc-pip"])).to.deep.equal([]);
    });
});

describe("Dockerfile apps: does Dokku build with BuildKit (docker/cli 20.10.24 and 23.0–28.5.2)", () => {
    const base = {
        client: "28.2.2",
        buildx: false,
        hostEnv: null,
        appEnv: null,
        daemonBuildkit: null,
    };
    it("reads DOCKER_BUILDKIT as Go's strconv.ParseBool does", () => {
        expect(["1", "t", "TRUE", "True"].map(goParseBool)).to.deep.equal([true, true, true, true]);
        expect(["0", "F", "false"].map(goParseBool)).to.deep.equal([false, false, false]);
        expect(goParseBool("yes")).to.equal(undefined);
    });
    it("28.x: buildx decides when DOCKER_BUILDKIT is unset; =1 without buildx fails every build", () => {
        expect(buildkitVerdict({ ...base, buildx: true }).buildkit).to.equal(true);
        const legacy = buildkitVerdict(base);
        expect(legacy.buildkit).to.equal(false);
        expect(legacy.why).to.contain("the --mount option requires BuildKit");
        expect(legacy.fix).to.contain("/usr/libexec/docker/cli-plugins/docker-buildx");
        const missing = buildkitVerdict({ ...base, hostEnv: "1" });
        expect([missing.buildkit, missing.why]).to.deep.equal([
            false,
            'DOCKER_BUILDKIT=1 but docker CLI 28.2.2 has no buildx plugin: every Dockerfile build fails ("BuildKit is enabled but the buildx component is missing")',
        ]);
    });
    it("the app's DOCKER_BUILDKIT wins over /etc/default/dokku's", () => {
        const off = buildkitVerdict({ ...base, buildx: true, hostEnv: "1", appEnv: "0" });
        expect(off.buildkit).to.equal(false);
        expect(off.why).to.contain("in the app's config");
        expect(off.fix).to.contain("dokku config:unset APP DOCKER_BUILDKIT");
        expect(
            buildkitVerdict({ ...base, buildx: true, hostEnv: "0", appEnv: "1" }).buildkit,
        ).to.equal(true);
    });
    it("20.10: DOCKER_BUILDKIT=1, or daemon.json features.buildkit, turns it on; nothing else", () => {
        const c = { ...base, client: "20.10.24+dfsg1" };
        const off = buildkitVerdict(c);
        expect(off.buildkit).to.equal(false);
        expect(off.fix).to.contain("export DOCKER_BUILDKIT=1' >> /etc/default/dokku");
        expect(buildkitVerdict({ ...c, hostEnv: "1" }).buildkit).to.equal(true);
        expect(buildkitVerdict({ ...c, daemonBuildkit: true }).buildkit).to.equal(true);
        expect(buildkitVerdict({ ...c, daemonBuildkit: true, appEnv: "false" }).buildkit).to.equal(
            false,
        );
        expect(buildkitVerdict({ ...c, buildx: true }).buildkit, "20.10 ignores buildx").to.equal(
            false,
        );
    });
    it("a DOCKER_BUILDKIT that is not a boolean fails every build, and says so", () => {
        const v = buildkitVerdict({ ...base, buildx: true, hostEnv: "yes" });
        expect([v.buildkit, v.why]).to.deep.equal([
            false,
            'DOCKER_BUILDKIT="yes" in /etc/default/dokku is not a boolean: docker refuses every build',
        ]);
    });
});

describe("Dockerfile apps: cache-mount usage", () => {
    it("reads the target, and the id where BuildKit (>= 0.12) names it", () => {
        expect(
            describeCacheMount(
                'cached mount /root/.cache/pip from exec /bin/sh -c pip install -r r.txt with id "dsc-pip"',
            ),
        ).to.deep.equal({ target: "/root/.cache/pip", id: "dsc-pip" });
        expect(
            describeCacheMount(
                'cached mount /root/.cache/pip from exec /bin/sh -c sh -c "echo > x"',
            ),
        ).to.deep.equal({ target: "/root/.cache/pip", id: null });
        expect(describeCacheMount("local source for context")).to.equal(undefined);
    });
    it("sums exec.cachemount records, by id or target, taking the snapshot's bytes when Docker says 0 B", () => {
        const u = cacheMountUsage(
            [
                {
                    ID: "a1",
                    CacheType: "exec.cachemount",
                    Size: "0B",
                    Description: "cached mount /root/.cache/pip from exec x",
                },
                {
                    ID: "b2",
                    CacheType: "exec.cachemount",
                    Size: "2MB",
                    Description: 'cached mount /root/.cache/uv from exec y with id "dsc-uv"',
                },
                { ID: "c3", CacheType: "regular", Size: "5MB", Description: "from local" },
            ],
            { a1: 300_000, c3: 1 },
        );
        expect(u).to.deep.equal({
            totalBytes: 2_300_000,
            dockerBytes: 2_000_000,
            count: 2,
            byKey: {
                "target:/root/.cache/pip": {
                    bytes: 300_000,
                    count: 1,
                    id: null,
                    target: "/root/.cache/pip",
                },
                "dsc-uv": { bytes: 2_000_000, count: 1, id: "dsc-uv", target: "/root/.cache/uv" },
            },
        });
    });
});
