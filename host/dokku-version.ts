/**
 * The Dokku version gate on the host: the shell twin of rules/dokku-version.ts
 * (the floor, the refusal, the Dokku versions read), run before any write.
 */
import {
    MIN_DOKKU_VERSION,
    VERSION_EXIT,
    parseDokkuVersion,
    refusal,
} from "../rules/dokku-version";
import { shQuote } from "./shell";

/**
 * Shell that reads `dokku version` once into `DOKKU_VERSION` (X.Y.Z, empty
 * if unknown) and, below {@link MIN_DOKKU_VERSION} or unknown, prints the
 * refusal for app `$APP` and exits {@link VERSION_EXIT}. Run it before any
 * write.
 */
export function dokkuVersionGateSh(): string {
    const [a, b, c] = parseDokkuVersion(MIN_DOKKU_VERSION)!;
    const floor = a * 1000000 + b * 1000 + c;
    const [pre, post] = refusal("\u0000").split("\u0000");
    return `DOKKU_VERSION=$(dokku version 2>/dev/null </dev/null | grep -o '[0-9][0-9]*\\.[0-9][0-9]*\\.[0-9][0-9]*' | head -n 1) || DOKKU_VERSION=""
dsc_vn=$(printf '%s\\n' "$DOKKU_VERSION" | awk -F. 'NF == 3 { print $1 * 1000000 + $2 * 1000 + $3; next } { print -1 }')
if [ "$dsc_vn" -lt ${floor} ]; then
  printf 'dokku-shared-cache: app %s: %s%s%s\\n' "$APP" ${shQuote(pre)} "\${DOKKU_VERSION:-of unknown version}" ${shQuote(post)} >&2
  exit ${VERSION_EXIT}
fi`;
}
