import { expect } from "chai";
import { validateSettings } from "../../config";
import { dockerfileCandidates } from "../../host/dockerfile-cache";
import { buildDesiredState } from "../../model/desired-state";
import { dockerfileBuildsLines, dockerfileBuildsReport } from "../../report/dockerfile-builds";
import { appSummary } from "../../report/summary";
import { validRaw } from "../fixtures/settings";

describe("Dockerfile apps in the model and outputs", () => {
    it("the model gives the lines to Dockerfile and undeclared apps only, and outputs them as a separate key", () => {
        const d = buildDesiredState(validateSettings(validRaw()));
        const by = Object.fromEntries(d.apps.map((a) => [a.name, a]));
        expect(by.api.dockerfileLines.map((l) => l.id)).to.deep.equal(["dsc-pip", "dsc-uv"]);
        expect(by.web.dockerfileLines).to.deep.equal([]);
        expect(by.worker.dockerfileLines.length, "unknown builder: maybe Dockerfile").to.be.above(
            0,
        );
        expect(by.api.buildNote).to.contain(by.api.dockerfileLines[0].line);
        expect(by.api.cachesHelpBuild, "no claim of build time from the config alone").to.equal(
            false,
        );
        const out = appSummary(d);
        expect(out.api.dockerfileLines).to.deep.equal({
            pip: by.api.dockerfileLines[0].line,
            uv: by.api.dockerfileLines[1].line,
        });
        expect(out.web).to.not.have.property("dockerfileLines");
        expect(dockerfileCandidates(d.apps)).to.deep.equal([
            { name: "api", builder: "dockerfile" },
            { name: "worker", builder: "unknown" },
        ]);
    });
});

describe("verify: the Dockerfile-builds section", () => {
    const d = buildDesiredState(validateSettings(validRaw({ buildCache: { maxSize: "1MB" } })));
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const facts = (over: object = {}) => ({
        client: "28.2.2",
        buildx: "/usr/libexec/docker/cli-plugins/docker-buildx",
        hostEnv: null,
        daemonBuildkit: null,
        buildCache: [
            {
                ID: "a1",
                CacheType: "exec.cachemount",
                Size: "0B",
                Description: "cached mount /root/.cache/pip from exec x",
            },
        ],
        snapshotBytes: { a1: 2_000_000 },
        apps: {
            api: {
                builder: "dockerfile",
                appEnv: null,
                dockerfilePath: "Dockerfile",
                dockerfile: b64(`FROM x\n${d.apps[0].dockerfileLines[0].line}\n`),
            },
            worker: { builder: "herokuish", appEnv: null, dockerfilePath: "", dockerfile: null },
        },
        ...over,
    });
    it("an app carrying one of its two lines on BuildKit: not all of its caches help the build; a note names the missing line", () => {
        const r = dockerfileBuildsReport(d, facts());
        expect(r.apps.map((a) => [a.name, a.carried, a.missing, a.cachesHelpBuild])).to.deep.equal([
            ["api", ["dsc-pip"], ["dsc-uv"], false],
        ]);
        expect(r.notes[0]).to.contain(d.apps[0].dockerfileLines[1].line);
        expect(r.overBound).to.equal(true);
        expect(r.problems).to.deep.equal([
            "build cache mounts: 2.00 MB on disk, over the bound of 1.00 MB (buildCache.maxSize (the whole build cache)); Docker counts them as 0 B, so its GC and size prune do not see them: docker builder prune -f --filter type=exec.cachemount reclaims them (the next build fills them again)",
        ]);
        expect(dockerfileBuildsLines(r).join("\n")).to.contain(
            "cache mounts (1 record): 2.00 MB on disk (Docker reports 0 B): target:/root/.cache/pip 2.00 MB; bound 1.00 MB",
        );
    });
    it("a Dockerfile with the line on a Dokku without BuildKit is a problem: its next deploy fails", () => {
        const r = dockerfileBuildsReport(d, facts({ buildx: "", snapshotBytes: {} }));
        expect(r.problems).to.have.length(1);
        expect(r.problems[0]).to.match(
            /^app api: its Dockerfile \(Dockerfile\) carries RUN --mount=type=cache, but Dokku builds it without BuildKit .*: install the docker-buildx plugin/,
        );
    });
});
