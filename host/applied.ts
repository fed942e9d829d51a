/**
 * What the last successful converge of an app applied, recorded in the app's
 * ledger on the host (`applied`), so that drift detection compares the host
 * with what the last `up` did, not with what the stack now wants: a cache
 * added to the stack is a change of the stack (the preview shows it as the
 * app's change), not a drift of the host (report/drift.ts).
 */
import { AppDesired } from "../model/desired-state";
import { SH } from "./generated/scripts";
import { shAssign, shLines } from "./shell";

/** The ledger's `applied` record: mounts by host and container path, env by key. */
export interface AppliedRecord {
    mounts: { h: string; c: string }[];
    env: Record<string, string>;
}

export function appliedOf(app: Pick<AppDesired, "mounts" | "env">): AppliedRecord {
    return {
        mounts: app.mounts.map((m) => ({ h: m.hostPath, c: m.containerPath })),
        env: app.env,
    };
}

/**
 * Shell appended to an app's converge script (host/app-converge.ts, which
 * sets `LEDGER` and has written it by its end): records {@link appliedOf}
 * in the ledger. It runs only when the converge got to its end (every
 * failure exits before), so an interrupted converge leaves no record and
 * the probe falls back to what the ledger says this program owns.
 */
export function recordAppliedSh(app: Pick<AppDesired, "mounts" | "env">): string {
    return shLines([
        shAssign({ DSC_APPLIED: JSON.stringify(appliedOf(app)) }),
        SH["record-applied"],
    ]);
}

/**
 * jq over an app's ledger: what the probe reports as applied by the last
 * converge: the `applied` record, else (a ledger written before it existed,
 * or by an interrupted converge) the mounts and env values this program
 * owns.
 */
export const APPLIED_JQ =
    ".applied // {mounts: [(.mounts // [])[] | {h, c}], env: ((.env // {}) | map_values(.ours))}";
