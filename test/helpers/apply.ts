/**
 * An engine-less `pulumi up` / `pulumi destroy` for host tests: runs the real
 * program under Pulumi's mocks (the probe really connects), then sends each
 * registered remote command's script over SSH in registration order (which
 * follows the program's dependsOn: caches, apps, build cache), exactly as
 * remote.Command would, one session per command. Destroy runs the `delete`
 * scripts in reverse order.
 */
import * as pulumi from "@pulumi/pulumi";
import { RawSettings } from "../../components/config";
import { runSsh } from "../../components/host-probe";
import { runProgram } from "../../components/program";
import { installMocks, recorded, Recorded } from "../mock/mocks";

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
    const { validateSettings } = await import("../../components/config");
    const conn = validateSettings({ ...raw, privateKey: key }).connection;
    const list = which === "delete" ? [...commands].reverse() : commands;
    const runs: Applied["runs"] = [];
    for (const c of list) {
        const script = c.inputs[which] as string | undefined;
        if (!script) continue;
        const r = await runSsh(conn, key, script);
        runs.push({ name: c.name, ...r });
    }
    return runs;
}

/** Plan, then send every create script; throws on the first failing command. */
export async function up(raw: RawSettings, key: string): Promise<Applied> {
    const p = await plan(raw, key);
    const runs = await sendAll(raw, key, p.commands, "create");
    const bad = runs.find((r) => r.code !== 0);
    if (bad) throw new Error(`${bad.name} exited ${bad.code}: ${bad.stderr}`);
    return { ...p, runs };
}
