/**
 * An engine-less `pulumi up` / `pulumi destroy` for host tests: runs the real
 * program under Pulumi's mocks (the probe really connects), then sends each
 * registered remote command over SSH in registration order (which follows
 * the program's dependsOn: caches, apps, build cache), exactly as
 * remote.Command would (its `create` text with its `stdin`), one session per
 * command. Destroy runs the `delete` texts in reverse order.
 */
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "child_process";
import * as path from "path";
import { RawSettings } from "../config";
import { runSsh } from "../io/ssh";
import { runProgram } from "../program";
import { installMocks, recorded, Recorded } from "../cli/plan-mocks";
export { hostRaw } from "./ssh-host";

installMocks();

export interface Applied {
    commands: Recorded[];
    runs: { name: string; code: number; stdout: string; stderr: string }[];
    outputs: Record<string, pulumi.Output<unknown>>;
}

/** The program's remote commands for this config (nothing is sent). */
export async function plan(raw: RawSettings, key: string): Promise<Omit<Applied, "runs">> {
    recorded.splice(0);
    const outputs = (await runProgram({ raw, privateKey: pulumi.secret(key) })) as Record<
        string,
        pulumi.Output<unknown>
    >;
    await new Promise((r) => setTimeout(r, 50));
    return {
        commands: recorded.filter((r) => r.type === "command:remote:Command"),
        outputs,
    };
}

export async function sendAll(
    raw: RawSettings,
    key: string,
    commands: Recorded[],
    which: "create" | "delete",
): Promise<Applied["runs"]> {
    const { validateSettings } = await import("../config");
    const conn = validateSettings({ ...raw, privateKey: key }).connection;
    const list = which === "delete" ? [...commands].reverse() : commands;
    const runs: Applied["runs"] = [];
    for (const c of list) {
        // remote.Command runs the short text of create/delete with `stdin`.
        const cmd = c.inputs[which] as string | undefined;
        if (!cmd) continue;
        // The recorded text already carries `sudo -n` when the stack sets connection.sudo.
        const r = await runSsh(
            { ...conn, sudo: false },
            key,
            (c.inputs.stdin as string | undefined) ?? "",
            cmd,
        );
        runs.push({ name: c.name, ...r });
    }
    return runs;
}

/** What `pulumi config --json --show-secrets` would print for this config and key. */
export function configJson(raw: RawSettings, key: string): string {
    const entries: Record<string, { value: string; secret: boolean }> = {
        "dokku-shared-cache:privateKey": { value: key, secret: true },
    };
    for (const [k, v] of Object.entries(raw)) {
        entries[`dokku-shared-cache:${k}`] = { value: JSON.stringify(v), secret: false };
    }
    return JSON.stringify(entries);
}

/** Runs one of the repo's TypeScript CLIs (cli/*.ts) with ts-node, as `npm run` would. */
export function runTs(
    script: string,
    args: string[],
    input?: string,
    env?: NodeJS.ProcessEnv,
): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(
        process.execPath,
        [
            require.resolve("ts-node/dist/bin.js"),
            "--transpile-only",
            path.resolve(__dirname, "..", script),
            ...args,
        ],
        { input, encoding: "utf8", ...(env ? { env } : {}) },
    );
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Plan, then send every create script; throws on the first failing command. */
export async function up(raw: RawSettings, key: string): Promise<Applied> {
    const p = await plan(raw, key);
    const runs = await sendAll(raw, key, p.commands, "create");
    const bad = runs.find((r) => r.code !== 0);
    if (bad) throw new Error(`${bad.name} exited ${bad.code}: ${bad.stderr}`);
    return { ...p, runs };
}
