/**
 * The read-only probe script, run while the program runs (at preview and up):
 * the app list (for `discover`) and each managed app's mounts and env (for
 * drift detection, since `remote.Command` has no refresh), and its parser.
 * Pure; io/ssh.ts sends it.
 */
import { APPLIED_JQ, AppliedRecord } from "./applied";
import { BUILD_SEEN_JQ } from "./build-options";
import { DiskPaths, diskFunctionSh, firstAidRecord } from "./disk";
import { DiskFs } from "../rules/disk";
import { SH } from "./generated/scripts";
import { shAssign, shJoin, shLines } from "./shell";

export interface ObservedApp {
    exists: boolean;
    mounts: {
        host_path: string;
        container_path: string;
        readonly?: boolean;
        volume_options?: string;
    }[];
    env: Record<string, string>;
    /** Drift repairs recorded in this program's ledger on the host; null when it never converged this app. */
    repair?: number | null;
    /**
     * What the last converge applied, from the app's ledger (host/applied.ts); null or absent
     * when the ledger has none (drift is then judged against the stack).
     */
    applied?: AppliedRecord | null;
    /** True when mounts and env were not read (the program never converged this app). */
    unread?: boolean;
    /**
     * Build-phase docker-options this program added (its ledger, host/build-options.ts) and
     * those of them the host no longer lists; `builder` as the last converge resolved it.
     * Absent when the ledger holds none (nothing of ours to check).
     */
    build?: { builder: string | null; ours: string[]; missing: string[] };
}

export interface Observed {
    apps: string[];
    /** What `dokku version` printed (absent from probes that did not read it). */
    dokkuVersion?: string;
    state: Record<string, ObservedApp>;
    /** Free space per file system (host/disk.ts), when the probe was asked for it. */
    disk?: DiskFs[] | null;
    /** The generation the first aid last recorded on the host (0: never). */
    firstAid?: number;
    /** True when the host had no room for the probe's temp dir: apps were not read (unread). */
    degraded?: boolean;
}

/**
 * Read-only script: one JSON document on stdout. Only `dokku` reads. With
 * `everyApp`, it also reads the state of every app the host lists (names
 * that are not valid Dokku 0.38 app names are listed but never read).
 *
 * The two reads of each app run in the background, at most twice the host's
 * CPU count (2..8) apps at once: each `dokku` call is a bash process with
 * plugin triggers (tens of ms of CPU), so one after another they were most of
 * a no-op `pulumi up` (see bench/results.md). Each app's JSON goes to a file
 * in a private temp dir (removed on exit) and the document is assembled in
 * the order asked; a failed read fails the whole probe with its message.
 */
export function probeScript(
    apps: readonly string[],
    everyApp = false,
    stateDir = "",
    /** Where to find the ledgers for the build-option reads (`verify` passes it without `stateDir`). */
    buildStateDir = stateDir,
    /** Also read free space and the first aid's generation (host/disk.ts). */
    disk?: DiskPaths,
): string {
    // The stack's apps are the script's positional parameters (`set -- …`).
    const header = shAssign({
        STATE: stateDir,
        BSTATE: buildStateDir,
        DSC_EVERY_APP: String(everyApp),
        DSC_APPLIED_JQ: APPLIED_JQ,
        DSC_BUILD_SEEN_JQ: BUILD_SEEN_JQ,
        ...(disk ? { DSC_FA_REC: firstAidRecord(disk.stateDir) } : { dsc_extra: "" }),
    });
    return shLines([
        "set -eu",
        apps.length ? `set -- ${shJoin(apps)}` : "set --",
        header,
        // Read first, before anything that needs a temp file: on a full disk this is what counts.
        ...(disk ? [diskFunctionSh(disk), SH["probe-disk"]] : []),
        SH.probe,
    ]);
}

export function parseProbe(stdout: string): Observed {
    const o = JSON.parse(stdout) as Observed;
    if (!Array.isArray(o.apps) || typeof o.state !== "object")
        throw new Error("unexpected probe output");
    return o;
}
