/**
 * What the end-to-end tests share: a loopback OpenSSH host with the dokku and
 * docker doubles (testkit/ssh-host.ts) and a real Pulumi stack of this
 * program pointed at it (testkit/pulumi-stack.ts), plus readers for the
 * host's state and the doubles' invocation logs.
 *
 * The language host runs the program with PULUMI_NODEJS_TRANSPILE_ONLY=true
 * (Pulumi's own switch: ts-node without type checking, about half of each
 * command's wall time here); `npm run lint` type-checks the same files.
 */
import { ENTRY_PREFIX } from "../../host/storage-entries";
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { Invocation } from "../../testkit/local-host";
import { SshHost, hostRaw } from "../../testkit/ssh-host";
import { PulumiResult, PulumiStack, StackExport } from "../../testkit/pulumi-stack";

export const E2E_ENV = { PULUMI_NODEJS_TRANSPILE_ONLY: "true" };

export interface World {
    host: SshHost;
    stack: PulumiStack;
}

/** Starts a host (Dokku `version` mode) and a stack whose secret key opens it. */
export async function makeWorld(
    version: "0.37" | "0.38",
    hostEnv: Record<string, string> = {},
): Promise<World> {
    const host = new SshHost(version, hostEnv);
    await host.start();
    const stack = await PulumiStack.create({ stack: "e2e", env: E2E_ENV });
    await stack.setSecret("privateKey", host.clientKey);
    return { host, stack };
}

export async function endWorld(w: World | undefined): Promise<void> {
    if (!w) return;
    w.stack.cleanup();
    await w.host.stop();
}

/** Stack config for this host (connection and paths inside its temp root) plus `over`. */
export function hostConfig(
    h: SshHost,
    over: Record<string, unknown> = {},
): Record<string, unknown> {
    return hostRaw(h, over);
}

/** One `hosts` entry for a test host: its name, connection and paths under its temp root, plus `over`. */
export function hostEntry(name: string, h: SshHost, over: Record<string, unknown> = {}) {
    return { name, ...hostRaw(h, over) };
}

/** Path of cache `dir` under the host's shared root (optionally a group's). */
export function cachePath(h: SshHost, dir: string, group?: string): string {
    return group ? path.join(h.sharedRoot, "groups", group, dir) : path.join(h.sharedRoot, dir);
}

interface StorageEntry {
    host_path?: string;
    container_path?: string;
    volume_options?: string;
    readonly?: boolean;
}

/**
 * An app's mounts as `host:container[:ro]`, sorted, read through the double's
 * `storage:list --format json` (0.37 and 0.38 shapes). Duplicates are kept,
 * so a test can see them.
 */
export function mountsOf(h: SshHost, app: string): string[] {
    const r = h.dokku("storage:list", app, "--format", "json");
    if (r.code !== 0) throw new Error(`storage:list ${app}: ${r.stderr}`);
    return (JSON.parse(r.stdout) as StorageEntry[])
        .filter((e) => e.host_path)
        .map((e) => {
            const ro = e.readonly === true || (e.volume_options ?? "").split(",").includes("ro");
            return `${e.host_path}:${e.container_path}${ro ? ":ro" : ""}`;
        })
        .sort();
}

/**
 * The storage entries this program named (`dsc-*`, host/storage-entries.ts), sorted; none on
 * 0.37, which has no entries (`storage:list-entries` is not a command there).
 */
export function entriesOf(h: SshHost): string[] {
    if (h.version === "0.37") return [];
    const r = h.dokku("storage:list-entries", "--format", "json");
    if (r.code !== 0) throw new Error(`storage:list-entries: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { name: string }[])
        .map((e) => e.name)
        .filter((n) => n.startsWith(ENTRY_PREFIX))
        .sort();
}

/** The app an invocation acts on: its first argument that is not a flag. */
export function appOf(i: Invocation): string {
    return i.args.find((a) => !a.startsWith("-")) ?? "";
}

/** `cmd app` of every write since the log was cleared, in order. */
export function writeSummary(h: SshHost): string[] {
    return h.writes().map((i) => `${i.cmd} ${appOf(i)}`);
}

/** Apps restarted (or rebuilt) since the log was cleared, sorted. */
export function restarted(h: SshHost): string[] {
    return h.restarts().map(appOf).sort();
}

/** Fails with the CLI's output when a pulumi command did not exit 0. */
export function ok(r: PulumiResult): PulumiResult {
    expect(r.code, `pulumi ${r.args.join(" ")}:\n${r.stdout}\n${r.stderr}`).to.equal(0);
    return r;
}

export interface PreviewStep {
    op: string;
    urn: string;
}
export interface PreviewJson {
    steps: PreviewStep[];
    diagnostics?: { message: string; severity: string; urn?: string }[];
    changeSummary?: Record<string, number>;
}

/** `pulumi preview --json` parsed (any exit code; the result is returned too). */
export async function previewJson(
    s: PulumiStack,
    ...extra: string[]
): Promise<{ r: PulumiResult; json: PreviewJson }> {
    const r = await s.preview("--json", ...extra);
    let json: PreviewJson;
    try {
        json = JSON.parse(r.stdout) as PreviewJson;
    } catch {
        throw new Error(
            `preview --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`,
        );
    }
    return { r, json };
}

/** Resource names (the URN's last part) of the steps with operation `op`, sorted. */
export function stepNames(j: PreviewJson, op: string): string[] {
    return j.steps
        .filter((s) => s.op === op)
        .map((s) => s.urn.split("::").pop()!)
        .sort();
}

/** Operations other than `same` (read-only steps), as `op name`. */
export function changes(j: PreviewJson): string[] {
    return j.steps
        .filter((s) => s.op !== "same" && s.op !== "read")
        .map((s) => `${s.op} ${s.urn.split("::").pop()!}`)
        .sort();
}

/** Resolves when the dokku log has not grown for `quietMs` (orphaned sessions finished). */
export async function hostQuiet(h: SshHost, quietMs = 2500, maxMs = 60000): Promise<void> {
    const f = path.join(h.root, "var/log/dokku-double.jsonl");
    const size = () => (fs.existsSync(f) ? fs.statSync(f).size : 0);
    const t0 = Date.now();
    let last = size();
    let since = Date.now();
    while (Date.now() - t0 < maxMs) {
        await new Promise((r) => setTimeout(r, 200));
        const s = size();
        if (s !== last) {
            last = s;
            since = Date.now();
        } else if (Date.now() - since >= quietMs) {
            return;
        }
    }
    throw new Error("the host did not go quiet");
}

/** Resolves when `cond` holds (polled every 25 ms); rejects after `maxMs`. */
export async function until(cond: () => boolean, what: string, maxMs = 120000): Promise<void> {
    const t0 = Date.now();
    while (!cond()) {
        if (Date.now() - t0 > maxMs) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 25));
    }
}

/** The pending operations the checkpoint holds (interrupted creates/updates/deletes). */
export function pendingOps(state: StackExport): string[] {
    return (state.deployment.pending_operations ?? []).map(
        (p) => `${p.type} ${p.resource.urn.split("::").pop()!}`,
    );
}
