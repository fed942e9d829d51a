import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { embeddedText } from "../../scripts/embed-host-scripts";
import { GOLDEN_DIR } from "../../testkit/golden";
import { checkJoin, declared, measure, SH_DIR, shFiles } from "../../testkit/sh-contract";
import { APP_SCRIPT_FILES } from "../../host/app-converge";
import {
    cachesPruneNowScript,
    daemonGcRemoveScript,
    pruneNowScript,
    pruneScript,
    scheduleRemoveScript,
} from "../../host/build-cache";
import { cacheDirDeleteScript } from "../../host/cache-dirs";
import { CachePruneTarget, cachePruneScript } from "../../host/cache-prune";
import { DEFAULT_HOST_PATHS } from "../../config/defaults";
import { probeScript } from "../../host/probe";
import { factsScript } from "../../host/facts";
import { purgeAppCacheScript } from "../../host/purge-app-cache";
import { dockerfileFactsScript } from "../../host/dockerfile-cache";
import { DEPLOY_BUSY_EXIT } from "../../host/deploy-wait";
import { K3S_EXIT } from "../../host/storage-entries";
import { VERSION_EXIT } from "../../rules/dokku-version";

const files = Object.fromEntries(
    shFiles().map((f) => {
        const full = fs.readFileSync(path.join(SH_DIR, f), "utf8");
        return [f.slice(0, -3), { full, embedded: embeddedText(f, full) }];
    }),
);

/** The converge and remove branches of one rendered stdin script (host/stdin-script.ts). */
function branches(stdin: string): { name: string; body: string }[] {
    return [...stdin.matchAll(/^(converge|remove)\)\n\{\n([\s\S]*?)\n\} <\/dev\/null\n;;$/gm)].map(
        (m) => ({
            name: m[1],
            body: m[2],
        }),
    );
}

describe("host script files: contracts between them (host/sh/*.sh)", function () {
    this.timeout(120000);

    it("each file's `# reads:`/`# sets:`/`# defines:` lines are what it reads before setting, sets and defines (npx ts-node testkit/sh-contract.ts --write)", () => {
        for (const [name, f] of Object.entries(files)) {
            expect(declared(f.full), `${name}.sh`).to.deep.equal(measure(f.embedded));
        }
    });

    for (const g of fs.readdirSync(GOLDEN_DIR).filter((f) => f.endsWith(".sh"))) {
        it(`${g}: every file reads only what the header or an earlier file set, and calls only functions defined before`, () => {
            const stdin = fs.readFileSync(path.join(GOLDEN_DIR, g), "utf8");
            const bs = branches(stdin);
            expect(bs.length, g).to.be.greaterThan(0);
            for (const b of bs) {
                const { problems } = checkJoin(b.body, files);
                expect(problems, `${g} ${b.name}`).to.deep.equal([]);
            }
        });
    }

    it("the app converge joins its files in APP_SCRIPT_FILES order, between the generation and drift repair records", () => {
        const stdin = fs.readFileSync(path.join(GOLDEN_DIR, "dokku-app-api-converge.sh"), "utf8");
        for (const b of branches(stdin)) {
            const { order } = checkJoin(b.body, files);
            expect(order, b.name).to.deep.equal(
                b.name === "converge"
                    ? [
                          "gen-record",
                          "repair-arg",
                          ...APP_SCRIPT_FILES,
                          "record-applied",
                          "repair-record",
                      ]
                    : ["gen-guard", ...APP_SCRIPT_FILES],
            );
        }
    });

    // Scripts the example stack does not render as a command of its own (the installed prune job
    // is inside the schedule's script as a quoted word; the others run on demand).
    const o = { stateDir: "/var/lib/dokku-shared-cache", paths: DEFAULT_HOST_PATHS };
    const target: CachePruneTarget = {
        name: "pip",
        hostPath: "/var/lib/dokku/data/shared/pip",
        bound: { prune: "pip", maxSize: "2GB", maxAge: "720h" },
    };
    const spec = { schedule: "daily", olderThan: "168h", maxSize: "20GB" } as const;
    const others: [string, string][] = [
        ["the prune job", pruneScript(spec, { stateDir: o.stateDir, caches: [target] })],
        ["the prune job without shared caches", pruneScript(spec)],
        ["cachePruneScript", cachePruneScript([target], o.stateDir)],
        ["scheduleRemoveScript", scheduleRemoveScript(o)],
        ["pruneNowScript", pruneNowScript(o)],
        ["cachesPruneNowScript", cachesPruneNowScript(o)],
        ["daemonGcRemoveScript", daemonGcRemoveScript(o)],
        [
            "cacheDirDeleteScript (purge)",
            cacheDirDeleteScript(
                { name: "pip", hostPath: target.hostPath, owner: "0:0", mode: "0755" },
                true,
            ),
        ],
    ];
    others.push(
        ["the probe", probeScript(["api", "web"], false, o.stateDir)],
        [
            "the probe of every app, with the disk",
            probeScript([], true, o.stateDir, o.stateDir, {
                sharedRoot: "/srv/shared",
                stateDir: o.stateDir,
            }),
        ],
    );
    others.push([
        "the host facts",
        factsScript({
            dirs: [{ name: "pip", hostPath: target.hostPath, owner: "0:0", mode: "0755" }],
            hostPaths: DEFAULT_HOST_PATHS,
            stateDir: o.stateDir,
            sharedRoot: "/var/lib/dokku/data/shared",
        }),
    ]);
    others.push(
        ["purge-app-cache", purgeAppCacheScript("api")],
        [
            "the Dockerfile facts",
            dockerfileFactsScript([{ name: "api", builder: "unknown" }], {
                dokkuRoot: "/home/dokku",
                daemonJson: DEFAULT_HOST_PATHS.daemonJson,
            }),
        ],
    );
    for (const [name, script] of others) {
        it(`${name}: every file reads only what the header or an earlier file set`, () => {
            const { problems, order } = checkJoin(script, files);
            expect(order, name).not.to.deep.equal([]);
            expect(problems, name).to.deep.equal([]);
        });
    }

    it("the check finds a file joined before what it reads", () => {
        const { problems, order } = checkJoin(
            `${files["app-setup"].embedded}\n${files["dokku-version-gate"].embedded}\n`,
            files,
        );
        expect(order).to.deep.equal(["app-setup", "dokku-version-gate"]);
        expect(problems.join("\n")).to.include("app-setup.sh reads dsc_vn");
    });

    it("the exit codes TypeScript names are the ones the files exit with", () => {
        expect(files["app-write"].full).to.include(`exit ${DEPLOY_BUSY_EXIT}\n`);
        expect(files["app-restart"].full).to.include(`exit ${DEPLOY_BUSY_EXIT}\n`);
        expect(files["storage-gate"].full).to.include(`exit ${K3S_EXIT}\n`);
        expect(files["dokku-version-gate"].full).to.include(`exit ${VERSION_EXIT}\n`);
    });
});
