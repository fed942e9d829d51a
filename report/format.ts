/**
 * The host report as text: the table `npm run verify` prints.
 */
import { parseVersion } from "../rules/prune-table";
import { dockerfileBuildsLines } from "./dockerfile-builds";
import { humanBytes } from "./bytes";
import { HostReport } from "./host-report";

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
        "(Storage mounts reach deploy and run containers only, never an image build: a build uses the caches through a build-phase docker-option (herokuish, pack) or a BuildKit cache mount in its Dockerfile.)",
        "",
    );
    const cacheRows = [
        ["CACHE", "PATH", "SIZE", "BOUND", "PRUNE", "LAST PRUNED", "OWNER", "MODE", "STATUS"],
    ];
    for (const c of r.caches) {
        cacheRows.push([
            c.name,
            c.path,
            c.exists ? humanBytes(c.bytes) : "-",
            c.maxBytes === null ? "-" : humanBytes(c.maxBytes),
            c.prune ?? "-",
            c.lastPruned
                ? `${new Date(c.lastPruned.at * 1000).toISOString().slice(0, 16)}Z ${c.lastPruned.status}`
                : "never",
            c.owner ?? "-",
            c.mode ?? "-",
            !c.exists
                ? "missing"
                : c.overBound
                  ? "OVER BOUND"
                  : c.ok
                    ? "ok"
                    : `want ${c.wantOwner} ${c.wantMode}`,
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
    out.push(...diskLines(r));
    out.push("", ...accountingLines(r), "");
    if (r.dockerfileBuilds) out.push(...dockerfileBuildsLines(r.dockerfileBuilds), "");
    out.push(
        `Apps on the host not managed by this stack: ${r.unmanagedApps.length ? r.unmanagedApps.join(", ") : "none"}`,
    );
    if (r.warnings.length) out.push("", "Warnings:", ...r.warnings.map((w) => `  - ${w}`));
    if (r.problems.length) out.push("", "Problems:", ...r.problems.map((p) => `  - ${p}`));
    return out.join("\n") + "\n";
}

const DISK_LABELS: Record<string, string> = {
    docker: "Docker",
    dokku: "Dokku",
    shared: "the shared caches",
    state: "the state dir",
};

/** Free space, one line per file system (deduplicated by mount), with what lives there. */
export function diskLines(r: Pick<HostReport, "disk" | "diskMinFree">): string[] {
    return r.disk.map((dk) => {
        const used = dk.sizeBytes > 0 ? Math.round((1 - dk.availBytes / dk.sizeBytes) * 100) : 0;
        const what = dk.labels.map((l, i) => `${DISK_LABELS[l] ?? l} ${dk.paths[i]}`).join(", ");
        const low =
            dk.availBytes < r.diskMinFree
                ? `  LOW: below disk.minFree ${humanBytes(r.diskMinFree)}`
                : "";
        return `Disk ${dk.mount}: ${humanBytes(dk.availBytes)} free of ${humanBytes(dk.sizeBytes)} (${used}% used) for ${what}${low}`;
    });
}

/** The disk accounting section: every cache byte on the host, one row per place. */
export function accountingLines(r: HostReport): string[] {
    const a = r.accounting;
    const rows = [["DISK ACCOUNTING", "WHERE", "SIZE", "NOTE"]];
    rows.push([
        "Docker build cache",
        "docker daemon",
        humanBytes(a.buildCache.totalBytes),
        `reclaimable ${humanBytes(a.buildCache.reclaimableBytes)}`,
    ]);
    for (const c of r.caches) {
        rows.push([
            `shared cache ${c.name}`,
            c.path,
            c.exists ? humanBytes(c.bytes) : "-",
            c.maxBytes === null ? "no bound" : `bound ${humanBytes(c.maxBytes)}`,
        ]);
    }
    for (const v of a.volumes) {
        rows.push([
            `${v.kind} volume${v.app ? ` (app ${v.app})` : ""}`,
            v.name,
            humanBytes(v.bytes),
            "Dokku's; purge: npm run purge-app-cache",
        ]);
    }
    for (const l of a.leftoverDirs) {
        rows.push(["leftover app cache dir", l.path, humanBytes(l.bytes), "unused (dokku#7685)"]);
    }
    rows.push(["TOTAL", "", humanBytes(a.totalBytes), ""]);
    const dk = a.dokkuPrune;
    return [
        ...table(rows),
        `Dokku's own builder prune (docker-builder-prune): ${dk.found === "none" ? "not installed" : dk.found}${dk.disabledByUs ? " (disabled by this stack; restored on destroy)" : ""}`,
    ];
}
