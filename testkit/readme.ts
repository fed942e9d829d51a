/**
 * The shell blocks of README.md and docs/*.md, for the tests that run them as written.
 */
import * as fs from "fs";
import * as path from "path";

export const README = path.resolve(__dirname, "..", "README.md");
export const DOCS = path.resolve(__dirname, "..", "docs");

/** The non-empty lines of the first fenced sh block under the heading line `heading` of `text`. */
export function shBlock(heading: string, text: string, name = "README.md"): string[] {
    const section = `\n${text}`.split(`\n${heading}\n`)[1];
    if (section === undefined) throw new Error(`${name} has no '${heading}' section`);
    const m = /```sh\n([\s\S]*?)```/.exec(section);
    if (!m) throw new Error(`${name}'s '${heading}' section has no \`\`\`sh block`);
    return m[1].split("\n").filter((l) => l.trim() !== "");
}

/** The non-empty lines of the first fenced sh block under the heading line `heading` (e.g. `## On a real host`). */
export function readmeShBlock(heading: string, readme = fs.readFileSync(README, "utf8")): string[] {
    return shBlock(heading, readme);
}

/** The same for a page of docs/ (`file` is its name there, e.g. `plan.md`). */
export function docsShBlock(file: string, heading: string): string[] {
    return shBlock(heading, fs.readFileSync(path.join(DOCS, file), "utf8"), `docs/${file}`);
}

/** One of the README's numbered operator steps (`### 2. Make your stack`) and its sh block. */
export interface ReadmeStep {
    n: number;
    title: string;
    lines: string[];
}

/** The README's numbered steps in order, each with the lines of its (first) sh block. */
export function readmeSteps(readme = fs.readFileSync(README, "utf8")): ReadmeStep[] {
    return [...readme.matchAll(/^### (\d+)\. (.+)$/gm)].map((m) => ({
        n: Number(m[1]),
        title: m[2],
        lines: shBlock(m[0], readme),
    }));
}
