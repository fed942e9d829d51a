/**
 * Output samples that README.md and docs/ quote, checked against what a test's run printed, so
 * they cannot go stale. A sample is the fenced block right after a line `<!-- sample: NAME -->`.
 * In a sample, a line whose text (blanks aside) is `...` or starts with `…` marks a cut; the lines
 * between two cuts are a part, and each part must appear in the output as one run of lines, the
 * parts in the sample's order. Blank lines and trailing blanks are ignored on both sides.
 */
import * as fs from "fs";

/** The samples of a Markdown text, by name (`<!-- sample: NAME -->` then a fenced block). */
export function taggedSamples(text: string): Map<string, string[][]> {
    const out = new Map<string, string[][]>();
    for (const m of text.matchAll(/^<!-- sample: ([\w.-]+) -->\n```\w*\n([\s\S]*?)^```$/gm)) {
        out.set(m[1], [...(out.get(m[1]) ?? []), m[2].split("\n")]);
    }
    return out;
}

/** The samples named `name` in the Markdown file `file`. */
export function samplesIn(file: string, name: string): string[][] {
    return taggedSamples(fs.readFileSync(file, "utf8")).get(name) ?? [];
}

/**
 * What an engine run printed, as a sample is compared with it: without the `[urn=…]`, `[id=…]`
 * and `[provider=…]` lines (ids and provider UUIDs differ per run) and with the test host's temp
 * root removed from the paths (`<root>/var/lib/dokku/…` reads `/var/lib/dokku/…`).
 */
export function printedLines(out: string, root: string): string[] {
    return out
        .split("\n")
        .filter((l) => !/^\s*\[(urn|id|provider)=.*\]$/.test(l))
        .map((l) => l.split(root).join(""));
}

const isCut = (l: string) => l.trim() === "..." || l.trim().startsWith("…");
const lines = (ls: readonly string[]) => ls.map((l) => l.replace(/\s+$/, "")).filter((l) => l);

/** A sample's parts: its runs of lines between cuts. */
export function sampleParts(sample: readonly string[]): string[][] {
    const parts: string[][] = [[]];
    for (const l of sample) {
        if (isCut(l)) parts.push([]);
        else parts[parts.length - 1].push(l);
    }
    return parts.map(lines).filter((p) => p.length > 0);
}

/**
 * Why `sample` is not what `output` printed (the first part not found, in order), or undefined
 * when it is.
 */
export function sampleMismatch(
    sample: readonly string[],
    output: readonly string[],
): string | undefined {
    const out = lines(output);
    let from = 0;
    for (const part of sampleParts(sample)) {
        let at = -1;
        for (let i = from; i + part.length <= out.length && at < 0; i++) {
            if (part.every((l, k) => out[i + k] === l)) at = i;
        }
        if (at < 0) {
            return `this part of the sample is not in the output (after line ${from}):\n${part.join("\n")}\n--- output:\n${out.join("\n")}`;
        }
        from = at + part.length;
    }
    return undefined;
}
