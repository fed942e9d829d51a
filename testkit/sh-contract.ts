/**
 * The contracts of the host's script files (host/sh/*.sh): which variables a file reads before it
 * sets them, which it sets, which functions it defines. Declared in each file's opening comment
 * lines (`# reads: …`, `# sets: …`, `# defines: …`); measured here from shfmt's syntax tree
 * (`shfmt --to-json`), so test/host/script-contracts.test.ts can hold the two equal and check that
 * every renderer joins a file only after the header or files that set what it reads.
 *
 *   npx ts-node testkit/sh-contract.ts            # print the measured contracts
 *   npx ts-node testkit/sh-contract.ts --write    # rewrite the contract lines of every file
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const SH_DIR = path.resolve(__dirname, "..", "host", "sh");

export interface Contract {
    reads: string[];
    sets: string[];
    defines: string[];
}

/** Positional and special parameters: never part of a contract. */
const SPECIAL = /^([0-9]+|[?#@*$!0-]|)$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Node = { [k: string]: unknown };
type Pos = { Offset: number };

/** What `text` (POSIX sh) reads before setting, sets and defines. */
export function measure(text: string): Contract {
    const tree = JSON.parse(
        execFileSync("shfmt", ["-ln", "posix", "--to-json"], { input: text, encoding: "utf8" }),
    ) as Node;
    const events: { at: number; name: string; set: boolean }[] = [];
    const defines = new Set<string>();
    const word = (w: unknown): string | undefined => {
        const parts = (w as Node | undefined)?.Parts as Node[] | undefined;
        return parts?.length === 1 && parts[0].Type === "Lit"
            ? (parts[0].Value as string)
            : undefined;
    };
    const visit = (n: unknown, arith: boolean): void => {
        if (Array.isArray(n)) return n.forEach((c) => visit(c, arith));
        if (n === null || typeof n !== "object") return;
        const node = n as Node;
        switch (node.Type) {
            case "ParamExp": {
                const name = (node.Param as Node).Value as string;
                const at = (node.Pos as Pos).Offset;
                // `${x:-default}`: reading a variable that may be unset is no contract.
                const optional = /^\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=]/.test(text.slice(at));
                if (!SPECIAL.test(name) && !optional) events.push({ at, name, set: false });
                break;
            }
            case "Lit":
                if (arith && NAME.test(node.Value as string)) {
                    events.push({
                        at: (node.Pos as Pos).Offset,
                        name: node.Value as string,
                        set: false,
                    });
                }
                return;
            case "CmdSubst":
                visit(node.Stmts, false);
                return;
            case "ArithmExp":
            case "ArithmCmd":
                for (const [k, v] of Object.entries(node)) if (k !== "Type") visit(v, true);
                return;
            case "FuncDecl":
                defines.add((node.Name as Node).Value as string);
                break;
            case "ForClause": {
                const loop = node.Loop as Node;
                if (loop.Type === "WordIter") {
                    visit(loop.Items, arith);
                    const name = loop.Name as Node;
                    events.push({
                        at: (name.Pos as Pos).Offset,
                        name: name.Value as string,
                        set: true,
                    });
                }
                visit(node.Do, arith);
                return;
            }
            case "CallExpr": {
                const args = (node.Args as Node[] | undefined) ?? [];
                for (const a of (node.Assigns as Node[] | undefined) ?? []) {
                    visit(a.Value, arith);
                    // A prefix assignment (`IFS= read`) holds for that command only.
                    if (args.length === 0) {
                        const name = a.Name as Node;
                        events.push({
                            at: (a.End as Pos).Offset,
                            name: name.Value as string,
                            set: true,
                        });
                    }
                }
                visit(args, arith);
                if (word(args[0]) === "read") {
                    for (const a of args.slice(1)) {
                        const w = word(a);
                        if (w && NAME.test(w))
                            events.push({ at: (a.Pos as Pos).Offset, name: w, set: true });
                    }
                }
                return;
            }
        }
        for (const [k, v] of Object.entries(node)) if (k !== "Type") visit(v, arith);
    };
    visit(tree, false);
    events.sort((a, b) => a.at - b.at);
    const first = new Map<string, boolean>();
    const sets = new Set<string>();
    for (const e of events) {
        if (!first.has(e.name)) first.set(e.name, e.set);
        if (e.set) sets.add(e.name);
    }
    const reads = [...first].filter(([, set]) => !set).map(([n]) => n);
    return { reads: reads.sort(), sets: [...sets].sort(), defines: [...defines].sort() };
}

/** The contract a file declares in its opening comment lines. */
export function declared(text: string): Contract {
    const c: Contract = { reads: [], sets: [], defines: [] };
    for (const line of text.split("\n")) {
        const m = /^# (reads|sets|defines):(.*)$/.exec(line);
        if (m)
            c[m[1] as keyof Contract].push(
                ...m[2].split(/\s+/).filter((w) => w !== "" && w !== "-"),
            );
        else if (!line.startsWith("# shellcheck ")) break;
    }
    for (const k of Object.keys(c) as (keyof Contract)[]) c[k].sort();
    return c;
}

export function shFiles(): string[] {
    return fs
        .readdirSync(SH_DIR)
        .filter((f) => f.endsWith(".sh"))
        .sort();
}

/** `text` with its contract lines replaced by the measured ones. */
export function withContract(text: string): string {
    const lines = text.split("\n");
    let i = 0;
    const keep: string[] = [];
    while (i < lines.length && /^# (shellcheck |reads:|sets:|defines:)/.test(lines[i])) {
        if (lines[i].startsWith("# shellcheck ")) keep.push(lines[i]);
        i++;
    }
    const c = measure(lines.slice(i).join("\n"));
    const out = [...keep];
    for (const k of ["reads", "sets", "defines"] as const) {
        if (c[k].length > 0 || k !== "defines") out.push(`# ${k}: ${c[k].join(" ") || "-"}`);
    }
    return [...out, ...lines.slice(i)].join("\n");
}

if (require.main === module) {
    const write = process.argv.includes("--write");
    for (const f of shFiles()) {
        const p = path.join(SH_DIR, f);
        const text = fs.readFileSync(p, "utf8");
        if (write) fs.writeFileSync(p, withContract(text));
        else console.log(f, JSON.stringify(measure(text)));
    }
}

/** Every function the script files define, by the file that defines it. */
export function definedBy(files: Record<string, string>): Map<string, string> {
    const out = new Map<string, string>();
    for (const [f, text] of Object.entries(files))
        for (const d of declared(text).defines) out.set(d, f);
    return out;
}

/** The commands `text` runs by name (first words), in order. */
export function commandsOf(text: string): string[] {
    const tree = JSON.parse(
        execFileSync("shfmt", ["-ln", "posix", "--to-json"], { input: text, encoding: "utf8" }),
    ) as Node;
    const out: string[] = [];
    const visit = (n: unknown): void => {
        if (Array.isArray(n)) return n.forEach(visit);
        if (n === null || typeof n !== "object") return;
        const node = n as Node;
        if (node.Type === "CallExpr") {
            const first = ((node.Args as Node[] | undefined) ?? [])[0];
            const parts = first?.Parts as Node[] | undefined;
            if (parts?.length === 1 && parts[0].Type === "Lit") out.push(parts[0].Value as string);
        }
        for (const [k, v] of Object.entries(node)) if (k !== "Type") visit(v);
    };
    visit(tree);
    return out;
}

/**
 * Checks one rendered script (a header written by TypeScript, then script files, possibly more
 * TypeScript-written lines between them): every variable a file reads is set before it, by the
 * renderer's lines or by an earlier file, and every function it calls is defined before it (or by
 * itself). `files` maps each file name to its embedded text and its full text (with contract).
 * Returns the problems, one line each, and the files found in order.
 */
export function checkJoin(
    script: string,
    files: Record<string, { embedded: string; full: string }>,
    environment: readonly string[] = ["IFS", "PATH", "HOME"],
): { problems: string[]; order: string[] } {
    const order: string[] = [];
    let rest = script;
    let skeleton = "";
    for (;;) {
        let best: { name: string; at: number } | undefined;
        for (const [name, f] of Object.entries(files)) {
            const at = rest.indexOf(f.embedded);
            if (
                at >= 0 &&
                (!best ||
                    at < best.at ||
                    (at === best.at && f.embedded.length > files[best.name].embedded.length))
            ) {
                best = { name, at };
            }
        }
        if (!best) break;
        skeleton += rest.slice(0, best.at) + `: dsc_file_${order.length}`;
        rest = rest.slice(best.at + files[best.name].embedded.length);
        order.push(best.name);
    }
    skeleton += rest;
    // The renderer's own lines: what they set, and where each file stands among them.
    const marks = [...skeleton.matchAll(/: dsc_file_(\d+)/g)].map((m) => m.index!);
    const headerSets = setsBefore(skeleton);
    const known = new Set<string>(environment);
    const defined = new Set<string>();
    const all = definedBy(Object.fromEntries(Object.entries(files).map(([n, f]) => [n, f.full])));
    const problems: string[] = [];
    order.forEach((name, k) => {
        for (const [v, at] of headerSets) if (at < marks[k]) known.add(v);
        const c = declared(files[name].full);
        for (const r of c.reads) {
            if (!known.has(r)) problems.push(`${name}.sh reads ${r}, which nothing before it sets`);
        }
        for (const cmd of commandsOf(files[name].embedded)) {
            if (all.has(cmd) && !defined.has(cmd) && !c.defines.includes(cmd)) {
                problems.push(`${name}.sh calls ${cmd} (${all.get(cmd)}.sh) before it is defined`);
            }
        }
        c.sets.forEach((s) => known.add(s));
        c.defines.forEach((d) => defined.add(d));
    });
    return { problems, order };
}

/** Each variable `text` sets, with the offset of its first setting. */
function setsBefore(text: string): Map<string, number> {
    const out = new Map<string, number>();
    const tree = JSON.parse(
        execFileSync("shfmt", ["-ln", "posix", "--to-json"], { input: text, encoding: "utf8" }),
    ) as Node;
    const visit = (n: unknown): void => {
        if (Array.isArray(n)) return n.forEach(visit);
        if (n === null || typeof n !== "object") return;
        const node = n as Node;
        if (node.Type === "CallExpr" && ((node.Args as Node[] | undefined) ?? []).length === 0) {
            for (const a of (node.Assigns as Node[] | undefined) ?? []) {
                const name = (a.Name as Node).Value as string;
                if (!out.has(name)) out.set(name, (a.Pos as Pos).Offset);
            }
        }
        for (const [k, v] of Object.entries(node)) if (k !== "Type") visit(v);
    };
    visit(tree);
    return out;
}
