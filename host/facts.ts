/**
 * The host report's script (`npm run verify`): the probe, then read-only
 * facts about the cache directories, Docker's build cache, disks, the prune
 * schedule and daemon.json's builder GC; two JSON lines, and their parser.
 * Nothing here writes to the host.
 */
import { DesiredState } from "../model/desired-state";
import { DOKKU_PRUNE_UNIT, UNIT_NAME } from "./build-cache";
import {
    DockerfileFacts,
    dockerfileCandidates,
    dockerfileFactsScript,
    parseDockerfileFacts,
} from "./dockerfile-cache";
import { diskFunctionSh } from "./disk";
import { DiskFs } from "../rules/disk";
import { Observed, parseProbe, probeScript } from "./probe";
import { SH } from "./generated/scripts";
import { shAssign, shJoin, shLines } from "./shell";

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
    /** Free space per file system: Docker's data root, /var/lib/dokku, the shared root, the state dir (host/disk.ts). */
    disk: DiskFs[];
    scheduler: "systemd" | "cron" | "none";
    daemonGc: Record<string, unknown> | null;
    /** The last run of the shared-cache pass per cache (`<stateDir>/caches/<name>.json`). */
    lastPruned?: Record<string, { at: number; status: string; before: number; after: number }>;
    /** Dokku's own build caches: herokuish `cache-<app>` and pack `pack-cache-*` volumes. */
    volumes?: { name: string; bytes: number | null }[];
    /** Leftover per-app cache directories (`$DOKKU_ROOT/<app>/cache`, dokku#7685). */
    leftoverDirs?: { path: string; bytes: number }[];
    /** Dokku's `docker-builder-prune` (Dokku ≥ 0.35): where it is, and whether we disabled it. */
    dokkuPrune?: { found: "systemd" | "cron" | "none"; disabledByUs: boolean };
}

/** Read-only facts about caches, Docker and disks; one JSON line. */
export function factsScript(
    d: Pick<DesiredState, "dirs" | "hostPaths" | "stateDir" | "sharedRoot">,
): string {
    const p = d.hostPaths;
    const header = shAssign({
        DSC_TIMER_FILE: `${p.systemdUnitDir}/${UNIT_NAME}.timer`,
        DSC_CRON_FILE: `${p.cronDir}/${UNIT_NAME}`,
        DSC_DAEMON_JSON: p.daemonJson,
        DSC_DOKKU_ROOT: p.dokkuRoot ?? "/home/dokku",
        DSC_DOKKU_TIMER: `${p.systemdUnitDir}/${DOKKU_PRUNE_UNIT}.timer`,
        DSC_DOKKU_CRON: `${p.cronDir}/${DOKKU_PRUNE_UNIT}`,
        DSC_DOKKU_REC: d.stateDir + "/dokku-prune.disabled",
    });
    return shLines([
        "set -u",
        // The caches as name/path pairs in the positional parameters.
        `set -- ${shJoin(d.dirs.flatMap((c) => [c.name, c.hostPath]))}`,
        header,
        diskFunctionSh({ sharedRoot: d.sharedRoot, stateDir: d.stateDir }),
        SH.facts,
    ]);
}

/**
 * The whole report script: the probe (app list, mounts, env of the stack's
 * apps, and of every host app with `everyApp`, for `discover`) then the
 * facts; two JSON lines.
 */
export function reportScript(d: DesiredState, everyApp: boolean): string {
    // The probe in a subshell: on a full disk it answers without its temp dir and ends with
    // `exit 0`, which must not end the report before the facts (free space per file system).
    return `(
${probeScript(
    d.apps.map((a) => a.name),
    everyApp,
    "",
    d.stateDir,
)}
)
${factsScript(d)}${dockerfileReportSh(d)}`;
}

/** The third line, for Dockerfile apps (host/dockerfile-cache.ts); "" when the stack has none. */
function dockerfileReportSh(d: DesiredState): string {
    const apps = dockerfileCandidates(d.apps);
    if (apps.length === 0) return "";
    return `\n${dockerfileFactsScript(apps, {
        dokkuRoot: d.hostPaths.dokkuRoot ?? "/home/dokku",
        daemonJson: d.hostPaths.daemonJson,
    })}`;
}

export function parseReportOutput(stdout: string): {
    observed: Observed;
    facts: HostFacts;
    dockerfile?: DockerfileFacts;
} {
    const lines = stdout.split("\n").filter((l) => l.trim() !== "");
    if (lines.length < 2) throw new Error("unexpected report output: " + stdout.slice(0, 200));
    return {
        observed: parseProbe(lines[0]),
        facts: JSON.parse(lines[1]) as HostFacts,
        ...(lines[2] ? { dockerfile: parseDockerfileFacts(lines[2]) } : {}),
    };
}
