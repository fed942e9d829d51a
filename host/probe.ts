/**
 * The read-only probe script, run while the program runs (at preview and up):
 * the app list (for `discover`) and each managed app's mounts and env (for
 * drift detection, since `remote.Command` has no refresh), and its parser.
 * Pure; io/ssh.ts sends it.
 */
import { shQuote } from "./shell";

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
    /** True when mounts and env were not read (the program never converged this app). */
    unread?: boolean;
}

export interface Observed {
    apps: string[];
    state: Record<string, ObservedApp>;
}

/**
 * Read-only script: one JSON document on stdout. Only `dokku` reads. With
 * `everyApp`, it also reads the state of every app the host lists (names
 * that are not valid Dokku 0.38 app names are listed but never read).
 */
export function probeScript(apps: readonly string[], everyApp = false, stateDir = ""): string {
    return `set -eu
STATE=${shQuote(stateDir)}
list=$(dokku --quiet apps:list 2>/dev/null || true)
nl='
'

printf '{"apps":%s,"state":{' "$(printf '%s\\n' "$list" | jq -R . | jq -sc 'map(select(. != ""))')"
sep=''
probe_one() {
  app=$1
  case "$nl$list$nl" in
    *"$nl$app$nl"*)
    if [ -n "$STATE" ] && [ ! -s "$STATE/apps/$app.json" ]; then
      # Never converged by this program: nothing of ours can have drifted, and
      # its converge reads the state anyway; skip the two reads.
      printf '%s%s:{"exists":true,"mounts":[],"env":{},"repair":null,"unread":true}' "$sep" "$(printf '%s' "$app" | jq -R .)"
      sep=','
      return 0
    fi
    m=$(dokku storage:list "$app" --format json)
    e=$(dokku config:export --format json "$app")
    rep=null
    if [ -n "$STATE" ] && [ -s "$STATE/apps/$app.json" ]; then rep=$(jq -r '.repair // 0' "$STATE/apps/$app.json" 2>/dev/null || echo 0); fi
    printf '%s%s:{"exists":true,"mounts":%s,"env":%s,"repair":%s}' "$sep" "$(printf '%s' "$app" | jq -R .)" "$m" "$e" "$rep"
    ;;
    *)
    printf '%s%s:{"exists":false,"mounts":[],"env":{}}' "$sep" "$(printf '%s' "$app" | jq -R .)"
    ;;
  esac
  sep=','
}
for app in ${apps.length ? apps.map(shQuote).join(" ") : "''"}; do
  if [ -n "$app" ]; then probe_one "$app"; fi
done
${
    everyApp
        ? `printf '%s\\n' "$list" | while IFS= read -r app; do
  case "$app" in ''|*[!a-z0-9.-]*|[.-]*) continue ;; esac
  for known in ${apps.length ? apps.map(shQuote).join(" ") : "''"}; do [ "$known" = "$app" ] && continue 2; done
  probe_one "$app"
done`
        : ""
}
printf '}}\\n'
`;
}

export function parseProbe(stdout: string): Observed {
    const o = JSON.parse(stdout) as Observed;
    if (!Array.isArray(o.apps) || typeof o.state !== "object")
        throw new Error("unexpected probe output");
    return o;
}
