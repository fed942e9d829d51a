/**
 * Which Dokku versions this program supports, checked on the host, not
 * claimed: the probe (preview/up) and every app's converge read
 * `dokku version` once and refuse, before any write, below the floor.
 *
 * The floor is 0.37.5 (read in dokku/dokku v0.37.0..v0.37.10 and v0.38.x):
 * - 0.37.0–0.37.4: storage was still a shell plugin
 *   (`plugins/storage/internal-functions`): `storage:list --format json`
 *   prints multi-line JSON (`jq -M -n '[inputs]'`), and `storage:mount`'s
 *   duplicate check greps the deploy options for a prefix of the new mount,
 *   so a false "Mount path already exists." would leave a mount silently
 *   never added. Not supported: refused.
 * - 0.37.5–0.37.7: storage is the Go plugin of 0.37.10 (only `storage:report`
 *   argument order differs, which this program does not use); config uses
 *   godotenv v1.2.0 (the env checks follow the host's version).
 * - 0.37.8–0.37.10: godotenv v1.5.1.
 * - 0.38.0–0.38.12: `storage:list --format json` always prints
 *   `volume_options` (with `ro` folded in) and no `readonly`; the converge's
 *   plan reads both shapes.
 * - 0.38.13 and later 0.38.x: `readonly`, empty fields omitted.
 * Versions above the last tested line (0.39+) are not refused; the probe
 * warns that they are untested.
 */
import { SH } from "./generated/scripts";
import { shAssign } from "./shell";

/** The oldest Dokku this program runs against. */
export const MIN_DOKKU_VERSION = "0.37.5";
/** The newest minor line tested (later lines get a warning, not a refusal). */
export const LAST_TESTED_LINE = "0.38";
/** Exit code of a converge refused for the host's Dokku version. */
export const VERSION_EXIT = 9;

export type Version = [number, number, number];

/** `[0, 38, 27]` from `dokku version` output ("dokku version 0.38.27", "… v0.37.10-3-gabc"). */
export function parseDokkuVersion(out: string | undefined): Version | undefined {
    const m = /(\d+)\.(\d+)\.(\d+)/.exec(out ?? "");
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function cmp(a: Version, b: Version): number {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return 0;
}

function refusal(found: string): string {
    return (
        `this host runs Dokku ${found} (from \`dokku version\`); dokku-shared-cache supports Dokku ${MIN_DOKKU_VERSION} and later ` +
        `(below it, storage:list prints another JSON and storage:mount's duplicate check can skip a mount silently). ` +
        `Nothing was changed; upgrade Dokku and run again.`
    );
}

/** Why this host's Dokku is refused (its `dokku version` output), or undefined when supported. */
export function dokkuVersionProblem(out: string | undefined): string | undefined {
    const v = parseDokkuVersion(out);
    const floor = parseDokkuVersion(MIN_DOKKU_VERSION)!;
    if (!v) return refusal(`of unknown version ("${(out ?? "").trim().slice(0, 60)}")`);
    if (cmp(v, floor) < 0) return refusal(v.join("."));
    return undefined;
}

/** A warning for a Dokku line newer than the last tested one, or undefined. */
export function dokkuVersionWarning(out: string | undefined): string | undefined {
    const v = parseDokkuVersion(out);
    const [maj, min] = LAST_TESTED_LINE.split(".").map(Number);
    if (v && (v[0] > maj || (v[0] === maj && v[1] > min))) {
        return `this host runs Dokku ${v.join(".")}, newer than the last line tested (${LAST_TESTED_LINE}.x); going ahead`;
    }
    return undefined;
}

/**
 * Shell that reads `dokku version` once into `DOKKU_VERSION` (X.Y.Z, empty
 * if unknown) and, below {@link MIN_DOKKU_VERSION} or unknown, prints the
 * refusal for app `$APP` and exits {@link VERSION_EXIT}. Run it before any
 * write. The text is host/sh/dokku-version-gate.sh after a header of the floor and the refusal.
 */
export function dokkuVersionGateSh(): string {
    const [a, b, c] = parseDokkuVersion(MIN_DOKKU_VERSION)!;
    const [pre, post] = refusal("\u0000").split("\u0000");
    const header = shAssign({
        DSC_MIN_VN: String(a * 1000000 + b * 1000 + c),
        DSC_REFUSAL_PRE: pre,
        DSC_REFUSAL_POST: post,
    });
    return `${header}\n${SH["dokku-version-gate"]}`;
}
