/**
 * Keeping Docker's build cache bounded, safely. Pure: version parsing, the
 * choice of `docker builder prune` flags per Docker Engine / buildx version,
 * the scheduled prune script and its systemd timer or cron entry, and the
 * `/etc/docker/daemon.json` builder GC merge. Everything goes through the
 * Docker daemon (`docker buildx prune` / `docker builder prune`); nothing
 * here deletes files under /var/lib/docker, stops a container or restarts
 * Docker. See ../shared/dokku-contract.md §7.
 */
import { BuildCacheSpec, GcSpec, HostPathsSpec } from "../config/types";
import { RESULT_MARKER } from "./result";
import { JQ, SH } from "./generated/scripts";
import { shAssign, shJoin, shLines, shQuote } from "./shell";
import { dockerSize } from "../config/size-units";
import { CachePruneTarget, cachePrunePassSh } from "./cache-prune";
import { CACHE_MOUNT_BYTES_SH, CACHE_MOUNT_TYPE } from "./dockerfile-cache";

/** Dokku's own build-cache prune (plugins/builder/install-builder-prune, dokku v0.38.27). */
export const DOKKU_PRUNE_UNIT = "docker-builder-prune";

export const UNIT_NAME = "dokku-shared-cache-prune";

/** `[major, minor, patch]` from "28.2.2", "v0.18.0", "0.18.0+ds1", "29.7.2-rc.1"; undefined if none. */
export function parseVersion(s: string | undefined): [number, number, number] | undefined {
    if (!s) return undefined;
    const m = /(?:^|[^0-9.])v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(" " + s.trim());
    if (!m) return undefined;
    return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** The version word of `docker buildx version` ("github.com/docker/buildx v0.18.0 abc"). */
export function parseBuildxVersion(out: string): string | undefined {
    const line = out.split("\n").find((l) => /buildx/.test(l));
    const word = line?.trim().split(/\s+/)[1];
    return parseVersion(word) ? word : undefined;
}

type Version2 = [major: number, minor: number];

function atLeast(v: [number, number, number] | undefined, min: Version2): boolean {
    if (!v) return false;
    return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

/**
 * The one table of prune variants (contract §7), tried in order, the first
 * whose condition holds wins. Both {@link pruneVariant} (TypeScript, for the
 * report) and the prune script's shell detection are derived from it.
 * - `legacy`: no buildx plugin; the legacy CLI's `docker builder prune --keep-storage`.
 * - `buildx-keep`: buildx < 0.18; `--keep-storage` is its only size flag.
 * - `buildx-max`: buildx ≥ 0.18 on Engine ≥ 28; `--max-used-space`.
 * - `buildx-reserved`: buildx ≥ 0.18 on Engine < 28 (BuildKit < 0.17 rejects
 *   `--max-used-space`); `--reserved-space` is the non-deprecated name of keep-storage.
 */
export const PRUNE_VARIANT_TABLE = [
    {
        variant: "legacy",
        when: { noBuildx: true },
        command: ["docker", "builder", "prune"],
        sizeFlag: "--keep-storage",
    },
    {
        variant: "buildx-keep",
        when: { buildxBelow: [0, 18] },
        command: ["docker", "buildx", "prune"],
        sizeFlag: "--keep-storage",
    },
    {
        variant: "buildx-max",
        when: { engineAtLeast: [28, 0] },
        command: ["docker", "buildx", "prune"],
        sizeFlag: "--max-used-space",
    },
    {
        variant: "buildx-reserved",
        when: {},
        command: ["docker", "buildx", "prune"],
        sizeFlag: "--reserved-space",
    },
] as const satisfies readonly {
    variant: string;
    when: { noBuildx?: true; buildxBelow?: Version2; engineAtLeast?: Version2 };
    command: readonly string[];
    sizeFlag: string;
}[];

export type PruneVariant = (typeof PRUNE_VARIANT_TABLE)[number]["variant"];

export const PRUNE_VARIANTS: readonly PruneVariant[] = PRUNE_VARIANT_TABLE.map((r) => r.variant);

type PruneRow = (typeof PRUNE_VARIANT_TABLE)[number];
type When = { noBuildx?: true; buildxBelow?: Version2; engineAtLeast?: Version2 };

export function pruneVariant(engine: string | undefined, buildx: string | undefined): PruneVariant {
    const bx = parseVersion(buildx);
    const en = parseVersion(engine);
    const holds = (w: When): boolean =>
        (!w.noBuildx || !bx) &&
        (!w.buildxBelow || (bx !== undefined && !atLeast(bx, w.buildxBelow))) &&
        (!w.engineAtLeast || atLeast(en, w.engineAtLeast));
    return PRUNE_VARIANT_TABLE.find((r) => holds(r.when))!.variant;
}

/** The same table as a shell `if/elif` chain over `$bxn` and `$enn` (major*1000+minor, -1 for none). */
function detectChainSh(): string {
    const num = (v: Version2) => v[0] * 1000 + v[1];
    const cond = (w: When): string[] => [
        ...(w.noBuildx ? ['[ "$bxn" -lt 0 ]'] : []),
        ...(w.buildxBelow ? [`[ "$bxn" -ge 0 ] && [ "$bxn" -lt ${num(w.buildxBelow)} ]`] : []),
        ...(w.engineAtLeast ? [`[ "$enn" -ge ${num(w.engineAtLeast)} ]`] : []),
    ];
    return PRUNE_VARIANT_TABLE.map((r: PruneRow, i) => {
        const c = cond(r.when);
        if (c.length === 0) return `  ${i === 0 ? "if true; then" : "else"} variant=${r.variant}`;
        return `  ${i === 0 ? "if" : "elif"} ${c.join(" && ")}; then variant=${r.variant}`;
    })
        .concat("  fi")
        .join("\n");
}

/**
 * The prune commands for a variant, as argv lists run one after the other:
 * first everything not used for `olderThan`, then, oldest first, down to
 * `maxSize`. Two passes because BuildKit stops a filtered prune as soon as
 * the size bound is met, which would leave old entries behind.
 */
export function pruneCommands(
    variant: PruneVariant,
    opts: Pick<BuildCacheSpec, "olderThan" | "maxSize">,
): string[][] {
    const row = PRUNE_VARIANT_TABLE.find((r) => r.variant === variant)!;
    return [
        [...row.command, "--force", "--all", "--filter", `until=${opts.olderThan}`],
        // A byte count: Docker's RAMInBytes would read "20GB" as 20 GiB (config/size-units.ts).
        [...row.command, "--force", "--all", row.sizeFlag, dockerSize(opts.maxSize)],
    ];
}

const UNITS: Record<string, number> = {
    B: 1,
    kB: 1e3,
    KB: 1e3,
    MB: 1e6,
    GB: 1e9,
    TB: 1e12,
    PB: 1e15,
    KiB: 1024,
    MiB: 1024 ** 2,
    GiB: 1024 ** 3,
    TiB: 1024 ** 4,
};

/** Bytes from Docker's human sizes ("1.235GB", "0B", "212B", "16.43MB"); undefined if unparseable. */
export function parseDockerSize(s: string): number | undefined {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kKMGTP]?i?B)\s*$/.exec(s);
    if (!m || UNITS[m[2]] === undefined) return undefined;
    return Math.round(Number(m[1]) * UNITS[m[2]]);
}

/**
 * Bytes reclaimed according to prune output, summed over every prune in it
 * (buildx `Total:\t…` or legacy `Total reclaimed space: …`); 0 for no
 * output, undefined when there is output but no total.
 */
export function parsePruneOutput(out: string): number | undefined {
    const totals = [...out.matchAll(/^Total(?: reclaimed space)?:\s*(\S+)\s*$/gm)];
    if (totals.length === 0) return out.trim() === "" ? 0 : undefined;
    return totals.reduce((sum, m) => sum + (parseDockerSize(m[1]) ?? 0), 0);
}

/**
 * Builder GC policy for daemon.json, in the keys this engine major
 * understands; sizes as byte counts (what the config means, see config/size-units.ts).
 */
export function gcPolicy(spec: GcSpec, engineMajor: number | undefined): Record<string, unknown> {
    const gc: GcSpec = {
        unusedFor: spec.unusedFor,
        reservedSpace: dockerSize(spec.reservedSpace),
        maxUsedSpace: dockerSize(spec.maxUsedSpace),
        minFreeSpace: dockerSize(spec.minFreeSpace),
    };
    if (engineMajor !== undefined && engineMajor >= 28) {
        return {
            enabled: true,
            defaultReservedSpace: gc.reservedSpace,
            defaultMaxUsedSpace: gc.maxUsedSpace,
            defaultMinFreeSpace: gc.minFreeSpace,
            policy: [
                { filter: [`unused-for=${gc.unusedFor}`], reservedSpace: gc.reservedSpace },
                {
                    all: true,
                    reservedSpace: gc.reservedSpace,
                    maxUsedSpace: gc.maxUsedSpace,
                    minFreeSpace: gc.minFreeSpace,
                },
            ],
        };
    }
    // ≤ 27.x: only keepStorage exists (28+ still accepts it as the reserved space).
    return {
        enabled: true,
        defaultKeepStorage: gc.maxUsedSpace,
        policy: [
            { filter: [`unused-for=${gc.unusedFor}`], keepStorage: gc.reservedSpace },
            { all: true, keepStorage: gc.maxUsedSpace },
        ],
    };
}

/**
 * jq program merging our builder GC into an existing daemon.json: `$gc` is
 * the policy; every other key (top level and under `builder`) is kept.
 * Fails (jq exit 5) unless the file is a JSON object whose `builder`, if
 * present, is an object.
 */
export const DAEMON_MERGE_JQ = `\n${JQ["daemon-merge"]}`;

/**
 * jq program undoing the merge: puts back the `builder.gc` that was there
 * before (`$led.had`, `$led.prev`), removing an empty `builder` we created.
 */
export const DAEMON_RESTORE_JQ = `\n${JQ["daemon-restore"]}`;

/** Shell function that sets `$variant` for this host, from {@link PRUNE_VARIANT_TABLE}. */
const DETECT_SH = `dsc_num() {
  printf '%s\\n' "$1" | sed -n 's/^[^0-9]*\\([0-9][0-9]*\\)\\.\\([0-9][0-9]*\\).*/\\1 \\2/p' | {
    read -r a b || true
    if [ -n "\${a:-}" ]; then echo $((a * 1000 + b)); else echo -1; fi
  }
}
dsc_detect() {
  engine=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || engine=""
  bx=$(docker buildx version 2>/dev/null | awk '/buildx/ {print $2; exit}') || bx=""
  bxn=$(dsc_num "$bx")
  enn=$(dsc_num "$engine")
${detectChainSh()}
}`;

/**
 * The prune script installed on the host and run by the timer (and by a
 * one-off prune during `pulumi up`). It detects the versions each time it
 * runs, so a Docker upgrade needs no redeploy. With `DSC_PRUNE_DETECT_ONLY=1`
 * it only prints the variant. Prints one result line with the bytes reclaimed.
 */
export function pruneScript(
    opts: Pick<BuildCacheSpec, "olderThan" | "maxSize">,
    shared?: { stateDir: string; caches: readonly CachePruneTarget[]; paths?: HostPathsSpec },
): string {
    const branches = PRUNE_VARIANTS.map((v) => {
        const cmds = pruneCommands(v, opts)
            .map((argv) => `    dsc_run ${shJoin(argv)}`)
            .join("\n");
        return `  ${v})\n${cmds}\n    ;;`;
    }).join("\n");
    return `#!/bin/sh
# Installed by dokku-shared-cache. Prunes Docker's build cache through the
# Docker daemon only: never touches files under /var/lib/docker, never stops
# containers, never restarts Docker. Regenerated on every pulumi up.
set -eu
${DETECT_SH}
dsc_detect
if [ "\${DSC_PRUNE_DETECT_ONLY:-}" = 1 ]; then echo "$variant"; exit 0; fi
${shared ? sharedPassSh(shared) : ""}
total=0
dsc_run() {
  echo "dokku-shared-cache: $*" >&2
  out=$("$@" 2>&1) || { printf '%s\\n' "$out" >&2; echo "dokku-shared-cache: prune failed: $*" >&2; exit 4; }
  printf '%s\\n' "$out"
}
case "$variant" in
${branches}
esac
${cacheMountPassSh(opts.maxSize)}
printf '%s{"variant":"%s","engine":"%s","buildx":"%s"}\\n' ${shQuote(RESULT_MARKER)} "$variant" "$engine" "$bx"
`;
}

/**
 * After the Docker pass: BuildKit cache mounts (Dockerfile apps' \`RUN --mount=type=cache\`,
 * host/dockerfile-cache.ts). Docker's figure for them can lag (seen: 0 B on 20.10.24 for a record
 * holding 100 kB), and what it does not count neither the size prune above nor
 * the builder GC sees them (and no GC policy can bound them alone: host/dockerfile-cache.ts).
 * When their bytes on disk exceed \`maxSize\`, every unused cache mount is pruned through the
 * daemon (\`--filter type=exec.cachemount\`: moby v20.10.24 and v28.5.2 builder-next
 * toBuildkitPruneInfo, buildx v0.24.0 commands/prune.go, both make it \`type==exec.cachemount\`);
 * the next build fills them again.
 */
function cacheMountPassSh(maxSize: string): string {
    const cmd = (v: PruneVariant) =>
        shJoin([
            ...PRUNE_VARIANT_TABLE.find((r) => r.variant === v)!.command,
            "--force",
            "--filter",
            `type=${CACHE_MOUNT_TYPE}`,
        ]);
    return `${CACHE_MOUNT_BYTES_SH}
cm=$(dsc_cache_mount_bytes)
if [ "$cm" -gt ${dockerSize(maxSize)} ]; then
  echo "dokku-shared-cache: BuildKit cache mounts hold $cm bytes, over ${dockerSize(maxSize)}: pruning them" >&2
  case "$variant" in
    legacy) dsc_run ${cmd("legacy")} ;;
    *) dsc_run ${cmd("buildx-keep")} ;;
  esac
fi`;
}

/**
 * Before the Docker pass: one prune at a time (every run of this script, by timer, cron or a
 * one-off, takes \`<stateDir>/prune.lock\`; the cron entry takes it already), the shared caches
 * brought under their bounds, then a bounded wait while Dokku's own builder prune runs.
 */
function sharedPassSh(o: {
    stateDir: string;
    caches: readonly CachePruneTarget[];
    paths?: HostPathsSpec;
}): string {
    const lock = shQuote(o.stateDir + "/prune.lock");
    return `if [ "\${DSC_PRUNE_LOCKED:-}" != 1 ]; then
  mkdir -p -- ${shQuote(o.stateDir)}
  DSC_PRUNE_LOCKED=1 exec flock -w "\${DSC_PRUNE_LOCK_WAIT:-7200}" ${lock} "$0" "$@"
fi
set +e
${cachePrunePassSh(o.caches, o.stateDir)}
set -e
if [ "\${DSC_PRUNE_CACHES_ONLY:-}" = 1 ]; then exit 0; fi
# Never two build-cache prunes at once: wait while Dokku's docker-builder-prune runs (its systemd
# service, or its cron line's \`docker builder prune\`, or one typed by hand); still running after
# the wait (30 min): Docker's build cache is not pruned this time.
dsc_dokku_prune_running() {
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet ${DOKKU_PRUNE_UNIT}.service 2>/dev/null; then return 0; fi
  pgrep -f '(^|/)docker builder prune' >/dev/null 2>&1
}
waited=0; poll="\${DSC_DOKKU_PRUNE_POLL:-10}"
while dsc_dokku_prune_running; do
  if [ "$waited" -ge "\${DSC_DOKKU_PRUNE_WAIT:-1800}" ]; then
    echo "dokku-shared-cache: Dokku's ${DOKKU_PRUNE_UNIT} still runs after \${waited}s; Docker's build cache not pruned this time (never two prunes at once)" >&2
    exit 75
  fi
  [ "$waited" -eq 0 ] && echo "dokku-shared-cache: waiting for Dokku's ${DOKKU_PRUNE_UNIT} to finish" >&2
  sleep "$poll"; waited=$((waited + poll))
done
[ "$waited" -eq 0 ] || echo "dokku-shared-cache: Dokku's ${DOKKU_PRUNE_UNIT} finished; waited \${waited}s" >&2`;
}

/** systemd OnCalendar / cron fields for a schedule. */
export function scheduleTimes(schedule: BuildCacheSpec["schedule"]): {
    onCalendar: string;
    cron: string;
} {
    switch (schedule) {
        case "hourly":
            return { onCalendar: "hourly", cron: "17 * * * *" };
        case "weekly":
            return { onCalendar: "Sun *-*-* 03:17:00", cron: "17 3 * * 0" };
        default:
            return { onCalendar: "*-*-* 03:17:00", cron: "17 3 * * *" };
    }
}

export interface BuildCacheScriptOptions {
    stateDir: string;
    paths: HostPathsSpec;
}

function pruneScriptPath(stateDir: string): string {
    return `${stateDir}/bin/${UNIT_NAME}`;
}

/** Writes a file only when its content differs, atomically; sets `changed=true` when it wrote. */
const WRITE_IF_CHANGED_SH = `dsc_put() { # path mode content
  if [ -f "$1" ] && [ "$(cat -- "$1")" = "$3" ]; then return 0; fi
  mkdir -p -- "$(dirname -- "$1")"
  printf '%s\\n' "$3" > "$1.dsc-tmp"
  chmod "$2" -- "$1.dsc-tmp"
  mv -f -- "$1.dsc-tmp" "$1"
  changed=true
}`;

/**
 * Installs (or updates) the prune script and its schedule: a systemd timer
 * when systemd runs the host, otherwise an /etc/cron.d entry. Idempotent:
 * rewrites nothing that is already right.
 */
export function scheduleInstallScript(
    spec: BuildCacheSpec,
    o: BuildCacheScriptOptions,
    caches: readonly CachePruneTarget[] = [],
): string {
    const script = pruneScript(spec, { stateDir: o.stateDir, caches, paths: o.paths });
    const bin = pruneScriptPath(o.stateDir);
    const t = scheduleTimes(spec.schedule);
    const service = `[Unit]
Description=dokku-shared-cache: prune Docker build cache (through the daemon)
After=docker.service
Requires=docker.service

[Service]
Type=oneshot
Nice=10
IOSchedulingClass=idle
ExecStart=${bin}`;
    const timer = `[Unit]
Description=dokku-shared-cache: prune Docker build cache ${spec.schedule}

[Timer]
OnCalendar=${t.onCalendar}
RandomizedDelaySec=15m
Persistent=true

[Install]
WantedBy=timers.target`;
    const cron = `# Installed by dokku-shared-cache (pulumi destroy removes it).
${t.cron} root DSC_PRUNE_LOCKED=1 flock -n ${shQuote(o.stateDir + "/prune.lock")} ${shQuote(bin)} >> ${shQuote(o.stateDir + "/prune.log")} 2>&1`;
    const unitDir = o.paths.systemdUnitDir;
    return `set -eu
changed=false
${WRITE_IF_CHANGED_SH}
dsc_put ${shQuote(bin)} 0755 ${shQuote(script.trimEnd())}
if [ ${shQuote(spec.schedule)} = off ]; then
  # Only the script (for a one-off prune); no timer or cron entry.
  scheduler=none
  ${unscheduleSh(o).split("\n").join("\n  ")}
elif [ -d ${shQuote(o.paths.systemdRunDir)} ] && command -v systemctl >/dev/null 2>&1; then
  scheduler=systemd
  dsc_put ${shQuote(`${unitDir}/${UNIT_NAME}.service`)} 0644 ${shQuote(service)}
  dsc_put ${shQuote(`${unitDir}/${UNIT_NAME}.timer`)} 0644 ${shQuote(timer)}
  if [ -e ${shQuote(`${o.paths.cronDir}/${UNIT_NAME}`)} ]; then rm -f -- ${shQuote(`${o.paths.cronDir}/${UNIT_NAME}`)}; changed=true; fi
  if [ "$changed" = true ]; then systemctl daemon-reload; fi
  if ! systemctl is-enabled --quiet ${UNIT_NAME}.timer 2>/dev/null || ! systemctl is-active --quiet ${UNIT_NAME}.timer 2>/dev/null; then
    systemctl enable --now ${UNIT_NAME}.timer; changed=true
  fi
else
  scheduler=cron
  dsc_put ${shQuote(`${o.paths.cronDir}/${UNIT_NAME}`)} 0644 ${shQuote(cron)}
fi
${spec.dokkuPrune === "disable" && spec.schedule !== "off" ? dokkuDisableSh(o) : dokkuRestoreSh(o)}
variant=$(DSC_PRUNE_DETECT_ONLY=1 ${shQuote(bin)})
printf '%s{"scheduler":"%s","variant":"%s","changed":%s,"schedule":%s,"dokkuPrune":"%s"}\\n' ${shQuote(RESULT_MARKER)} "$scheduler" "$variant" "$changed" ${shQuote(JSON.stringify(spec.schedule))} "$dokku"
`;
}

/** Shell that removes our systemd timer/service and cron entry if present; sets `changed=true` when it did. */
function unscheduleSh(o: BuildCacheScriptOptions): string {
    const unitDir = o.paths.systemdUnitDir;
    return `if [ -e ${shQuote(`${unitDir}/${UNIT_NAME}.timer`)} ] || [ -e ${shQuote(`${unitDir}/${UNIT_NAME}.service`)} ]; then
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now ${UNIT_NAME}.timer 2>/dev/null || true; fi
  rm -f -- ${shQuote(`${unitDir}/${UNIT_NAME}.timer`)} ${shQuote(`${unitDir}/${UNIT_NAME}.service`)}
  if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload 2>/dev/null || true; fi
  changed=true
fi
if [ -e ${shQuote(`${o.paths.cronDir}/${UNIT_NAME}`)} ]; then rm -f -- ${shQuote(`${o.paths.cronDir}/${UNIT_NAME}`)}; changed=true; fi`;
}

/**
 * \`dokkuPrune: disable\`. Dokku v0.38.27 (plugins/builder/install-builder-prune, run by its
 * install trigger) writes, where systemd runs, \`docker-builder-prune.service\` (oneshot
 * \`docker builder prune -f\`, \`[Install] WantedBy=docker.service\`, enabled with
 * \`systemctl reenable\`: it also runs each time Docker starts) and \`docker-builder-prune.timer\`
 * (enabled and started; 04:05 daily); elsewhere \`/etc/cron.d/docker-builder-prune\` (its line
 * lacks \`-f\`, dokku#7283). We disable the timer (and stop it) and the service's enablement
 * (a prune already running finishes), or move the cron entry into \`<stateDir>\`; what was
 * enabled / active is recorded, so that destroy (or \`keep\`) restores exactly that.
 * Sets \`$dokku\` to what is there now: \`absent\`, \`inactive\` (installed, not enabled, by
 * someone else), \`disabled-by-us\`.
 */
function dokkuDisableSh(o: BuildCacheScriptOptions): string {
    const rec = shQuote(`${o.stateDir}/dokku-prune.disabled`);
    const timer = shQuote(`${o.paths.systemdUnitDir}/${DOKKU_PRUNE_UNIT}.timer`);
    const cron = shQuote(`${o.paths.cronDir}/${DOKKU_PRUNE_UNIT}`);
    const u = DOKKU_PRUNE_UNIT;
    return `dokku=absent
dsc_yes() { if "$@" 2>/dev/null; then echo yes; else echo no; fi; }
if [ -e ${rec} ]; then dokku=disabled-by-us
elif [ -e ${timer} ] && command -v systemctl >/dev/null 2>&1; then
  te=$(dsc_yes systemctl is-enabled --quiet ${u}.timer); ta=$(dsc_yes systemctl is-active --quiet ${u}.timer)
  se=$(dsc_yes systemctl is-enabled --quiet ${u}.service)
  if [ "$te$ta$se" = nonono ]; then dokku=inactive
  else
    mkdir -p -- ${shQuote(o.stateDir)}; printf 'systemd %s %s %s\\n' "$te" "$ta" "$se" > ${rec}
    [ "$te$ta" = nono ] || systemctl disable --now ${u}.timer
    [ "$se" = no ] || systemctl disable ${u}.service
    changed=true; dokku=disabled-by-us
  fi
elif [ -e ${cron} ]; then
  mkdir -p -- ${shQuote(o.stateDir)}
  mv -f -- ${cron} ${shQuote(`${o.stateDir}/dokku-prune.cron`)}; echo cron > ${rec}; changed=true; dokku=disabled-by-us
fi`;
}

/** Puts back Dokku's prune timer/service or cron entry as they were if we disabled them; sets \`$dokku\`. */
function dokkuRestoreSh(o: BuildCacheScriptOptions): string {
    const rec = shQuote(`${o.stateDir}/dokku-prune.disabled`);
    const timer = shQuote(`${o.paths.systemdUnitDir}/${DOKKU_PRUNE_UNIT}.timer`);
    const cron = shQuote(`${o.paths.cronDir}/${DOKKU_PRUNE_UNIT}`);
    const saved = shQuote(`${o.stateDir}/dokku-prune.cron`);
    const u = DOKKU_PRUNE_UNIT;
    return `if [ -e ${rec} ]; then
  read -r how te ta se < ${rec} || true
  if [ "$how" = systemd ] && command -v systemctl >/dev/null 2>&1; then
    [ "\${te:-yes}" = yes ] && systemctl enable ${u}.timer
    [ "\${ta:-yes}" = yes ] && systemctl start ${u}.timer
    [ "\${se:-no}" = yes ] && systemctl enable ${u}.service
  fi
  if [ "$how" = cron ] && [ -e ${saved} ] && [ ! -e ${cron} ]; then mv -f -- ${saved} ${cron}; fi
  rm -f -- ${rec} ${saved}; changed=true
fi
if [ -e ${timer} ] && command -v systemctl >/dev/null 2>&1; then
  if systemctl is-enabled --quiet ${u}.timer 2>/dev/null || systemctl is-enabled --quiet ${u}.service 2>/dev/null; then dokku=active; else dokku=inactive; fi
elif [ -e ${timer} ] || [ -e ${cron} ]; then dokku=active; else dokku=absent; fi`;
}

/** Removes the schedule and the prune script (`pulumi destroy`, or the build cache leaving the config). */
export function scheduleRemoveScript(o: BuildCacheScriptOptions): string {
    return `set -eu
changed=false
${unscheduleSh(o)}
${dokkuRestoreSh(o)}
rm -f -- ${shQuote(pruneScriptPath(o.stateDir))}
printf '%s{"removed":%s}\\n' ${shQuote(RESULT_MARKER)} "$changed"
`;
}

/** Runs the installed prune script once, now (the optional one-off prune during `pulumi up`). */
export function pruneNowScript(o: BuildCacheScriptOptions): string {
    const bin = pruneScriptPath(o.stateDir);
    return `set -eu
before=$(docker system df --format '{{json .}}' 2>/dev/null | jq -r 'select(.Type == "Build Cache") | .Size' || true)
${shQuote(bin)}
after=$(docker system df --format '{{json .}}' 2>/dev/null | jq -r 'select(.Type == "Build Cache") | .Size' || true)
printf '%s{"buildCacheBefore":"%s","buildCacheAfter":"%s"}\\n' ${shQuote(RESULT_MARKER)} "$before" "$after"
`;
}

/** Runs only the shared-cache pass of the installed prune script once, now (\`cachesPruneNow\`). */
export function cachesPruneNowScript(o: BuildCacheScriptOptions): string {
    return `set -eu
DSC_PRUNE_CACHES_ONLY=1 ${shQuote(pruneScriptPath(o.stateDir))}
`;
}

/**
 * Merges our builder GC policy into daemon.json: refuses an invalid file,
 * picks the keys for the running engine, validates with `dockerd --validate`
 * where it exists, keeps a timestamped backup, writes atomically, records
 * what was there before (for the undo), never restarts Docker.
 */
export function daemonGcScript(gc: GcSpec, o: BuildCacheScriptOptions): string {
    const header = shAssign({
        f: o.paths.daemonJson,
        led: o.stateDir + "/daemon-gc.json",
        DSC_GC28: JSON.stringify(gcPolicy(gc, 28)),
        DSC_GC27: JSON.stringify(gcPolicy(gc, 27)),
        DSC_MERGE_JQ: DAEMON_MERGE_JQ,
        DSC_MARK: RESULT_MARKER,
    });
    return shLines(["set -eu", header, SH["daemon-restart-note"], SH["daemon-gc"]]);
}

/**
 * Puts back the `builder.gc` that was there before we wrote ours (destroy, or
 * `gc` removed from the stack), only if ours is still the one in the file.
 * When the file is byte for byte what we last wrote, the file as it was
 * before comes back exactly (or goes, when there was none); otherwise only
 * our `builder.gc` is undone, and a file we created that is left `{}` goes.
 */
export function daemonGcRemoveScript(o: BuildCacheScriptOptions): string {
    const header = shAssign({
        f: o.paths.daemonJson,
        led: o.stateDir + "/daemon-gc.json",
        DSC_RESTORE_JQ: "$l[0] as $led | " + DAEMON_RESTORE_JQ,
        DSC_MARK: RESULT_MARKER,
    });
    return shLines(["set -eu", header, SH["daemon-restart-note"], SH["daemon-gc-remove"]]);
}
