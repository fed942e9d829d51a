/**
 * `npm run bench -- --fleet`: H hosts × N apps converged by ONE stack in the
 * `hosts` form, against H single-host stacks run one after another (what a
 * user with several servers did before). Real engine, real OpenSSH on
 * loopback, the dokku double (0.38 mode, restarts at 0.1 × real Dokku's
 * 5.5 s, as the main benchmark). Fresh hosts per side. Scenarios: first
 * converge, no-op `up` (preview + update, as a user runs it). Reported per
 * side: wall time, SSH sessions and dokku writes summed over the hosts.
 * Exits 1 when a no-op `up` writes or restarts on either side.
 */
import * as fs from "fs";
import * as os from "os";
import { PulumiStack } from "../testkit/pulumi-stack";
import { SshHost } from "../testkit/ssh-host";
import { countSessions, measure, newHost, opsOf, stackConfig } from "./harness";

interface FleetRow {
    side: string;
    scenario: string;
    wall: number;
    sessions: number;
    writes: number;
    restarts: number;
    ops: string;
}

interface Lane {
    h: SshHost;
    sessions: () => number;
}

async function lanes(hosts: number, n: number): Promise<Lane[]> {
    const out: Lane[] = [];
    for (let i = 0; i < hosts; i++) {
        const h = await newHost(n, 0.1);
        out.push({ h, sessions: countSessions(h, false) });
    }
    return out;
}

function totals(ls: Lane[]) {
    const m = ls.map((l) => measure(l.h, l.sessions()));
    const sum = (k: "sessions" | "writes" | "restarts") => m.reduce((a, x) => a + x[k], 0);
    return { sessions: sum("sessions"), writes: sum("writes"), restarts: sum("restarts") };
}

async function must(s: PulumiStack, what: string) {
    const r = await s.run(["up", "--yes", "-s", s.stack]);
    if (r.code !== 0) {
        throw new Error(
            `${what}: exit ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`,
        );
    }
    return r;
}

/** One stack, `hosts` form. */
async function oneStack(hosts: number, n: number): Promise<FleetRow[]> {
    const ls = await lanes(hosts, n);
    const s = await PulumiStack.create({ stack: `bench-fleet-${hosts}x${n}` });
    try {
        const entries = [];
        for (const [i, l] of ls.entries()) {
            const key = await s.secureValue(l.h.clientKey);
            entries.push({ name: `host${i + 1}`, privateKey: key, ...stackConfig(l.h, n, true) });
        }
        s.setConfig({ hosts: entries });
        totals(ls);
        const rows: FleetRow[] = [];
        for (const scenario of ["first converge", "no-op up"]) {
            const r = await must(s, `fleet ${scenario}`);
            rows.push({
                side: `1 stack, ${hosts} hosts`,
                scenario,
                wall: r.ms / 1000,
                ops: opsOf(r.stdout),
                ...totals(ls),
            });
            process.stderr.write(`  fleet ${scenario}: ${(r.ms / 1000).toFixed(1)} s\n`);
        }
        return rows;
    } finally {
        s.cleanup();
        for (const l of ls) await l.h.stop();
    }
}

/** H single-host stacks, one after another. */
async function separateStacks(hosts: number, n: number): Promise<FleetRow[]> {
    const ls = await lanes(hosts, n);
    const stacks: PulumiStack[] = [];
    try {
        for (const [i, l] of ls.entries()) {
            const s = await PulumiStack.create({ stack: `bench-single${i + 1}-${n}` });
            await s.setSecret("privateKey", l.h.clientKey);
            s.setConfig(stackConfig(l.h, n, true));
            stacks.push(s);
        }
        totals(ls);
        const rows: FleetRow[] = [];
        for (const scenario of ["first converge", "no-op up"]) {
            let wall = 0;
            const ops: string[] = [];
            for (const s of stacks) {
                const r = await must(s, `${s.stack} ${scenario}`);
                wall += r.ms / 1000;
                ops.push(opsOf(r.stdout));
            }
            rows.push({
                side: `${hosts} stacks in a row`,
                scenario,
                wall,
                ops: ops.join(" / "),
                ...totals(ls),
            });
            process.stderr.write(`  ${hosts} stacks ${scenario}: ${wall.toFixed(1)} s\n`);
        }
        return rows;
    } finally {
        for (const s of stacks) s.cleanup();
        for (const l of ls) await l.h.stop();
    }
}

export async function fleetBench(hosts: number, n: number, out: string): Promise<number> {
    const load0 = os.loadavg()[0];
    const rows = [...(await oneStack(hosts, n)), ...(await separateStacks(hosts, n))];
    const text = [
        `### Fleet: ${hosts} hosts × ${n} apps (${new Date().toISOString().slice(0, 16)}Z, load ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}, ${os.cpus().length} CPUs)`,
        "",
        "| side | scenario | wall s | SSH sessions | dokku writes | restarts | engine |",
        "|---|---|---:|---:|---:|---:|---|",
        ...rows.map(
            (r) =>
                `| ${r.side} | ${r.scenario} | ${r.wall.toFixed(1)} | ${r.sessions} | ${r.writes} | ${r.restarts} | ${r.ops} |`,
        ),
        "",
    ].join("\n");
    process.stdout.write(text);
    if (out) fs.appendFileSync(out, "\n" + text);
    const noisy = rows.filter((r) => r.scenario === "no-op up" && r.writes + r.restarts > 0);
    for (const r of noisy) process.stderr.write(`bench: ${r.side}: the no-op up wrote\n`);
    return noisy.length ? 1 : 0;
}
