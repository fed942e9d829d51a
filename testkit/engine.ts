/**
 * What `pulumi up` does with this program's remote commands, reproduced
 * without the engine (its Node.js language host and command provider cannot
 * be built here, issue #3): run the real program (its read-only probe really
 * connects), diff each remote.Command's inputs against the previous run's,
 * and send only the new or changed ones over SSH — creates/updates of cache
 * directories first, then apps and the build cache, at most `parallel` at
 * once (the CLI's `--parallel`, default 8) — and the deletes of the removed
 * ones with their stored inputs. One SSH session per command run, as the
 * command provider opens.
 */
import { RawSettings, validateSettings } from "../config";
import { runSsh } from "../io/ssh";
import { Recorded } from "../cli/plan-mocks";
import { plan } from "./apply";

export interface UpResult {
    sessions: number;
    ran: string[];
    failed: string[];
}

async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
    let next = 0;
    const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) {
            const item = items[next++];
            await fn(item);
        }
    });
    await Promise.all(workers);
}

export class EngineEmulator {
    private state = new Map<string, Recorded>();

    constructor(private readonly parallel = 8) {}

    async up(raw: RawSettings, key: string): Promise<UpResult> {
        const settings = validateSettings({ ...raw, privateKey: key });
        const probes = settings.detectDrift || settings.discover.enabled ? 1 : 0;
        const p = await plan(raw, key);
        const next = new Map(p.commands.map((c) => [c.name, c]));
        const changed = p.commands.filter((c) => {
            const old = this.state.get(c.name);
            return !old || JSON.stringify(old.inputs) !== JSON.stringify(c.inputs);
        });
        const removed = [...this.state.values()].filter((c) => !next.has(c.name));
        const res: UpResult = { sessions: probes, ran: [], failed: [] };
        const send = async (c: Recorded, which: "create" | "delete") => {
            const cmd = c.inputs[which] as string | undefined;
            if (!cmd) return;
            res.sessions++;
            const stdin = (c.inputs.stdin as string | undefined) ?? "";
            const r = await runSsh(settings.connection, key, stdin, cmd);
            (r.code === 0 ? res.ran : res.failed).push(`${which} ${c.name}`);
        };
        const dirs = changed.filter((c) => c.name.startsWith("dokku-caches-"));
        const rest = changed.filter((c) => !c.name.startsWith("dokku-caches-"));
        await pool(dirs, this.parallel, (c) => send(c, "create"));
        await pool(rest, this.parallel, (c) => send(c, "create"));
        await pool(removed, this.parallel, (c) => send(c, "delete"));
        for (const c of changed) {
            if (!res.failed.includes(`create ${c.name}`)) this.state.set(c.name, c);
        }
        for (const c of removed) this.state.delete(c.name);
        return res;
    }
}
