/**
 * A read-only look at the host, made while the program runs (at preview and
 * up): the app list (for `discover`) and each managed app's mounts and env
 * (for drift detection, since `remote.Command` has no refresh). The script
 * and the parsing are pure; {@link runSsh} is the only I/O, through the
 * system OpenSSH client with the pinned host key.
 */
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConnectionSpec } from "./config";
import { AppDesired } from "./model";
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

/**
 * What is missing or wrong on the host for one app, as a short stable text
 * ("" when in sync). Used as a trigger so `pulumi preview` shows drift.
 */
export function driftOf(
    app: Pick<AppDesired, "mounts" | "env">,
    observed: ObservedApp | undefined,
): string {
    if (!observed) return "";
    if (!observed.exists) return "app missing on host";
    const problems: string[] = [];
    for (const m of app.mounts) {
        const found = observed.mounts.find(
            (o) => o.host_path === m.hostPath && o.container_path === m.containerPath,
        );
        if (!found) problems.push(`mount ${m.containerPath} missing`);
    }
    for (const [k, v] of Object.entries(app.env)) {
        if (observed.env[k] !== v)
            problems.push(`env ${k} ${k in observed.env ? "differs" : "missing"}`);
    }
    return problems.join("; ");
}

/** Lines for an OpenSSH known_hosts file pinning `hostKey` for host:port. */
export function knownHostsLine(host: string, port: number, hostKey: string): string {
    const name = port === 22 ? host : `[${host}]:${port}`;
    return `${name} ${hostKey.split(" ").slice(0, 2).join(" ")}\n`;
}

/**
 * Runs `script` on the host through the system `ssh` client: pinned host key
 * (StrictHostKeyChecking=yes with a private known_hosts), the key from a 0600
 * temp file removed afterwards, bounded connection attempts.
 */
export async function runSsh(
    conn: ConnectionSpec,
    privateKey: string,
    script: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-ssh-"));
    try {
        const keyFile = path.join(dir, `id-${crypto.randomBytes(4).toString("hex")}`);
        fs.writeFileSync(keyFile, privateKey.endsWith("\n") ? privateKey : privateKey + "\n", {
            mode: 0o600,
        });
        const known = path.join(dir, "known_hosts");
        const opts = [
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            `ConnectTimeout=${conn.perDialTimeout}`,
            "-o",
            `ConnectionAttempts=${conn.dialErrorLimit}`,
            "-o",
            "LogLevel=ERROR",
            "-F",
            "/dev/null",
        ];
        if (conn.hostKey) {
            fs.writeFileSync(known, knownHostsLine(conn.host, conn.port, conn.hostKey));
            opts.push(
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                `UserKnownHostsFile=${known}`,
                "-o",
                "GlobalKnownHostsFile=/dev/null",
            );
        } else {
            opts.push("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null");
        }
        const args = [
            ...opts,
            "-i",
            keyFile,
            "-p",
            String(conn.port),
            `${conn.user}@${conn.host}`,
            "sh -s",
        ];
        return await new Promise((resolve, reject) => {
            const p = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            p.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
            p.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
            p.on("error", reject);
            p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
            // ssh may exit (unreachable host, refused key) before reading the script.
            p.stdin.on("error", () => undefined);
            p.stdin.end(script);
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Probes the host read-only; throws with ssh's message when it cannot. */
export async function probeHost(
    conn: ConnectionSpec,
    privateKey: string,
    apps: readonly string[],
    everyApp = false,
    stateDir = "",
): Promise<Observed> {
    const r = await runSsh(conn, privateKey, probeScript(apps, everyApp, stateDir));
    if (r.code !== 0) {
        throw new Error(
            `dokku-shared-cache: cannot read ${conn.user}@${conn.host}:${conn.port} (ssh exit ${r.code}): ${r.stderr.trim()}`,
        );
    }
    return parseProbe(r.stdout);
}
