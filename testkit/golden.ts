/**
 * The example stack's rendered host scripts as a golden file set (test/golden/example/): the
 * exact stdin of every remote command that `npm run plan -- --stack example --scripts` prints,
 * one `<command name>.sh` per command, plus `commands.txt` (each command's create/update and
 * delete texts). A change to the host behaviour then shows as a shell diff in review, and lint's
 * shellcheck reads these files as the host's /bin/sh runs them.
 *
 *   npm run golden            # compare; exit 1 naming the files that differ
 *   npm run golden -- --update
 *
 * The stack is Pulumi.example.yaml as committed; its encrypted private key is replaced by
 * {@link GOLDEN_KEY}.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

const ROOT = path.resolve(__dirname, "..");
export const GOLDEN_DIR = path.join(ROOT, "test", "golden", "example");
const INDEX = "commands.txt";

export interface RenderedCommand {
    name: string;
    create: string;
    delete: string;
    stdin: string;
}

/** `pulumi config --json --show-secrets` of Pulumi.example.yaml, with `privateKey` given. */
export function exampleConfigJson(privateKey: string): string {
    const doc = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.example.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    };
    const out: Record<string, { value: string; objectValue?: unknown; secret: boolean }> = {};
    for (const [k, v] of Object.entries(doc.config)) {
        if (v !== null && typeof v === "object" && "secure" in v) {
            out[k] = { value: privateKey, secret: true };
        } else if (typeof v === "string") {
            out[k] = { value: v, secret: false };
        } else {
            out[k] = { value: JSON.stringify(v), objectValue: v, secret: false };
        }
    }
    return JSON.stringify(out);
}

/**
 * Not a key: text of a key's shape (the config only checks the shape). Fixed, because the
 * scripts' generation tags are an HMAC under the connection's key (host/generation.ts).
 */
export const GOLDEN_KEY =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nZ29sZGVuIGZpbGUgb25seTsgbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n";

const HEADER = /^----- (\S+): create\/update `(.*)`, delete `(.*)`, stdin: -----$/;

/** Splits `npm run plan -- --scripts` output into its commands (the summary after them is dropped). */
export function parsePlanScripts(text: string): RenderedCommand[] {
    const lines = text.split("\n");
    const out: RenderedCommand[] = [];
    let cur: { c: RenderedCommand; body: string[] } | undefined;
    const close = () => {
        if (cur) out.push({ ...cur.c, stdin: cur.body.join("\n") });
    };
    for (const line of lines) {
        const m = HEADER.exec(line);
        if (m) {
            close();
            cur = { c: { name: m[1], create: m[2], delete: m[3], stdin: "" }, body: [] };
        } else if (cur && line.startsWith("Plan (offline")) {
            close();
            cur = undefined;
        } else if (cur) {
            cur.body.push(line);
        }
    }
    close();
    return out;
}

/** The example stack's commands as the program renders them now (the real program, mock engine). */
export function renderExample(privateKey = GOLDEN_KEY): RenderedCommand[] {
    const text = execFileSync(
        path.join(ROOT, "node_modules", ".bin", "ts-node"),
        ["--transpile-only", path.join(ROOT, "cli", "plan.ts"), "--config-file", "-", "--scripts"],
        { cwd: ROOT, input: exampleConfigJson(privateKey), encoding: "utf8", maxBuffer: 64 << 20 },
    );
    return parsePlanScripts(text);
}

/** The files the golden set holds for these commands (name → content). */
export function goldenFiles(commands: readonly RenderedCommand[]): Map<string, string> {
    const files = new Map<string, string>();
    files.set(
        INDEX,
        commands.map((c) => `${c.name}\tcreate: ${c.create}\tdelete: ${c.delete}\n`).join(""),
    );
    for (const c of commands) files.set(`${c.name}.sh`, c.stdin);
    return files;
}

/** Names of golden files that differ from `files` (missing, changed or extra). */
export function goldenDiff(files: Map<string, string>, dir = GOLDEN_DIR): string[] {
    const have = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    const differ = [...files].filter(([n, t]) => {
        const p = path.join(dir, n);
        return !fs.existsSync(p) || fs.readFileSync(p, "utf8") !== t;
    });
    return [...differ.map(([n]) => n), ...have.filter((n) => !files.has(n))].sort();
}

export function writeGolden(files: Map<string, string>, dir = GOLDEN_DIR): void {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const [n, t] of files) fs.writeFileSync(path.join(dir, n), t);
}

if (require.main === module) {
    const files = goldenFiles(renderExample());
    if (process.argv.includes("--update")) {
        writeGolden(files);
        console.log(`golden: wrote ${files.size} files to ${path.relative(ROOT, GOLDEN_DIR)}`);
    } else {
        const d = goldenDiff(files);
        if (d.length > 0) {
            console.error(
                `golden: the example stack's scripts differ from ${path.relative(ROOT, GOLDEN_DIR)}: ${d.join(", ")}\n` +
                    "  review the change (git diff after `npm run golden -- --update`)",
            );
            process.exit(1);
        }
        console.log(`golden: ${files.size} files match`);
    }
}
