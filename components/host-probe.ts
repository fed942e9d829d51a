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
    /** What `dokku version` printed (absent from probes that did not read it). */
    dokkuVersion?: string;
    state: Record<string, ObservedApp>;
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
export function probeScript(apps: readonly string[], everyApp = false, stateDir = ""): string {
    const explicit = apps.length ? apps.map(shQuote).join(" ") : "''";
    return `set -eu
STATE=${shQuote(stateDir)}
list=$(dokku --quiet apps:list 2>/dev/null || true)
# Read once per run: the program refuses an unsupported Dokku before any write.
ver=$(dokku version 2>/dev/null </dev/null || true)
nl='
'
P=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
case "$P" in ''|*[!0-9]*) P=1 ;; esac
P=$((P * 2)); [ "$P" -le 8 ] || P=8; [ "$P" -ge 2 ] || P=2
umask 077
pt=$(mktemp -d "\${TMPDIR:-/tmp}/dsc-probe.XXXXXX")
trap 'rm -rf "$pt"' EXIT
mkfifo "$pt/slots"
exec 9<>"$pt/slots"
i=0
while [ "$i" -lt "$P" ]; do echo >&9; i=$((i + 1)); done
k=0
read_one() { # app, file: both reads, then the app's JSON into the file
  if m=$(dokku storage:list "$1" --format json 2>"$2.err") &&
    e=$(dokku config:export --format json "$1" 2>>"$2.err"); then
    rep=null
    if [ -n "$STATE" ] && [ -s "$STATE/apps/$1.json" ]; then rep=$(jq -r '.repair // 0' "$STATE/apps/$1.json" 2>/dev/null || echo 0); fi
    printf '%s:{"exists":true,"mounts":%s,"env":%s,"repair":%s}' "$(printf '%s' "$1" | jq -R .)" "$m" "$e" "$rep" >"$2"
  else
    echo "$?" >"$2.rc"
  fi
}
probe_one() {
  app=$1
  k=$((k + 1))
  f="$pt/$k.json"
  case "$nl$list$nl" in
    *"$nl$app$nl"*)
    if [ -n "$STATE" ] && [ ! -s "$STATE/apps/$app.json" ]; then
      # Never converged by this program: nothing of ours can have drifted, and
      # its converge reads the state anyway; skip the two reads.
      printf '%s:{"exists":true,"mounts":[],"env":{},"repair":null,"unread":true}' "$(printf '%s' "$app" | jq -R .)" >"$f"
      return 0
    fi
    read -r _ <&9
    { read_one "$app" "$f"; echo >&9; } &
    ;;
    *)
    printf '%s:{"exists":false,"mounts":[],"env":{}}' "$(printf '%s' "$app" | jq -R .)" >"$f"
    ;;
  esac
}
for app in ${explicit}; do
  if [ -n "$app" ]; then probe_one "$app"; fi
done
${
    everyApp
        ? `ifs=$IFS
IFS=$nl
set -f
for app in $list; do
  case "$app" in ''|*[!a-z0-9.-]*|[.-]*) continue ;; esac
  for known in ${explicit}; do [ "$known" = "$app" ] && continue 2; done
  probe_one "$app"
done
IFS=$ifs
set +f`
        : ""
}
wait
i=1
while [ "$i" -le "$k" ]; do
  if [ -e "$pt/$i.json.rc" ]; then
    cat "$pt/$i.json.err" >&2
    exit "$(cat "$pt/$i.json.rc")"
  fi
  i=$((i + 1))
done
printf '{"apps":%s,"dokkuVersion":%s,"state":{' "$(printf '%s\n' "$list" | jq -R . | jq -sc 'map(select(. != ""))')" "$(printf '%s' "$ver" | jq -Rs .)"
i=1
while [ "$i" -le "$k" ]; do
  [ "$i" -eq 1 ] || printf ','
  cat "$pt/$i.json"
  i=$((i + 1))
done
printf '}}\n'
exec 9>&-
rm -rf "$pt"
trap - EXIT
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
 * Runs `script` on the host through the system `ssh` client (the script on
 * stdin of `remoteCommand`, default `sh -s`, as remote.Command runs its
 * short command texts with its `stdin`): pinned host key
 * (StrictHostKeyChecking=yes with a private known_hosts), the key from a 0600
 * temp file removed afterwards, bounded connection attempts.
 */
export async function runSsh(
    conn: ConnectionSpec,
    privateKey: string,
    script: string,
    remoteCommand = "sh -s",
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
            remoteCommand,
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

/**
 * What the program keeps of a probe between the two runs of one `pulumi up`
 * (the preview phase and the update phase): the host's app list and, per
 * managed app, the drift text and repair generation. Names and verdicts
 * only, never an env value.
 */
export interface ProbeVerdict {
    apps: string[];
    drift: Record<string, string>;
    repair?: Record<string, number>;
    /** Apps whose drift is warned about (converged by this program before). */
    warn: string[];
}

/** How long a preview phase's verdict may serve its update phase (e.g. an interactive `pulumi up` waiting for "yes"). */
export const VERDICT_TTL_MS = 10 * 60 * 1000;

/** pid, command name and start time (clock ticks since boot) from /proc/<pid>/stat; undefined off Linux. */
function procStat(pid: number): { ppid: number; comm: string; start: string } | undefined {
    try {
        const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const close = s.lastIndexOf(")");
        const rest = s.slice(close + 2).split(" ");
        return { comm: s.slice(s.indexOf("(") + 1, close), ppid: Number(rest[1]), start: rest[19] };
    } catch {
        return undefined;
    }
}

/**
 * The `pulumi` CLI process running this program, as "pid:start time": the
 * parent of the first ancestor that is a language host
 * (`pulumi-language-nodejs`, whose name the kernel cuts to 15 characters).
 * Both phases of one `pulumi up` run under the same CLI process; a later
 * command is another process. Undefined when not run by the engine (tests)
 * or off Linux: then every run probes.
 */
export function engineProcessId(from = process.ppid): string | undefined {
    let pid = from;
    for (let depth = 0; depth < 4 && pid > 1; depth++) {
        const st = procStat(pid);
        if (!st) return undefined;
        if (st.comm.startsWith("pulumi-language")) {
            const cli = procStat(st.ppid);
            return cli && st.ppid > 1 ? `${st.ppid}:${cli.start}` : undefined;
        }
        pid = st.ppid;
    }
    return undefined;
}

function verdictFile(id: string): string {
    const uid = typeof process.getuid === "function" ? process.getuid() : 0;
    const name = crypto.createHash("sha256").update(id).digest("hex").slice(0, 32);
    return path.join(os.tmpdir(), `dokku-shared-cache-${uid}`, `probe-${name}.json`);
}

/**
 * Keeps a preview phase's verdict for the update phase of the same
 * `pulumi up` (`id` names the CLI process and everything the probe and the
 * verdict depend on). Old verdicts (a `pulumi preview` has no update phase)
 * are removed.
 */
export function saveVerdict(id: string, v: ProbeVerdict, now = Date.now()): void {
    const f = verdictFile(id);
    const dir = path.dirname(f);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const old of fs.readdirSync(dir)) {
        const p = path.join(dir, old);
        try {
            if (now - fs.statSync(p).mtimeMs > VERDICT_TTL_MS) fs.rmSync(p, { force: true });
        } catch {
            // removed meanwhile
        }
    }
    const tmp = `${f}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(v), { mode: 0o600 });
    fs.renameSync(tmp, f);
}

/** The verdict saved by this `pulumi up`'s preview phase, once (it is removed); undefined when none or too old. */
export function takeVerdict(id: string, now = Date.now()): ProbeVerdict | undefined {
    const f = verdictFile(id);
    try {
        const age = now - fs.statSync(f).mtimeMs;
        const v = JSON.parse(fs.readFileSync(f, "utf8")) as ProbeVerdict;
        fs.rmSync(f, { force: true });
        return age <= VERDICT_TTL_MS &&
            Array.isArray(v.apps) &&
            Array.isArray(v.warn) &&
            typeof v.drift === "object"
            ? v
            : undefined;
    } catch {
        return undefined;
    }
}
