/**
 * README.md's shell blocks, for the tests that run them as written.
 */
import * as fs from "fs";
import * as path from "path";

export const README = path.resolve(__dirname, "..", "README.md");

/** The non-empty lines of the first fenced sh block under the heading line `heading` (e.g. `## On a real host`). */
export function readmeShBlock(heading: string, readme = fs.readFileSync(README, "utf8")): string[] {
    const section = readme.split(`\n${heading}`)[1];
    if (!section) throw new Error(`README.md has no '${heading}' section`);
    const m = /```sh\n([\s\S]*?)```/.exec(section);
    if (!m) throw new Error(`README.md's '${heading}' section has no \`\`\`sh block`);
    return m[1].split("\n").filter((l) => l.trim() !== "");
}
