/**
 * The host report behind `npm run verify`: one read-only SSH session that
 * reads each managed app's mounts and env, the cache directories (size,
 * owner, mode), Docker's build cache, free disk, the prune schedule and the
 * builder GC in daemon.json; then a pure comparison with the desired state
 * and a table (or JSON). Nothing here writes to the host.
 */
import {
    PruneVariant,
    UNIT_NAME,
    parseBuildxVersion,
    parseDockerSize,
    parseVersion,
    pruneVariant,
} from "./build-cache";
import { DOKKU_FOR, GODOTENV_VERSIONS, envKeyRoundTrip, envRoundTrip } from "./env-safety";
import { ObservedApp, Observed, driftOf, parseProbe, probeScript } from "./host-probe";
import { DesiredState, mountArg } from "./model";
import { statMode } from "./scripts";
import { shQuote } from "./shell";

/** What the second half of the report script prints. */
export interface HostFacts {
    caches: Record<
        string,
        { exists: boolean; bytes?: number; owner?: string; mode?: string; path: string }
    >;
    docker: {
        engine: string;
        /** The first line of `docker buildx version`, "" without buildx. */
        buildx: string;
        rootDir: string;
        /** `docker system df --format '{{json .}}'` rows, or null when Docker did not answer. */
        df: { Type: string; Size: string; Reclaimable: string; TotalCount: string }[] | null;
    };
    disk: { label: string; path: string; mount: string; sizeBytes: number; availBytes: number }[];
    scheduler: "systemd" | "cron" | "none";
    daemonGc: Record<string, unknown> | null;
}

/** Read-only facts about caches, Docker and disks; one JSON line. */
export function factsScript(d: Pick<DesiredState, "dirs" | "hostPaths" | "stateDir">): string {
    const caches = d.dirs.map((c) => `${shQuote(c.name)} ${shQuote(c.hostPath)}`).join(" ");
    const p = d.hostPaths;
    return `set -u
js() { printf '%s' "$1" | jq -R -s .; }
printf '{"caches":{'
sep=''
set -- ${caches}
while [ $# -ge 2 ]; do
  name=$1; dir=$2; shift 2
  if [ -d "$dir" ] && [ ! -L "$dir" ]; then
    bytes=$(du -sb -- "$dir" 2>/dev/null | cut -f1); st=$(stat -c '%u:%g %a' -- "$dir")
    printf '%s%s:{"path":%s,"exists":true,"bytes":%s,"owner":%s,"mode":%s}' "$sep" "$(js "$name")" "$(js "$dir")" "\${bytes:-0}" "$(js "\${st% *}")" "$(js "\${st#* }")"
  else
    printf '%s%s:{"path":%s,"exists":false}' "$sep" "$(js "$name")" "$(js "$dir")"
  fi
  sep=','
done
engine=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || engine=""
bx=$(docker buildx version 2>/dev/null | head -n 1) || bx=""
root=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null) || root=""
df=$(docker system df --format '{{json .}}' 2>/dev/null | jq -sc .) || df=null
[ -n "$df" ] || df=null
printf '},"docker":{"engine":%s,"buildx":%s,"rootDir":%s,"df":%s},"disk":[' "$(js "$engine")" "$(js "$bx")" "$(js "$root")" "$df"
sep=''
for p in "\${root:-/var/lib/docker}" ${shQuote(d.dirs[0]?.hostPath ?? d.stateDir)}; do
  if [ -z "$sep" ]; then label=docker; else label=caches; fi
  while [ ! -e "$p" ] && [ "$p" != / ]; do p=$(dirname -- "$p"); done
  line=$(df -P -B1 -- "$p" 2>/dev/null | awk 'NR==2 {print $2, $4, $6}')
  if [ -n "$line" ]; then
    set -- $line
    printf '%s{"label":"%s","path":%s,"sizeBytes":%s,"availBytes":%s,"mount":%s}' "$sep" "$label" "$(js "$p")" "$1" "$2" "$(js "$3")"
    sep=','
  fi
done
if [ -e ${shQuote(`${p.systemdUnitDir}/${UNIT_NAME}.timer`)} ]; then sched=systemd
elif [ -e ${shQuote(`${p.cronDir}/${UNIT_NAME}`)} ]; then sched=cron
else sched=none; fi
gc=$(jq -c '.builder.gc // null' ${shQuote(p.daemonJson)} 2>/dev/null) || gc=null
[ -n "$gc" ] || gc=null
printf '],"scheduler":"%s","daemonGc":%s}\\n' "$sched" "$gc"
`;
}

/**
 * The whole report script: the probe (app list, mounts, env of the stack's
 * apps, and of every host app with `everyApp`, for `discover`) then the
 * facts; two JSON lines.
 */
export function reportScript(d: DesiredState, everyApp: boolean): string {
    return `${probeScript(
        d.apps.map((a) => a.name),
        everyApp,
    )}\n${factsScript(d)}`;
}

export function parseReportOutput(stdout: string): { observed: Observed; facts: HostFacts } {
    const lines = stdout.split("\n").filter((l) => l.trim() !== "");
    if (lines.length < 2) throw new Error("unexpected report output: " + stdout.slice(0, 200));
    return {
        observed: parseProbe(lines[0]),
        facts: JSON.parse(lines[1]) as HostFacts,
    };
}

export interface AppReport {
    name: string;
    exists: boolean;
    group?: string;
    mounts: { arg: string; present: boolean }[];
    env: { key: string; want: string; actual: string | null }[];
    builder: string;
    cachesHelpBuild: boolean;
    drift: string;
}

export interface CacheReport {
    name: string;
    path: string;
    exists: boolean;
    bytes: number | null;
    owner: string | null;
    mode: string | null;
    wantOwner: string;
    wantMode: string;
    ok: boolean;
}

export interface HostReport {
    host: string;
    inSync: boolean;
    problems: string[];
    apps: AppReport[];
    caches: CacheReport[];
    buildCache: {
        engine: string;
        buildx: string;
        variant: PruneVariant | null;
        sizeBytes: number | null;
        reclaimableBytes: number | null;
        scheduler: string;
        wantSchedule: string;
        daemonGc: Record<string, unknown> | null;
        wantGc: boolean;
    };
    disk: HostFacts["disk"];
    unmanagedApps: string[];
}

/**
 * An app's env values (as Dokku reads them now) that Dokku's next config
 * write would corrupt or make unreadable (components/env-safety.ts; the
 * host's Dokku version is not read, so both godotenv versions are checked,
 * each named). Values are not printed: they may be secrets.
 */
export function envValueProblems(app: string, env: Record<string, string>): string[] {
    const out: string[] = [];
    for (const [key, value] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1))) {
        const whys = GODOTENV_VERSIONS.flatMap((v) => {
            const k = envKeyRoundTrip(key, v);
            const r = envRoundTrip(value, v, key);
            return [
                ...(k.ok ? [] : [`its key ${k.why} on ${DOKKU_FOR[v]}`]),
                ...(r.ok ? [] : [`its value ${r.why} on ${DOKKU_FOR[v]}`]),
            ];
        });
        if (whys.length) {
            out.push(
                `app ${app}: env ${key}: Dokku rewrites the app's ENV file on every config write and would not keep it: ${whys.join("; ")}; fix it on the host (dokku config:set ${app} ${key}=... or dokku config:unset ${app} ${key}) before the next pulumi up`,
            );
        }
    }
    return out;
}

/** Compares what the host has with the desired state. Pure. */
export function buildReport(
    d: DesiredState,
    observed: Observed,
    facts: HostFacts,
    host: string,
): HostReport {
    const problems: string[] = [];
    const apps: AppReport[] = d.apps.map((a) => {
        const o: ObservedApp = observed.state[a.name] ?? { exists: false, mounts: [], env: {} };
        const drift = driftOf(a, o);
        if (drift) problems.push(`app ${a.name}: ${drift}`);
        problems.push(...envValueProblems(a.name, o.env));
        return {
            name: a.name,
            exists: o.exists,
            ...(a.group ? { group: a.group } : {}),
            mounts: a.mounts.map((m) => ({
                arg: mountArg(m),
                present: o.mounts.some(
                    (x) => x.host_path === m.hostPath && x.container_path === m.containerPath,
                ),
            })),
            env: Object.entries(a.env).map(([key, want]) => ({
                key,
                want,
                actual: o.env[key] ?? null,
            })),
            builder: a.builder,
            cachesHelpBuild: a.cachesHelpBuild,
            drift,
        };
    });
    const caches: CacheReport[] = d.dirs.map((c) => {
        const f = facts.caches[c.name] ?? { exists: false, path: c.hostPath };
        const wantMode = statMode(c.mode);
        const ok = f.exists && f.owner === c.owner && f.mode === wantMode;
        if (!f.exists) problems.push(`cache ${c.name}: ${c.hostPath} missing`);
        else if (!ok)
            problems.push(
                `cache ${c.name}: owner/mode ${f.owner} ${f.mode}, want ${c.owner} ${wantMode}`,
            );
        return {
            name: c.name,
            path: c.hostPath,
            exists: f.exists,
            bytes: f.bytes ?? null,
            owner: f.owner ?? null,
            mode: f.mode ?? null,
            wantOwner: c.owner,
            wantMode,
            ok,
        };
    });
    const row = facts.docker.df?.find((r) => r.Type === "Build Cache");
    const b = d.buildCache;
    const wantSchedule = b ? b.schedule : "unmanaged";
    if (b && b.schedule !== "off" && facts.scheduler === "none") {
        problems.push(`build cache: no prune schedule installed (want ${b.schedule})`);
    }
    if (b?.gc && !facts.daemonGc) {
        problems.push("build cache: daemon.json has no builder.gc (want one)");
    }
    const managed = new Set(d.apps.map((a) => a.name));
    const buildx = parseBuildxVersion(facts.docker.buildx) ?? "";
    return {
        host,
        inSync: problems.length === 0,
        problems,
        apps,
        caches,
        buildCache: {
            engine: facts.docker.engine,
            buildx,
            variant: facts.docker.engine
                ? pruneVariant(facts.docker.engine, buildx || undefined)
                : null,
            sizeBytes: row ? (parseDockerSize(row.Size) ?? null) : null,
            reclaimableBytes: row ? (parseDockerSize(row.Reclaimable.split(" ")[0]) ?? null) : null,
            scheduler: facts.scheduler,
            wantSchedule,
            daemonGc: facts.daemonGc,
            wantGc: Boolean(b?.gc),
        },
        disk: facts.disk,
        unmanagedApps: observed.apps.filter((a) => !managed.has(a)),
    };
}

/** `1234567890` → `1.23 GB` (decimal, like Docker). */
export function humanBytes(n: number | null): string {
    if (n === null) return "?";
    const units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let i = 0;
    let v = n;
    while (v >= 1000 && i < units.length - 1) {
        v /= 1000;
        i++;
    }
    return i === 0 ? `${v} B` : `${v.toFixed(2)} ${units[i]}`;
}

function table(rows: string[][]): string[] {
    const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) =>
        r
            .map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i])))
            .join("  ")
            .trimEnd(),
    );
}

/** One line about the builder GC: what daemon.json sets, or what the engine does without it. */
export function gcText(gc: Record<string, unknown> | null, engine: string): string {
    if (gc) {
        const keys = Object.entries(gc)
            .filter(([k]) => k === "enabled" || k.startsWith("default"))
            .map(([k, v]) => `${k}=${String(v)}`);
        const policies = Array.isArray(gc.policy) ? gc.policy.length : 0;
        return `${keys.join(" ")}${policies ? ` + ${policies} polic${policies === 1 ? "y" : "ies"}` : ""}`;
    }
    const v = parseVersion(engine);
    if (!v) return "none";
    // contract §7: `enabled` defaults to true from 28.2; before, no automatic GC.
    return v[0] > 28 || (v[0] === 28 && v[1] >= 2)
        ? "none (this engine's default GC runs: reserved 10%, max-used 80%, min-free 20% of the disk)"
        : "none (this engine runs NO automatic build-cache GC: set buildCache.gc)";
}

/** The human-readable report. */
export function formatReport(r: HostReport): string {
    const out: string[] = [];
    out.push(
        `dokku-shared-cache report for ${r.host}: ${r.inSync ? "IN SYNC" : `DRIFT (${r.problems.length} problem${r.problems.length === 1 ? "" : "s"})`}`,
        "",
    );
    const appRows = [["APP", "MOUNTS", "ENV", "BUILDER", "CACHES HELP", "STATUS"]];
    for (const a of r.apps) {
        appRows.push([
            a.name + (a.group ? ` [${a.group}]` : ""),
            `${a.mounts.filter((m) => m.present).length}/${a.mounts.length}`,
            `${a.env.filter((e) => e.actual === e.want).length}/${a.env.length}`,
            a.builder,
            a.cachesHelpBuild ? "build+run" : "run time only",
            a.drift === "" ? "ok" : a.drift,
        ]);
    }
    out.push(...table(appRows));
    const missing = r.apps.flatMap((a) => [
        ...a.mounts.filter((m) => !m.present).map((m) => `  ${a.name}: mount ${m.arg} missing`),
        ...a.env
            .filter((e) => e.actual !== e.want)
            .map(
                (e) =>
                    `  ${a.name}: ${e.key}=${e.want} ${e.actual === null ? "missing" : `is ${JSON.stringify(e.actual)}`}`,
            ),
    ]);
    if (missing.length) out.push("", ...missing);
    out.push(
        "",
        "(Dokku mounts reach deploy and run containers only, never an image build: no app's build uses these caches.)",
        "",
    );
    const cacheRows = [["CACHE", "PATH", "SIZE", "OWNER", "MODE", "STATUS"]];
    for (const c of r.caches) {
        cacheRows.push([
            c.name,
            c.path,
            c.exists ? humanBytes(c.bytes) : "-",
            c.owner ?? "-",
            c.mode ?? "-",
            !c.exists ? "missing" : c.ok ? "ok" : `want ${c.wantOwner} ${c.wantMode}`,
        ]);
    }
    out.push(...table(cacheRows), "");
    const b = r.buildCache;
    out.push(
        `Docker build cache: ${humanBytes(b.sizeBytes)} (reclaimable ${humanBytes(b.reclaimableBytes)}); ` +
            `engine ${b.engine || "not reachable"}, buildx ${b.buildx || "none"}${b.variant ? ` (prune: ${b.variant})` : ""}`,
        `Prune schedule: ${b.scheduler} (wanted: ${b.wantSchedule})`,
        `Builder GC (daemon.json): ${gcText(b.daemonGc, b.engine)}${b.wantGc ? " (wanted)" : ""}`,
    );
    for (const dk of r.disk) {
        const used = dk.sizeBytes > 0 ? Math.round((1 - dk.availBytes / dk.sizeBytes) * 100) : 0;
        out.push(
            `Disk for ${dk.label === "docker" ? "Docker" : "the shared caches"} (${dk.path}, on ${dk.mount}): ${humanBytes(dk.availBytes)} free of ${humanBytes(dk.sizeBytes)} (${used}% used)`,
        );
    }
    out.push(
        `Apps on the host not managed by this stack: ${r.unmanagedApps.length ? r.unmanagedApps.join(", ") : "none"}`,
    );
    if (r.problems.length) out.push("", "Problems:", ...r.problems.map((p) => `  - ${p}`));
    return out.join("\n") + "\n";
}
