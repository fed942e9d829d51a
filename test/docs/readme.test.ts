/**
 * README.md and docs/ stay true: the configuration reference (docs/configuration.md) names exactly
 * the stack keys validation accepts (walked from config/schema.ts, and each walked key checked
 * against validateFleet), every `npm run X` they mention is a script, every repo file they name
 * and every link they make exists, every README command block is a numbered step (which
 * test/e2e/readme.test.ts and test/dokku/readme.test.ts run) or read by a test, how-it-works.md names every file of host/, the all-tests command
 * (docs/testing.md) is what .ci/run runs and reaches every test file, the Dockerfile and sudoers
 * lines they quote are the ones the code renders, and the benchmark numbers (benchmarks.md,
 * fleet.md, full-disk.md, benchmarks-peer.md) are bench/'s files'.
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { z } from "zod";
import {
    DEFAULT_CACHE_BOUNDS,
    DEFAULT_CACHES,
    HOST_ENTRY_KEYS,
    HOSTS_KEY,
    KEY_SCHEMAS,
    STACK_KEYS,
    appSchema,
    cacheSchema,
    stackKey,
    validateFleet,
} from "../../config";
import { sudoersLine } from "../../host/sudo";
import { dockerfileCacheLines } from "../../rules/dockerfile";
import { sampleMismatch, taggedSamples } from "../../testkit/doc-samples";
import { DOCS, README, readmeSteps } from "../../testkit/readme";
import { HOST_KEY } from "../fixtures/settings";

const REPO = path.dirname(README);
const readme = fs.readFileSync(README, "utf8");
const read = (f: string) => fs.readFileSync(path.join(REPO, f), "utf8");
/** docs/NAME.md's text. */
const doc = (name: string) => read(`docs/${name}`);
/** README.md and every page of docs/, by their path in the repo. */
const pages: Record<string, string> = {
    "README.md": readme,
    ...Object.fromEntries(
        fs
            .readdirSync(DOCS)
            .filter((f) => f.endsWith(".md"))
            .map((f) => [`docs/${f}`, doc(f)]),
    ),
};

/** The text under the heading line `heading` up to the next heading of the same or a higher level. */
function section(heading: string, text = readme): string {
    const level = /^#+/.exec(heading)![0].length;
    const start = text.indexOf(`\n${heading}\n`);
    if (start < 0) throw new Error(`README.md has no '${heading}' section`);
    const rest = text.slice(start + heading.length + 2);
    const end = rest.search(new RegExp(`^#{1,${level}} `, "m"));
    return end < 0 ? rest : rest.slice(0, end);
}

// ---- the stack keys validation accepts ----------------------------------------

/**
 * The schemas config/validate.ts parses each entry of a map or list with (the maps and lists in
 * KEY_SCHEMAS only check their own shape): `caches.<name>` and `apps[]`.
 */
const ENTRY_SCHEMAS: Record<string, z.ZodType> = {
    "caches.<name>": cacheSchema("a-custom-cache"),
    "apps[]": appSchema,
};

type Def = {
    type: string;
    shape?: Record<string, z.ZodType>;
    innerType?: z.ZodType;
    in?: z.ZodType;
    out?: z.ZodType;
    element?: z.ZodType;
    valueType?: z.ZodType;
    options?: z.ZodType[];
};

/** The schema an entry at `p` (`caches.<name>`, `hosts[].apps[]`) is parsed with. */
const entrySchema = (p: string, s: z.ZodType) =>
    ENTRY_SCHEMAS[p.replace(new RegExp(`^${HOSTS_KEY}\\[\\]\\.`), "")] ?? s;

/** Adds to `keys` every object key path under `at` (`a.b`, `apps[].name`, `caches.<name>.dir`). */
function walk(schema: z.ZodType | undefined, at: string, keys: Set<string>): void {
    if (!schema) return;
    const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
    switch (def.type) {
        case "object":
            for (const [k, v] of Object.entries(def.shape!)) {
                keys.add(`${at}.${k}`);
                walk(v, `${at}.${k}`, keys);
            }
            break;
        case "optional":
        case "nullable":
        case "default":
        case "prefault":
        case "readonly":
        case "catch":
        case "nonoptional":
            walk(def.innerType, at, keys);
            break;
        case "pipe":
            walk(def.in, at, keys);
            walk(def.out, at, keys);
            break;
        case "array":
            walk(entrySchema(`${at}[]`, def.element!), `${at}[]`, keys);
            break;
        case "record":
            walk(entrySchema(`${at}.<name>`, def.valueType!), `${at}.<name>`, keys);
            break;
        case "union":
            for (const o of def.options!) walk(o, at, keys);
            break;
    }
}

/** Every stack key path validation accepts, the `hosts[]` entries' included. */
function acceptedKeys(): Set<string> {
    const keys = new Set<string>();
    const schemas = KEY_SCHEMAS as Record<string, z.ZodType>;
    const add = (p: string, k: string) => {
        keys.add(p + k);
        walk(schemas[k], p + k, keys);
    };
    for (const k of STACK_KEYS) add("", k);
    for (const k of HOST_ENTRY_KEYS) add(`${HOSTS_KEY}[].`, k);
    return keys;
}

// ---- the keys the README documents --------------------------------------------

/** `hosts[].<key>` in the reference: every top-level key but `hosts` is also a host's own. */
const HOST_ANY_KEY = `${HOSTS_KEY}[].<key>`;

/**
 * The key paths in the first column of the configuration reference's `| key |` table(s). A cell
 * may name several keys: `a.b.c` / `d` / `e` means a.b.c, a.b.d and a.b.e.
 */
function documentedKeys(): Set<string> {
    const keys = new Set<string>();
    const text = section("## Configuration reference", doc("configuration.md"));
    let inKeyTable = false;
    for (const line of text.split("\n")) {
        if (!line.startsWith("|")) {
            inKeyTable = false;
            continue;
        }
        const first = line.split("|")[1].trim();
        if (first === "key") inKeyTable = true;
        if (!inKeyTable || /^-+$/.test(first) || first === "key") continue;
        const names = [...first.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
        expect(names, `a key cell without a key: ${line}`).to.have.length.greaterThan(0);
        const parent = names[0].replace(/(^|\.)[^.]+$/, "$1");
        for (const [i, n] of names.entries()) keys.add(i === 0 || /[.[]/.test(n) ? n : parent + n);
    }
    if (keys.has(HOST_ANY_KEY)) {
        keys.delete(HOST_ANY_KEY);
        for (const k of [...keys].filter((k) => !/^hosts\b/.test(k)))
            keys.add(`${HOSTS_KEY}[].${k}`);
    }
    return keys;
}

// ---- validation itself, key by key ------------------------------------------

/** `hosts[].apps[].name` → `["hosts", 0, "apps", 0, "name"]` (a map's `<name>` is `c1`). */
function keyPath(key: string): PropertyKey[] {
    return key
        .split(".")
        .flatMap((s) => (s.endsWith("[]") ? [s.slice(0, -2), 0] : [s === "<name>" ? "c1" : s]));
}

/** A stack whose only settings are what `at` needs to exist, with `value` at `at`. */
function stackWith(at: PropertyKey[], value: unknown): Record<string, unknown> {
    const connection = { host: "h", hostKey: HOST_KEY };
    const privateKey =
        "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n";
    const raw: Record<string, unknown> =
        at[0] === HOSTS_KEY
            ? { privateKey, [HOSTS_KEY]: [{ name: "h1", connection }] }
            : { privateKey, connection };
    let node = raw as Record<PropertyKey, unknown>;
    at.forEach((s, i) => {
        if (i === at.length - 1) node[s] = value;
        else {
            if (typeof node[s] !== "object" || node[s] === null) {
                node[s] = typeof at[i + 1] === "number" ? [{}] : {};
            }
            node = node[s] as Record<PropertyKey, unknown>;
        }
    });
    return raw;
}

/** The reasons validateFleet gives per stack key (`dokku-shared-cache:apps[0].name` → reasons). */
function reasons(raw: Record<string, unknown>): Map<string, string[]> {
    const out = new Map<string, string[]>();
    try {
        validateFleet(raw);
    } catch (e) {
        expect(pulumi.InputPropertiesError.isInstance(e), String(e)).to.equal(true);
        for (const p of (e as pulumi.InputPropertiesError).errors) {
            out.set(p.propertyPath, [...(out.get(p.propertyPath) ?? []), p.reason]);
        }
    }
    return out;
}

describe("docs/configuration.md: the configuration reference", () => {
    const accepted = acceptedKeys();

    it("documents every stack key the schema accepts, and no key it does not", () => {
        const documented = documentedKeys();
        const missing = [...accepted].filter(
            (k) =>
                !documented.has(k) &&
                ![...documented].some((d) => d.startsWith(k + ".") || d.startsWith(k + "[]")),
        );
        const unknown = [...documented].filter((k) => !accepted.has(k));
        expect(
            { missing, unknown },
            "missing: accepted by config/schema.ts, not in the reference; unknown: the reverse",
        ).to.deep.equal({ missing: [], unknown: [] });
    });

    it("the schema walk is what validation does: each key is taken, an unknown sibling refused", () => {
        expect(accepted.size, "the walk found nested keys").to.be.greaterThan(
            3 * STACK_KEYS.length,
        );
        const parents = new Set<string>();
        for (const key of accepted) {
            const at = keyPath(key);
            const leaf = String(at[at.length - 1]);
            const refused = [...reasons(stackWith(at, "?")).values()]
                .flat()
                .filter((r) => r.startsWith(`unknown setting "${leaf}"`));
            expect(refused, `${key} is refused as unknown`).to.deep.equal([]);
            parents.add(JSON.stringify(at.slice(0, -1)));
        }
        for (const parent of parents) {
            const at = [...(JSON.parse(parent) as PropertyKey[]), "notAKey"];
            const got = reasons(stackWith(at, "?")).get(stackKey(at)) ?? [];
            expect(got, `${stackKey(at)} is refused`).to.satisfy((rs: string[]) =>
                rs.some((r) => r.startsWith('unknown setting "notAKey"')),
            );
        }
    });
});

// ---- commands and files -------------------------------------------------------

const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };

/** The npm scripts a command line runs: `npm run [-s] X`, `npm test`. */
function npmScripts(text: string): string[] {
    return [
        ...[...text.matchAll(/\bnpm run (?:-s )?([\w:.-]+)/g)].map((m) => m[1]),
        ...[...text.matchAll(/\bnpm (?:-s )?test\b/g)].map(() => "test"),
    ];
}

/** The files git tracks here. */
const tracked = execFileSync("git", ["ls-files"], { cwd: REPO, encoding: "utf8" })
    .split("\n")
    .filter(Boolean);

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to `-`. */
const slug = (h: string) =>
    h
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");

describe("the built-in caches (config/defaults.ts) as README.md and docs/configuration.md list them", () => {
    const names = Object.keys(DEFAULT_CACHES);

    it("docs/configuration.md's table of default caches: each one's dir, container path and env", () => {
        const text = doc("configuration.md");
        const table = /\nDefault caches[^\n]*\n\n((?:\|.*\n)+)/.exec(text)?.[1];
        expect(table, "the table under 'Default caches'").to.be.a("string");
        const rows = table!
            .trim()
            .split("\n")
            .slice(2)
            .map((r) => r.split("|").map((c) => c.trim()));
        const envOf = (env: Readonly<Record<string, string>>) =>
            Object.entries(env)
                .map(([k, v]) => (v.startsWith("/") ? `\`${k}\`` : `\`${k}=${v}\``))
                .join(", ");
        expect(rows.map((r) => r.slice(1, 5))).to.deep.equal(
            names.map((n) => {
                const c = DEFAULT_CACHES[n];
                return [n, `\`${c.dir}\``, `\`${c.containerPath}\``, envOf(c.env)];
            }),
        );
    });

    it("docs/configuration.md names each one's default maxSize", () => {
        const row = doc("configuration.md")
            .split("\n")
            .find((l) => l.startsWith("| `caches.<name>.maxSize`"));
        expect(row, "the caches.<name>.maxSize row").to.be.a("string");
        const listed = names.map((n) => `${n} ${DEFAULT_CACHE_BOUNDS[n].maxSize}`).join(", ");
        expect(row).to.contain(listed);
    });

    it("README.md lists them where it says what it changes on the host", () => {
        expect(readme.replace(/\s+/g, " ")).to.contain(
            `(${names.map((n) => `\`${n}\``).join(", ")})`,
        );
    });
});

describe("README and docs/: commands, files and links", () => {
    it("every `npm run X` and `npm test` they mention is a script in package.json", () => {
        const named = [...new Set(Object.values(pages).flatMap(npmScripts))];
        expect(named).to.include.members([
            "test",
            "test:all",
            "preview:example",
            "pulumi",
            "verify",
        ]);
        expect(named.filter((n) => !(n in pkg.scripts))).to.deep.equal([]);
    });

    it("every repo file they name exists (paths under this repo's folders, and bare .ts/.sh names)", () => {
        const top = new Set(tracked.map((f) => f.split("/")[0]));
        const basenames = new Set(tracked.map((f) => path.basename(f)));
        const missing: string[] = [];
        const token = /(?<![\w/.~<>$-])([A-Za-z0-9_.][\w.-]*(?:\/[\w.@-]+)*\/?)(?![\w<>])/g;
        for (const [page, text] of Object.entries(pages)) {
            for (const [, t] of text.matchAll(token)) {
                if (t.includes("/")) {
                    // A path of this repo: its first folder is one of ours (upstream sources quoted
                    // by version, e.g. `lib/fetcher.js` of npm/pacote, are .js/.go/.rs: not checked).
                    const ours =
                        top.has(t.split("/")[0]) &&
                        /(\.(ts|sh|md|ya?ml|json)|\/|^\.ci\/run)$/.test(t);
                    if (ours && !fs.existsSync(path.join(REPO, t))) missing.push(`${page}: ${t}`);
                } else if (/^[\w-][\w.-]*\.(ts|sh)$/.test(t) && !basenames.has(t)) {
                    missing.push(`${page}: ${t}`);
                }
            }
        }
        expect([...new Set(missing)]).to.deep.equal([]);
    });

    it("every relative link they make reaches a file, and its #anchor a heading there", () => {
        const broken: string[] = [];
        for (const [page, text] of Object.entries(pages)) {
            for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                if (/^[a-z]+:/.test(target)) continue; // https://…
                const [file, anchor] = target.split("#");
                const to = file ? path.join(path.dirname(page), file) : page;
                if (!fs.existsSync(path.join(REPO, to))) {
                    broken.push(`${page}: ${target}`);
                    continue;
                }
                if (anchor === undefined) continue;
                const headings = [...read(to).matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]));
                if (!headings.includes(anchor)) broken.push(`${page}: ${target} (no such heading)`);
            }
        }
        expect(broken).to.deep.equal([]);
    });

    it("docs/README.md, the index, links every page of docs/, and the README links the index", () => {
        const index = doc("README.md");
        const linked = new Set([...index.matchAll(/\]\(([\w-]+\.md)\)/g)].map((m) => m[1]));
        const all = Object.keys(pages)
            .filter((p) => p.startsWith("docs/") && p !== "docs/README.md")
            .map((p) => path.basename(p));
        expect(all.filter((f) => !linked.has(f))).to.deep.equal([]);
        expect(readme).to.include("](docs/README.md)");
    });

    it("every README command block is a numbered step (the readme tests run them) or read by a test", () => {
        const steps = readmeSteps(readme);
        expect(steps.map((s) => s.n)).to.deep.equal(steps.map((_, i) => i + 1));
        expect(steps.length).to.be.greaterThan(5);
        for (const t of ["test/e2e/readme.test.ts", "test/dokku/readme.test.ts"]) {
            expect(readme).to.include(`\`${t}\``);
            expect(read(t)).to.include("ReadmeWalk");
        }
        // Any other block sits under a heading that a test file names (it reads that block).
        const tests = tracked.filter((f) => /^test\/.*\.test\.ts$/.test(f)).map(read);
        const untested: string[] = [];
        const stepBlocks = new Set<string>();
        for (const m of readme.matchAll(/```sh\n/g)) {
            const heading = [...readme.slice(0, m.index).matchAll(/^#+ .+$/gm)].pop()?.[0] ?? "";
            // A step's first block is run; a second one would not be.
            if (/^### \d+\. /.test(heading)) {
                if (stepBlocks.has(heading)) untested.push(`${heading} (a second block)`);
                stepBlocks.add(heading);
                continue;
            }
            if (!tests.some((t) => t.includes(heading))) untested.push(heading);
        }
        expect(untested, "sections with a command block no test reads").to.deep.equal([]);
    });

    it("every page of docs/ opens with its commands, then an example of their output", () => {
        const bad = Object.entries(pages)
            .filter(([p]) => p.startsWith("docs/"))
            .filter(([, text]) => {
                const head = text.split("\n## ")[0]; // up to the first section
                // Its first fenced block is sh (a line of prose may lead to it), then another.
                const fences = [...head.matchAll(/^```(\w*)$/gm)].map((m) => m[1]);
                return !(head.startsWith("# ") && fences[0] === "sh" && fences.length >= 4);
            })
            .map(([p]) => p);
        expect(
            bad,
            "pages without commands, then output, before their first section",
        ).to.deep.equal([]);
    });

    for (const [folder, lead] of [
        ["host", "What runs on your host"],
        ["rules", "What is decided without the shell"],
    ]) {
        it(`how-it-works.md's table under '${lead}' names every file of ${folder}/, and no other`, () => {
            const text = doc("how-it-works.md");
            const table = new RegExp(`- \\*\\*${lead}\\*\\*[\\s\\S]*?\\n\\n((?: +\\|.*\\n)+)`).exec(
                text,
            )?.[1];
            expect(table, `the table under '${lead}'`).to.be.a("string");
            const named = [...table!.matchAll(/^ +\| (.*?) \|/gm)]
                .flatMap((m) => [...m[1].matchAll(/`([\w-]+\.ts)`/g)].map((n) => n[1]))
                .sort();
            const files = tracked
                .filter((f) => new RegExp(`^${folder}/[^/]+\\.ts$`).test(f))
                .map((f) => path.basename(f))
                .sort();
            expect(named).to.deep.equal(files);
        });
    }

    it("how-it-works.md's tree names every folder of product code", () => {
        const tree = section("## The tree", doc("how-it-works.md"));
        const named = [...tree.matchAll(/^\| `([\w.-]+)\/?` \|/gm)].map((m) => m[1]);
        const folders = [
            ...new Set(tracked.filter((f) => f.endsWith(".ts")).map((f) => f.split("/")[0])),
        ]
            .map((f) => f.replace(/\/$/, ""))
            .filter((f) => !named.includes(f));
        expect(
            folders,
            "folders or top-level files with TypeScript the tree does not name",
        ).to.deep.equal([]);
    });

    it("how-it-works.md says where the host's script files live and how they are embedded and checked", () => {
        const text = doc("how-it-works.md");
        for (const p of [
            "host/sh/*.sh",
            "host/jq/*.jq",
            "host/generated/scripts.ts",
            "scripts/embed-host-scripts.ts",
            "test/host/script-contracts.test.ts",
        ]) {
            expect(text, p).to.include(`\`${p}\``);
        }
        for (const f of [
            "scripts/embed-host-scripts.ts",
            "scripts/lint-shell.sh",
            "host/generated/scripts.ts",
        ]) {
            expect(tracked, f).to.include(f);
        }
    });
});

// ---- lines the code renders ----------------------------------------------------

describe("README and docs/: the lines they quote are the ones the code renders", () => {
    it("each Dockerfile line (`RUN --mount=type=cache,id=dsc-…`) is rules/dockerfile.ts's for that built-in cache", () => {
        const rendered = new Map(
            Object.entries(DEFAULT_CACHES).map(([name, c]) => [
                name,
                dockerfileCacheLines(
                    [{ cache: name, containerPath: c.containerPath }],
                    new Map([[name, c]]),
                )[0].line,
            ]),
        );
        const quoted = Object.entries(pages).flatMap(([page, text]) =>
            [...text.matchAll(/RUN --mount=type=cache,id=dsc-([\w.-]+)[^"`\n]*/g)]
                .filter((m) => !m[0].includes("…"))
                .map((m) => ({ page, cache: m[1], line: m[0] })),
        );
        expect(
            quoted.filter((q) => q.page === "README.md").map((q) => q.cache),
            "README.md shows one, for pip",
        ).to.deep.equal(["pip"]);
        expect(readme).to.include("```dockerfile\n" + rendered.get("pip") + "\n```");
        for (const q of quoted) {
            expect(q.line, `${q.page}: the ${q.cache} line`).to.equal(rendered.get(q.cache));
        }
    });

    it("each sudoers line is host/sudo.ts's sudoersLine for its user, and the README shows one", () => {
        const quoted = Object.entries(pages).flatMap(([page, text]) =>
            [...text.matchAll(/([\w.-]+) ALL=\(root\) NOPASSWD: [^\n`]*?\/bin\/sh -s remove/g)].map(
                (m) => ({ page, user: m[1], line: m[0] }),
            ),
        );
        expect(quoted.filter((q) => q.page === "README.md")).to.have.length(1);
        expect(quoted.filter((q) => q.page === "docs/sudo.md").length).to.be.greaterThan(1);
        for (const q of quoted) expect(q.line, q.page).to.equal(sudoersLine(q.user));
    });
});

// ---- output samples the e2e tests check -------------------------------------------

describe("README and docs/: output samples that a run checks (testkit/doc-samples.ts)", () => {
    it("the README's step 3 preview and docs/preview.md's examples are tagged for the e2e tests that compare them", () => {
        const names = (text: string) =>
            Object.fromEntries([...taggedSamples(text)].map(([n, s]) => [n, s.length]));
        // test/e2e/readme.test.ts and test/e2e/preview.test.ts (its keep()) read these names.
        expect(names(readme)).to.deep.equal({ "readme-preview": 1 });
        expect(section("### 3. Preview")).to.include("<!-- sample: readme-preview -->");
        expect(read("test/e2e/readme.test.ts")).to.include('"readme-preview"');
        expect(names(doc("preview.md"))).to.deep.equal({
            "2-cache-added": 2,
            "3-app-removed": 1,
            "4-drift": 1,
        });
        const e2e = read("test/e2e/preview.test.ts");
        for (const n of ["2-cache-added", "3-app-removed", "4-drift"]) {
            expect(e2e).to.include(`keep("${n}", r, root)`);
        }
    });

    it("a sample matches when its parts between cuts are runs of the output, in order", () => {
        const out = ["a", "b", "c", "", "d  ", "e"];
        expect(sampleMismatch(["a", "b", "…", "d", "e"], out)).to.equal(undefined);
        expect(sampleMismatch(["b", "c", "d"], out), "blank lines aside").to.equal(undefined);
        expect(sampleMismatch(["...", "e"], out)).to.equal(undefined);
        expect(sampleMismatch(["a", "c"], out), "a cut not marked").to.be.a("string");
        expect(sampleMismatch(["d", "…", "a"], out), "out of order").to.be.a("string");
        expect(sampleMismatch(["a", "b", "…", "x"], out), "a changed line").to.be.a("string");
    });
});

// ---- the tests ----------------------------------------------------------------

/** The npm scripts `name` runs, itself included, following `npm run X` / `npm test`. */
function reach(name: string, seen = new Set<string>()): Set<string> {
    if (seen.has(name)) return seen;
    seen.add(name);
    for (const n of npmScripts(pkg.scripts[name] ?? "")) reach(n, seen);
    return seen;
}

/** The files a script's mocha run takes, found by mocha's own file collection. */
function mochaFiles(script: string): string[] {
    const m = /\bmocha (.*?)(?:&&|$)/.exec(script);
    if (!m) return [];
    const words = [...m[1].matchAll(/'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2]);
    const spec: string[] = [];
    const ignore: string[] = [];
    for (let i = 0; i < words.length; i++) {
        if (words[i] === "--ignore") ignore.push(path.join(REPO, words[++i]));
        else if (words[i] === "--timeout") i++;
        else if (!words[i].startsWith("-")) spec.push(path.join(REPO, words[i]));
        else throw new Error(`mochaFiles: add mocha's ${words[i]} here (${script})`);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const collect = require("mocha/lib/cli/collect-files") as (o: object) => {
        files: string[];
        unmatchedFiles: unknown[];
    };
    const r = collect({ ignore, extension: ["ts"], file: [], recursive: false, sort: false, spec });
    return r.files.map((f) => path.relative(REPO, f));
}

/** The tests mocha finds per layer script (`test:unit` → 327), by one `mocha --dry-run` over their files. */
function testCounts(layers: string[]): Record<string, number> {
    const files = Object.fromEntries(layers.map((l) => [l, mochaFiles(pkg.scripts[l])]));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-dry-"));
    try {
        const out = path.join(dir, "tests.json");
        execFileSync(
            path.join(REPO, "node_modules/.bin/mocha"),
            [
                "--dry-run",
                "--exit",
                "--reporter",
                "json",
                "--reporter-option",
                `output=${out}`,
            ].concat(...Object.values(files)),
            { cwd: REPO, stdio: "ignore" },
        );
        const run = JSON.parse(fs.readFileSync(out, "utf8")) as { tests: { file: string }[] };
        return Object.fromEntries(
            layers.map((l) => [
                l,
                run.tests.filter((t) => files[l].includes(path.relative(REPO, t.file))).length,
            ]),
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("docs/testing.md: one command runs every test, and it is CI's", () => {
    const quickstart = /```sh\n([\s\S]*?)```/.exec(doc("testing.md"))![1];
    const all = /^npm run (test:all)\s+# every test/m.exec(quickstart)?.[1];

    it("its every-test command reaches every test file in test/", () => {
        expect(all, "a line `npm run test:all   # every test…`").to.equal("test:all");
        const layers = [...reach(all!)];
        const run = new Set(layers.flatMap((s) => mochaFiles(pkg.scripts[s])));
        const tests = tracked.filter((f) => f.startsWith("test/") && f.endsWith(".test.ts"));
        expect(tests.length).to.be.greaterThan(50);
        expect(
            tests.filter((f) => !run.has(f)),
            `not run by npm run ${all}`,
        ).to.deep.equal([]);
        expect(
            Object.keys(pkg.scripts).filter((s) => s.startsWith("test:") && !layers.includes(s)),
            `test scripts npm run ${all} leaves out`,
        ).to.deep.equal([]);
    });

    it("its table of layers gives each layer's number of tests as mocha finds them (--dry-run)", function () {
        this.timeout(180000);
        const rows = [
            ...doc("testing.md").matchAll(/^\| [\w ]+ \| `npm run (test:\w+)` \| (\d+) \|/gm),
        ];
        const layers = [...reach(all!)].filter((s) => mochaFiles(pkg.scripts[s]).length > 0);
        expect(rows.map((r) => r[1]).sort(), "a row per layer").to.deep.equal(layers.sort());
        const table = Object.fromEntries(rows.map((r) => [r[1], Number(r[2])]));
        expect(table).to.deep.equal(testCounts(layers));
    });

    it("names every file of the real-engine layers (test/e2e/, test/dokku/)", () => {
        const text = doc("testing.md");
        const files = tracked.filter((f) => /^test\/(e2e|dokku)\/[\w.-]+\.test\.ts$/.test(f));
        expect(files.length).to.be.greaterThan(20);
        expect(files.filter((f) => !text.includes(`\`${f}\``))).to.deep.equal([]);
    });

    it(".ci/run runs that command, and the page's install and preview", () => {
        const ci = read(".ci/run");
        const lines = ci.split("\n").filter((l) => /^\s*npm /.test(l));
        expect(lines.map((l) => l.trim())).to.include.members([
            "npm ci --ignore-scripts --no-audit --no-fund",
            `npm run ${all}`,
            "npm run preview:example",
        ]);
        expect(quickstart).to.match(/^npm ci --ignore-scripts\s/m);
        expect(quickstart).to.match(/^npm run preview:example\s/m);
    });
});

// ---- the benchmark numbers ------------------------------------------------------

/** The numbers in `text`, each also rounded to an integer (`149.2` gives 149.2 and 149). */
function numbers(text: string): Set<number> {
    const out = new Set<number>();
    for (const [n] of text.matchAll(/\d+(?:\.\d+)?/g))
        out.add(Number(n)).add(Math.round(Number(n)));
    return out;
}

describe("docs/benchmarks.md and docs/fleet.md: the benchmark numbers are bench/'s files'", () => {
    const results = read("bench/results.md");
    const resultLines = new Set(results.split("\n"));
    const bench = doc("benchmarks.md");

    it("each table row and target line it quotes is a line of bench/results.md", () => {
        const quoted = bench
            .split("\n")
            .filter((l) =>
                /^(\| \d+ \| |\| N \| |Benchmark on |- (met|MISSED): |Targets \()/.test(l),
            );
        expect(quoted.length).to.be.greaterThan(4);
        expect(quoted.filter((l) => !resultLines.has(l))).to.deep.equal([]);
    });

    it("every number of its 'Results, as measured' is in bench/results.md", () => {
        const measured = section("## Results, as measured", bench);
        expect(measured.split("\n").filter((l) => l.startsWith("- ")).length).to.be.greaterThan(3);
        const inFile = numbers(results);
        expect([...numbers(measured)].filter((n) => !inFile.has(n))).to.deep.equal([]);
    });

    it("each program row's engine floor column in bench/results.md is that run's floor row", () => {
        for (const run of results.split("\n#### ").slice(1)) {
            const cells = run
                .split("\n")
                .filter((l) => /^\| \d+ \| /.test(l))
                .map((l) => l.split("|").map((c) => c.trim()));
            for (const c of cells.filter((c) => c[3] === "program")) {
                const floor = cells.find((f) => f[1] === c[1] && f[2] === c[2] && f[3] === "floor");
                expect(floor?.[4], `${c[1]} ${c[2]}`).to.equal(c[5]);
            }
        }
    });

    it("the fleet numbers are bench/fleet-results.md's", () => {
        const fleet = read("bench/fleet-results.md");
        const measured = /^- Measured \(`npm run bench -- --fleet`[\s\S]*?(?=\n- )/m.exec(
            doc("fleet.md"),
        )?.[0];
        expect(measured, "the 'Measured (npm run bench -- --fleet' bullet").to.be.a("string");
        const inFile = numbers(fleet);
        expect([...numbers(measured!)].filter((n) => !inFile.has(n))).to.deep.equal([]);
        const rows = fleet.split("\n").filter((l) => /^\| \d+ stacks? /.test(l));
        for (const r of rows) {
            const [wall, sessions, writes, restarts] = r
                .split("|")
                .slice(3, 7)
                .map((c) => Number(c.trim()));
            for (const n of [Math.round(wall), sessions, writes, restarts]) {
                expect(numbers(measured!).has(n), `${n} of ${r}`).to.equal(true);
            }
        }
    });
});

describe("docs/full-disk.md and docs/benchmarks-peer.md: their benchmark numbers are bench/'s files'", () => {
    it("each run row docs/full-disk.md quotes is a row of bench/full-disk-results.md, under the same header", () => {
        const results = read("bench/full-disk-results.md").split("\n");
        const page = doc("full-disk.md")
            .split("\n")
            .map((l) => l.trim());
        const rows = page.filter((l) => /^\| \d{4}-\d\d-\d\dT/.test(l));
        expect(rows.length, "a run row").to.be.greaterThan(0);
        expect(rows.filter((r) => !results.includes(r))).to.deep.equal([]);
        const header = (lines: string[]) => lines.find((l) => l.startsWith("| when |"));
        expect(header(page)).to.equal(header(results));
    });

    it("every number of docs/benchmarks-peer.md's 'Results, as measured' is in bench/peer-docket-results.md (targets aside)", () => {
        // Follows whatever the results file holds: no number is typed here. The issue's targets
        // (`≤ 0.6 × docket's wall`) are not measurements.
        const measured = section("## Results, as measured", doc("benchmarks-peer.md"));
        expect(measured.split("\n").filter((l) => l.startsWith("- ")).length).to.be.greaterThan(2);
        const inFile = numbers(read("bench/peer-docket-results.md"));
        const quoted = numbers(measured.replace(/≤ ?\d+(?:\.\d+)?/g, ""));
        expect([...quoted].filter((n) => !inFile.has(n))).to.deep.equal([]);
    });
});
