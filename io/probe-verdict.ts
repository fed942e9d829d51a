/**
 * One probe per `pulumi up`: what the program keeps of the preview phase's
 * probe for the update phase of the same CLI process, in a private temp file.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * What the program keeps of a probe between the two runs of one `pulumi up`
 * (the preview phase and the update phase): the host's app list and, per
 * managed app, the drift text and repair generation. Names and verdicts
 * only, never an env value.
 */
export interface ProbeVerdict {
    apps: string[];
    drift: Record<string, string>;
    repair?: Record<string, number>;
    /** Apps whose drift is warned about (converged by this program before). */
    warn: string[];
    /** The first aid generation and the file systems below `disk.minFree` (host/disk.ts). */
    firstAid?: {
        generation: number;
        low: { mount: string; availBytes: number; labels: string[] }[];
    };
}

/** How long a preview phase's verdict may serve its update phase (e.g. an interactive `pulumi up` waiting for "yes"). */
export const VERDICT_TTL_MS = 10 * 60 * 1000;

/** pid, command name and start time (clock ticks since boot) from /proc/<pid>/stat; undefined off Linux. */
function procStat(pid: number): { ppid: number; comm: string; start: string } | undefined {
    try {
        const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const close = s.lastIndexOf(")");
        const rest = s.slice(close + 2).split(" ");
        return { comm: s.slice(s.indexOf("(") + 1, close), ppid: Number(rest[1]), start: rest[19] };
    } catch {
        return undefined;
    }
}

/**
 * The `pulumi` CLI process running this program, as "pid:start time": the
 * parent of the first ancestor that is a language host
 * (`pulumi-language-nodejs`, whose name the kernel cuts to 15 characters).
 * Both phases of one `pulumi up` run under the same CLI process; a later
 * command is another process. Undefined when not run by the engine (tests)
 * or off Linux: then every run probes.
 */
export function engineProcessId(from = process.ppid): string | undefined {
    let pid = from;
    for (let depth = 0; depth < 4 && pid > 1; depth++) {
        const st = procStat(pid);
        if (!st) return undefined;
        if (st.comm.startsWith("pulumi-language")) {
            const cli = procStat(st.ppid);
            return cli && st.ppid > 1 ? `${st.ppid}:${cli.start}` : undefined;
        }
        pid = st.ppid;
    }
    return undefined;
}

function verdictFile(id: string): string {
    const uid = typeof process.getuid === "function" ? process.getuid() : 0;
    const name = crypto.createHash("sha256").update(id).digest("hex").slice(0, 32);
    return path.join(os.tmpdir(), `dokku-shared-cache-${uid}`, `probe-${name}.json`);
}

/**
 * Keeps a preview phase's verdict for the update phase of the same
 * `pulumi up` (`id` names the CLI process and everything the probe and the
 * verdict depend on). Old verdicts (a `pulumi preview` has no update phase)
 * are removed.
 */
export function saveVerdict(id: string, v: ProbeVerdict, now = Date.now()): void {
    const f = verdictFile(id);
    const dir = path.dirname(f);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const old of fs.readdirSync(dir)) {
        const p = path.join(dir, old);
        try {
            if (now - fs.statSync(p).mtimeMs > VERDICT_TTL_MS) fs.rmSync(p, { force: true });
        } catch {
            // removed meanwhile
        }
    }
    const tmp = `${f}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(v), { mode: 0o600 });
    fs.renameSync(tmp, f);
}

/** The verdict saved by this `pulumi up`'s preview phase, once (it is removed); undefined when none or too old. */
export function takeVerdict(id: string, now = Date.now()): ProbeVerdict | undefined {
    const f = verdictFile(id);
    try {
        const age = now - fs.statSync(f).mtimeMs;
        const v = JSON.parse(fs.readFileSync(f, "utf8")) as ProbeVerdict;
        fs.rmSync(f, { force: true });
        return age <= VERDICT_TTL_MS &&
            Array.isArray(v.apps) &&
            Array.isArray(v.warn) &&
            typeof v.drift === "object"
            ? v
            : undefined;
    } catch {
        return undefined;
    }
}
