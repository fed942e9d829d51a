/**
 * The Dokku version gate on the host: the shell twin of rules/dokku-version.ts
 * (the floor, the refusal, the Dokku versions read), run before any write.
 */
import { MIN_DOKKU_VERSION, parseDokkuVersion, refusal } from "../rules/dokku-version";
import { SH } from "./generated/scripts";
import { shAssign } from "./shell";

/**
 * Shell that reads `dokku version` once into `DOKKU_VERSION` (X.Y.Z, empty
 * if unknown) and, below {@link MIN_DOKKU_VERSION} or unknown, prints the
 * refusal for app `$APP` and exits VERSION_EXIT (rules/dokku-version.ts). Run it before any
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
