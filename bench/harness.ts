/**
 * What bench/run.ts and bench/fleet.ts share: the rows, the host double's call log read as
 * sessions, reads and writes, and the stack config of a benchmark host.
 */
import * as fs from "fs";
import * as path from "path";
import { PulumiStack } from "../testkit/pulumi-stack";
import { SshHost } from "../testkit/ssh-host";

/** Real Dokku 0.38.27 on this kind of machine (../shared/third_party/dokku/README.md). */
export const REAL = { readMs: 30, setMs: 90, restartMs: 5500, rebuildMs: 12000 };
export const ALL = ["pip", "uv", "npm", "ms-playwright", "rust"];

export type Side = "program" | "floor" | "baseline";

export interface Row {
    n: number;
    side: Side;
    scenario: string;
    wall: number;
    sessions: number;
    reads: number;
    writes: number;
    restarts: number;
    rebuilds: number;
    /** Apps whose dokku state was read / changed (write, restart or rebuild). */
    appsRead: number;
    appsWritten: string[];
    /** Union of the dokku calls' run times (s): how long the host was busy with Dokku. */
    hostBusy: number;
    /** The engine's summary (`~1 105=`), "" for the baseline. */
    ops: string;
}

export const appName = (i: number) => `app${String(i).padStart(3, "0")}`;

export interface Call {
    cmd: string;
    args: string[];
    kind: string;
    t0: number;
    t: number;
}

/** Seconds covered by the union of the calls' [t0, t] intervals (ms). */
export function busy(calls: Pick<Call, "t0" | "t">[]): number {
    const iv = calls.map((c) => [c.t0, c.t]).sort((a, b) => a[0] - b[0]);
    let total = 0;
    let [s, e] = iv[0] ?? [0, 0];
    for (const [a, b] of iv.slice(1)) {
        if (a > e) {
            total += e - s;
            [s, e] = [a, b];
        } else e = Math.max(e, b);
    }
    return (total + e - s) / 1000;
}

/** The engine's resource summary, e.g. "+106" or "~1 105=" (a preview's "to create" alike). */
export function opsOf(stdout: string): string {
    const sym = (w: string) =>
        w.startsWith("create")
            ? "+"
            : w.startsWith("update")
              ? "~"
              : w.startsWith("delete")
                ? "-"
                : w.startsWith("replace")
                  ? "+-"
                  : "=";
    return [
        ...stdout.matchAll(
            /^ +(?:[-+~]+ )?(\d+) (?:to )?(created?|updated?|deleted?|replaced?|unchanged)$/gm,
        ),
    ]
        .map((m) => (sym(m[2]) === "=" ? `${m[1]}=` : `${sym(m[2])}${m[1]}`))
        .join(" ");
}

/**
 * Counts SSH sessions on a test host: its authorized key may only run a
 * command that appends one byte to a file, then (`floor` = false) runs what
 * the client asked exactly as sshd would, or (`floor`) discards it.
 */
export function countSessions(h: SshHost, floor: boolean): () => number {
    const dir = path.join(h.root, "sshd");
    const file = path.join(h.root, "bench-sessions");
    fs.writeFileSync(file, "");
    const pub = fs.readFileSync(path.join(dir, "client_ed25519.pub"), "utf8").trim();
    const then = floor ? "cat >/dev/null" : 'exec \\"$SHELL\\" -c \\"$SSH_ORIGINAL_COMMAND\\"';
    fs.writeFileSync(
        path.join(dir, "authorized_keys"),
        `command="printf . >>${file}; ${then}" ${pub}\n`,
    );
    return () => {
        const n = fs.statSync(file).size;
        fs.writeFileSync(file, "");
        return n;
    };
}

export function measure(
    h: SshHost,
    sessions: number,
): Omit<Row, "n" | "side" | "scenario" | "wall" | "ops"> {
    const log = h.log() as unknown as Call[];
    h.clearLog();
    const named = (c: Call) => c.args.find((a) => /^app\d{3}$/.test(a));
    const read = new Set(
        log
            .filter((c) => c.kind === "read")
            .map(named)
            .filter(Boolean),
    );
    const written = new Set(
        log
            .filter((c) => c.kind !== "read" && c.kind !== "error")
            .map(named)
            .filter((a): a is string => Boolean(a)),
    );
    return {
        sessions,
        reads: log.filter((c) => c.kind === "read").length,
        writes: log.filter((c) => c.kind === "write").length,
        restarts: log.filter((c) => c.kind === "restart").length,
        rebuilds: log.filter((c) => c.kind === "rebuild").length,
        appsRead: read.size,
        appsWritten: [...written].sort(),
        hostBusy: busy(log),
    };
}

export function costEnv(scale: number): Record<string, string> {
    return {
        DOKKU_DOUBLE_COST_MS: "0",
        DOKKU_DOUBLE_RESTART_MS: String(Math.round(REAL.restartMs * scale)),
        DOKKU_DOUBLE_REBUILD_MS: String(Math.round(REAL.rebuildMs * scale)),
    };
}

export async function newHost(n: number, scale: number): Promise<SshHost> {
    const h = new SshHost("0.38", costEnv(scale));
    await h.start();
    for (let i = 1; i <= n; i++) h.createApp(appName(i), true);
    h.clearLog();
    return h;
}

export function stackConfig(h: SshHost, n: number, detectDrift: boolean): Record<string, unknown> {
    return {
        connection: h.connection({ dialErrorLimit: 3, perDialTimeout: 10 }),
        sharedRoot: h.sharedRoot,
        stateDir: h.stateDir,
        hostPaths: h.hostPaths(),
        buildCache: false,
        detectDrift,
        apps: Array.from({ length: n }, (_, i) => ({ name: appName(i + 1), caches: ALL })),
    };
}

export interface Lane {
    side: "program" | "floor";
    h: SshHost;
    s: PulumiStack;
    sessions: () => number;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
