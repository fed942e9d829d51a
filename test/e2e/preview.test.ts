/**
 * Issue 20, what `pulumi preview --diff` shows (the real engine over a loopback sshd): a
 * change of an app's desired state reads as that app's change (mounts by container path, env by
 * key), with no script text, no hash and no index-shifted list; a drift warning only when the
 * host differs from what the last `up` applied. See docs/preview.md.
 *
 * The engine's output is compared line by line after {@link previewText} removes what differs
 * between runs and machines: the `[urn=…]`, `[id=…]` and `[provider=…]` lines, the test host's
 * temp root (shown as `<root>`) and trailing blanks. The engine prints resources in the order
 * their events arrive (nesting follows arrival, not the parent), so each resource's lines are
 * looked up by its name ({@link resourceBlocks}); the stack outputs come after `--outputs:--`.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PulumiResult, PulumiStack, REPO } from "../../testkit/pulumi-stack";
import { storageEntryName } from "../../host/storage-entries";
import { printedLines, sampleMismatch, samplesIn } from "../../testkit/doc-samples";
import {
    E2E_ENV,
    World,
    cachePath,
    endWorld,
    hostConfig,
    hostQuiet,
    makeWorld,
    mountsOf,
    ok,
} from "./world";

/** Lines of a `pulumi preview --diff` without the run-specific noise (see the file's comment). */
export function previewText(out: string, root: string): string[] {
    return out
        .split("\n")
        .filter((l) => !/^\s*\[(urn|id|provider)=.*\]$/.test(l))
        .map((l) => l.split(root).join("<root>").replace(/\s+$/, ""));
}

/** Per resource name (the URN's last part): its header and property lines, indentation relative to the header. */
export function resourceBlocks(out: string, root: string): Map<string, string[]> {
    const raw = out.split("\n");
    const blocks = new Map<string, string[]>();
    const header = /^(\s*)([-+~] )?\S+:\S+:\S+: \([a-z-]+\)$/;
    const end = raw.findIndex((l) => l.trim() === "--outputs:--" || l.startsWith("Resources:"));
    for (let i = 0; i < (end < 0 ? raw.length : end); i++) {
        const m = header.exec(raw[i]);
        if (!m) continue;
        const urn = raw.slice(i + 1, i + 4).find((l) => /^\s*\[urn=/.test(l));
        if (!urn) continue;
        const name = urn.trim().slice(0, -1).split("::").pop()!;
        const lines = [raw[i]];
        for (let j = i + 1; j < raw.length && j !== end && !header.test(raw[j]); j++) {
            lines.push(raw[j]);
        }
        const indent = m[1].length;
        blocks.set(
            name,
            previewText(lines.join("\n"), root).map((l) => l.slice(indent)),
        );
    }
    return blocks;
}

/** The stack outputs part of a preview (after `--outputs:--`, before `Resources:`). */
export function outputLines(out: string, root: string): string[] {
    const lines = previewText(out, root);
    const from = lines.findIndex((l) => l.trim() === "--outputs:--");
    const to = lines.findIndex((l) => l.startsWith("Resources:"));
    return from < 0 ? [] : lines.slice(from + 1, to < 0 ? undefined : to);
}

/** The lines from `first` (exact) through the `}` closing it (at its key's column). */
export function section(lines: string[], first: string): string[] {
    const i = lines.indexOf(first);
    expect(i, `no line ${JSON.stringify(first)} in:\n${lines.join("\n")}`).to.be.at.least(0);
    if (!first.endsWith("{")) return [first];
    const key = /^\s*([-+~] )?/.exec(first)![0].length;
    const j = lines.findIndex((l, k) => k > i && l === " ".repeat(key) + "}");
    expect(j, `no } closing ${JSON.stringify(first)}`).to.be.greaterThan(i);
    return lines.slice(i, j + 1);
}

/** Non-`same` resource headers, as `op name`, sorted. */
function ops(blocks: Map<string, string[]>): string[] {
    return [...blocks]
        .map(([n, b]) => [n, /\(([a-z-]+)\)$/.exec(b[0])![1]] as const)
        .filter(([, op]) => op !== "same")
        .map(([n, op]) => `${op} ${n}`)
        .sort();
}

/** What must never be in a preview: the scripts' text, generation hashes, index-shifted lists in the outputs. */
function expectNoScript(r: PulumiResult, root: string): void {
    const all = r.stdout + r.stderr;
    for (const s of ["dsc_gen", "set -euf", 'case "${1', "remove)", "generation", "WANT="]) {
        expect(all, `preview shows ${JSON.stringify(s)}:\n${r.stdout}`).not.to.contain(s);
    }
    const lists = outputLines(r.stdout, root).filter((l) => /^\s*[-+~]?\s*\[\d+\]:/.test(l));
    expect(lists, "list elements in the outputs").to.deep.equal([]);
}

/**
 * docs/preview.md's samples of scenario `name` (`<!-- sample: NAME -->`) are what this run printed
 * (testkit/doc-samples.ts: the parts between cuts, in order), with the temp root removed from the
 * paths. With DSC_PREVIEW_OUT=<dir>, the preview is also written to <dir>/<name>.txt as the
 * engine printed it (only the temp root shown as `<root>`): where the samples come from.
 */
function keep(name: string, r: PulumiResult, root: string): void {
    const printed = printedLines(`${r.stdout}\n${r.stderr}`, root);
    for (const sample of samplesIn(path.join(REPO, "docs/preview.md"), name)) {
        expect(sampleMismatch(sample, printed), `docs/preview.md, sample ${name}`).to.equal(
            undefined,
        );
    }
    const dir = process.env.DSC_PREVIEW_OUT;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
        path.join(dir, `${name}.txt`),
        (r.stdout + (r.stderr ? `\n${r.stderr}` : "")).split(root).join("<root>"),
    );
}

/** The warnings in a preview's output (the engine's `warning:` lines). */
function warnings(r: PulumiResult): string[] {
    return (r.stdout + r.stderr)
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.startsWith("warning:"));
}

/**
 * Pulumi.prod.yaml's caches and apps, checked against the file: declared apps with their own
 * caches, so that one cache or app can change. (The README's walkthrough stack, the template's
 * `discover` of every app with every cache, is previewed as written by test/e2e/readme.test.ts,
 * which checks the README's step 3 sample against it.)
 */
const PROD = {
    caches: { pip: true, uv: true, npm: true, "ms-playwright": true, rust: true },
    apps: [
        { name: "api", caches: ["pip", "uv"], builder: "dockerfile" },
        { name: "scraper", caches: ["pip", "ms-playwright"], builder: "dockerfile" },
        { name: "web", caches: ["npm"], builder: "herokuish" },
        { name: "search-indexer", caches: ["rust"], builder: "dockerfile" },
    ],
    afterChange: "restart",
    maxParallelRestarts: 2,
    detectDrift: true,
    buildCache: {
        schedule: "daily",
        olderThan: "168h",
        maxSize: "20GB",
        pruneNow: "2026-11-25",
        gc: {
            unusedFor: "720h",
            reservedSpace: "10GB",
            maxUsedSpace: "40GB",
            minFreeSpace: "20GB",
        },
    },
};

describe("e2e preview --diff reads as a plan (issue 20)", function () {
    this.timeout(900000);

    it("the stack's apps as Pulumi.prod.yaml has them", () => {
        const prod = fs.readFileSync(path.join(REPO, "Pulumi.prod.yaml"), "utf8");
        for (const a of PROD.apps) {
            expect(prod).to.contain(
                `- name: ${a.name}\n      caches: [${a.caches.join(", ")}]\n      builder: ${a.builder}`,
            );
        }
        for (const c of Object.keys(PROD.caches)) expect(prod).to.contain(`    ${c}: true`);
    });

    describe("on one host", () => {
        let w: World;
        let root: string;
        before(async () => {
            w = await makeWorld("0.38");
            root = w.host.root;
            for (const a of ["api", "scraper", "web", "search-indexer"]) w.host.createApp(a, true);
        });
        after(() => endWorld(w));

        it("1. Pulumi.prod.yaml's stack, first preview: each app's command shows [secret] for its scripts; the outputs list each app's mounts by container path", async () => {
            w.stack.setConfig(hostConfig(w.host, PROD));
            const r = ok(await w.stack.preview("--diff"));
            keep("1-prod", r, root);
            expectNoScript(r, root);
            const blocks = resourceBlocks(r.stdout, root);
            expect(blocks.get("dokku-app-api-converge")).to.deep.equal([
                "+ command:remote:Command: (create)",
                "    addPreviousOutputInEnv: false",
                "    connection            : [secret]",
                '    create                : "sh -s converge"',
                '    delete                : "sh -s remove"',
                "    stdin                 : [secret]",
                '    update                : "sh -s converge"',
            ]);
            const out = outputLines(r.stdout, root);
            expect(
                section(out, "        api           : {").filter((l) => !/buildNote/.test(l)),
            ).to.deep.equal([
                "        api           : {",
                "            buildOptions   : {}",
                '            builder        : "dockerfile"',
                "            cachesHelpBuild: false",
                "            discovered     : false",
                "            dockerfileLines: {",
                '                pip: "RUN --mount=type=cache,id=dsc-pip,target=/root/.cache/pip,sharing=locked PIP_CACHE_DIR=/root/.cache/pip pip install -r requirements.txt"',
                '                uv : "RUN --mount=type=cache,id=dsc-uv,target=/root/.cache/uv,sharing=locked UV_CACHE_DIR=/root/.cache/uv uv sync --frozen"',
                "            }",
                "            env            : {",
                '                PIP_CACHE_DIR: "/root/.cache/pip"',
                '                UV_CACHE_DIR : "/root/.cache/uv"',
                "            }",
                "            mounts         : {",
                '                /root/.cache/pip: "<root>/var/lib/dokku/data/shared/pip"',
                '                /root/.cache/uv : "<root>/var/lib/dokku/data/shared/uv"',
                "            }",
                "        }",
            ]);
            expect(warnings(r)).to.deep.equal([]);
            ok(await w.stack.up());
        });

        it("2. a cache added to one app: one update, of that app's command ([secret] scripts); its outputs gain + mount and + env by name; no drift warning", async () => {
            const apps = PROD.apps.map((a) =>
                a.name === "api" ? { ...a, caches: ["npm", "pip", "uv"] } : a,
            );
            w.stack.setConfig(hostConfig(w.host, { ...PROD, apps }));
            const r = ok(await w.stack.preview("--diff"));
            keep("2-cache-added", r, root);
            expectNoScript(r, root);
            const blocks = resourceBlocks(r.stdout, root);
            expect(ops(blocks)).to.deep.equal(["update dokku-app-api-converge"]);
            expect(blocks.get("dokku-app-api-converge")).to.deep.equal([
                "~ command:remote:Command: (update)",
                "  ~ stdin: [secret] => [secret]",
            ]);
            const out = outputLines(r.stdout, root);
            const api = section(out, "      ~ api           : {");
            expect(section(api, "          ~ env            : {")).to.deep.equal([
                "          ~ env            : {",
                '              + NPM_CONFIG_CACHE: "/root/.cache/npm"',
                '                PIP_CACHE_DIR   : "/root/.cache/pip"',
                '                UV_CACHE_DIR    : "/root/.cache/uv"',
                "            }",
            ]);
            expect(section(api, "          ~ mounts         : {")).to.deep.equal([
                "          ~ mounts         : {",
                '              + /root/.cache/npm: "<root>/var/lib/dokku/data/shared/npm"',
                '                /root/.cache/pip: "<root>/var/lib/dokku/data/shared/pip"',
                '                /root/.cache/uv : "<root>/var/lib/dokku/data/shared/uv"',
                "            }",
            ]);
            // The other apps did not change: no `~` in their blocks.
            for (const a of ["scraper", "web", "search-indexer"]) {
                const b = out.filter((l) => l.trimStart().startsWith(`~ ${a} `));
                expect(b, a).to.deep.equal([]);
            }
            expect(warnings(r)).to.deep.equal([]);
            expect(out.join("\n")).not.to.contain("drift");
            ok(await w.stack.up());
            expect(mountsOf(w.host, "api")).to.include(
                `${cachePath(w.host, "npm")}:/root/.cache/npm`,
            );
            ok(await w.stack.preview("--expect-no-changes"));
        });

        it("3. an app removed: one delete of its command ([secret] scripts) and its component; its outputs go with - lines by name", async () => {
            const apps = PROD.apps
                .filter((a) => a.name !== "search-indexer")
                .map((a) => (a.name === "api" ? { ...a, caches: ["npm", "pip", "uv"] } : a));
            w.stack.setConfig(hostConfig(w.host, { ...PROD, apps }));
            const r = ok(await w.stack.preview("--diff"));
            keep("3-app-removed", r, root);
            expectNoScript(r, root);
            const blocks = resourceBlocks(r.stdout, root);
            expect(ops(blocks)).to.deep.equal([
                "delete dokku-app-search-indexer",
                "delete dokku-app-search-indexer-converge",
            ]);
            expect(blocks.get("dokku-app-search-indexer-converge")).to.deep.equal([
                "- command:remote:Command: (delete)",
                "    addPreviousOutputInEnv: false",
                "    connection            : [secret]",
                '    create                : "sh -s converge"',
                '    delete                : "sh -s remove"',
                "    stdin                 : [secret]",
                '    update                : "sh -s converge"',
            ]);
            const out = outputLines(r.stdout, root);
            const gone = section(out, "      - search-indexer: {");
            expect(gone.filter((l) => !/buildNote/.test(l))).to.deep.equal([
                "      - search-indexer: {",
                "          - buildOptions   : {}",
                '          - builder        : "dockerfile"',
                "          - cachesHelpBuild: false",
                "          - discovered     : false",
                "          - dockerfileLines: {",
                '              - rust: "RUN --mount=type=cache,id=dsc-rust,target=/root/.cargo,sharing=locked CARGO_HOME=/root/.cargo cargo build --release"',
                "            }",
                "          - env            : {",
                '              - CARGO_HOME: "/root/.cargo"',
                "            }",
                "          - mounts         : {",
                '              - /root/.cargo: "<root>/var/lib/dokku/data/shared/rust"',
                "            }",
                "        }",
            ]);
            expect(warnings(r)).to.deep.equal([]);
            ok(await w.stack.up());
        });

        it("4. a real drift: one warning naming the app and what the host lost, a `drift` output, one update", async () => {
            const h = w.host;
            const npm = storageEntryName("npm", cachePath(h, "npm"));
            h.dokku("storage:unmount", "web", npm, "--container-dir", "/root/.cache/npm");
            const r = ok(await w.stack.preview("--diff"));
            keep("4-drift", r, root);
            expectNoScript(r, root);
            expect(warnings(r)).to.deep.equal([
                "warning: app web drifted on the host (mount /root/.cache/npm missing); this run converges it again",
            ]);
            const blocks = resourceBlocks(r.stdout, root);
            expect(ops(blocks)).to.deep.equal(["update dokku-app-web-converge"]);
            expect(blocks.get("dokku-app-web-converge")).to.deep.equal([
                "~ command:remote:Command: (update)",
                '  ~ create: "sh -s converge" => "sh -s converge 1"',
                '  ~ update: "sh -s converge" => "sh -s converge 1"',
            ]);
            const out = outputLines(r.stdout, root);
            expect(section(out, "  ~ drift     : {")).to.deep.equal([
                "  ~ drift     : {",
                '      + web: "mount /root/.cache/npm missing"',
                "    }",
            ]);
            ok(await w.stack.up());
            ok(await w.stack.preview("--expect-no-changes"));
        });
    });

    describe("upgrade from main's release before issue 20", () => {
        /** The commit the tests call the previous release: main before this change. */
        const PREVIOUS = "c609caa046dde1f14223e56da7a9b55b0d4b0ab7";
        let w: World;
        let old: string;
        before(async function () {
            try {
                execFileSync("git", ["-C", REPO, "cat-file", "-e", `${PREVIOUS}^{commit}`]);
            } catch {
                this.skip(); // a source tree without git history (not a checkout)
            }
            old = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-prev-"));
            execFileSync("sh", [
                "-c",
                `git -C "$1" archive "$2" | tar -x -C "$3"`,
                "sh",
                REPO,
                PREVIOUS,
                old,
            ]);
            fs.symlinkSync(path.join(REPO, "node_modules"), path.join(old, "node_modules"));
            w = await makeWorld("0.38");
            for (const a of ["api", "web"]) w.host.createApp(a, true);
            w.stack.cleanup();
            w.stack = await PulumiStack.create({ stack: "e2e", env: E2E_ENV, program: old });
            await w.stack.setSecret("privateKey", w.host.clientKey);
        });
        after(async () => {
            await endWorld(w);
            if (old) fs.rmSync(old, { recursive: true, force: true });
        });

        it("a stack converged by the previous release previews and ups with this one: updates only, but for the first aid's two creates (no replace or delete), no dokku write, then a no-op", async () => {
            const config = {
                caches: { pip: true, npm: true },
                apps: ["api", "web"],
                buildCache: false,
            };
            w.stack.setConfig(hostConfig(w.host, config));
            ok(await w.stack.up());
            const before = { api: mountsOf(w.host, "api"), web: mountsOf(w.host, "web") };
            expect(before.api).to.have.length(2);
            // This program, same stack, same state.
            const yaml = path.join(w.stack.dir, "Pulumi.yaml");
            fs.writeFileSync(
                yaml,
                fs
                    .readFileSync(yaml, "utf8")
                    .replace(
                        /^main: .*$/m,
                        `main: ${JSON.stringify(path.relative(w.stack.dir, REPO))}`,
                    ),
            );
            const r = ok(await w.stack.preview("--diff"));
            keep("5-upgrade", r, w.host.root);
            // Once: the old plain script (truncated by the engine) becomes [secret]; nothing else
            // of any command changes (no command text, so the same converge runs: an update).
            const blocks = resourceBlocks(r.stdout, w.host.root);
            // The first aid (issue 19) is new in this release: its component and command are
            // created (its run, with every file system above disk.minFree, only records its
            // generation); everything else is an update.
            const created = ops(blocks).filter((op) => op.startsWith("create "));
            expect(created).to.deep.equal(["create dokku-first-aid", "create dokku-first-aid-run"]);
            for (const op of ops(blocks).filter((o) => !created.includes(o))) {
                expect(op, op).to.match(/^update /);
            }
            for (const [name, b] of blocks) {
                if (!b[0].endsWith("(update)")) continue;
                expect(b.length, name).to.equal(2);
                expect(b[1], name).to.match(
                    /^ {2}~ stdin: "# dokku-shared-cache: .*\.\.\." => \[secret\]$/,
                );
            }
            expect(warnings(r).filter((l) => l.includes("drift"))).to.deep.equal([]);
            await hostQuiet(w.host);
            w.host.clearLog();
            ok(await w.stack.up());
            expect(w.host.writes(), "no dokku write, nothing undone").to.deep.equal([]);
            expect({ api: mountsOf(w.host, "api"), web: mountsOf(w.host, "web") }).to.deep.equal(
                before,
            );
            ok(await w.stack.preview("--expect-no-changes"));
        });
    });
});
