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
import { dockerSize } from "../rules/size-units";
import { CachePruneTarget, cachePrunePassSh } from "./cache-prune";
import { CACHE_MOUNT_BYTES_SH } from "./dockerfile-cache";
import { CACHE_MOUNT_TYPE } from "../rules/dockerfile";
import {
    PRUNE_VARIANT_TABLE,
    PRUNE_VARIANTS,
    PruneRow,
    PruneVariant,
    PruneWhen as When,
    Version2,
    pruneCommands,
} from "../rules/prune-table";

/** Dokku's own build-cache prune (plugins/builder/install-builder-prune, dokku v0.38.27). */
export const DOKKU_PRUNE_UNIT = "docker-builder-prune";

export const UNIT_NAME = "dokku-shared-cache-prune";

/** The same table as a shell `if/elif` chain over `$bxn` and `$enn` (major*1000+minor, -1 for none). */
function detectChainSh(): string {
    const num = (v: Version2) => v[0] * 1000 + v[1];
    const cond = (w: When): string[] => [
        ...(w.noBuildx ? ['[ "$bxn" -lt 0 ]'] : []),
        ...(w.buildxBelow ? [`[ "$bxn" -ge 0 ] && [ "$bxn" -lt ${num(w.buildxBelow)} ]`] : []),
        ...(w.engineAtLeast ? [`[ "$enn" -ge ${num(w.engineAtLeast)} ]`] : []),
    ];
    const chain = PRUNE_VARIANT_TABLE.map((r: PruneRow, i) => {
        const c = cond(r.when);
        if (c.length === 0) return `  ${i === 0 ? "if true; then" : "else"} variant=${r.variant}`;
        return `  ${i === 0 ? "if" : "elif"} ${c.join(" && ")}; then variant=${r.variant}`;
    });
    return [
        "dsc_variant() { # from bxn, enn (dsc_detect): the first row of PRUNE_VARIANT_TABLE that holds",
        ...chain,
        "  fi",
        "}",
    ].join("\n");
}

/**
 * Builder GC policy for daemon.json, in the keys this engine major
 * understands; sizes as byte counts (what the config means, see rules/size-units.ts).
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
    const header = shAssign({
        DSC_MARK: RESULT_MARKER,
        DSC_CM_TYPE: CACHE_MOUNT_TYPE,
        DSC_CM_MAX: dockerSize(opts.maxSize),
        DSC_DOKKU_UNIT: DOKKU_PRUNE_UNIT,
        ...(shared
            ? { DSC_STATE_DIR: shared.stateDir, DSC_PRUNE_LOCK: shared.stateDir + "/prune.lock" }
            : {}),
    });
    return shLines([
        "#!/bin/sh",
        "# Installed by dokku-shared-cache. Prunes Docker's build cache through the",
        "# Docker daemon only: never touches files under /var/lib/docker, never stops",
        "# containers, never restarts Docker. Regenerated on every pulumi up.",
        "set -eu",
        header,
        detectChainSh(),
        SH["prune-detect"],
        ...(shared
            ? [
                  SH["prune-lock"],
                  cachePrunePassSh(shared.caches, shared.stateDir),
                  SH["prune-dokku-wait"],
              ]
            : []),
        SH["prune-run"],
        `case "$variant" in\n${branches}\nesac`,
        CACHE_MOUNT_BYTES_SH,
        cacheMountPruneSh(),
        SH["prune-tail"],
    ]);
}

/**
 * After the Docker pass: BuildKit cache mounts (Dockerfile apps' \`RUN --mount=type=cache\`,
 * host/dockerfile-cache.ts). Docker's figure for them can lag (seen: 0 B on 20.10.24 for a record
 * holding 100 kB), and what it does not count neither the size prune above nor
 * the builder GC sees them (and no GC policy can bound them alone: host/dockerfile-cache.ts).
 * When their bytes on disk exceed \`maxSize\`, every unused cache mount is pruned through the
 * daemon (\`--filter type=exec.cachemount\`: moby v20.10.24 and v28.5.2 builder-next
 * toBuildkitPruneInfo, buildx v0.24.0 commands/prune.go, both make it \`type==exec.cachemount\`);
 * the next build fills them again. This is `dsc_prune_cache_mounts`, the variant's command from the
 * table; host/sh/prune-tail.sh runs it.
 */
function cacheMountPruneSh(): string {
    const cmd = (v: PruneVariant) =>
        shJoin([
            ...PRUNE_VARIANT_TABLE.find((r) => r.variant === v)!.command,
            "--force",
            "--filter",
            `type=${CACHE_MOUNT_TYPE}`,
        ]);
    return `dsc_prune_cache_mounts() {
  case "$variant" in
    legacy) dsc_run ${cmd("legacy")} ;;
    *) dsc_run ${cmd("buildx-keep")} ;;
  esac
}`;
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
    const header = shAssign({
        ...scheduleFilesHeader(o),
        DSC_SCRIPT: script.trimEnd(),
        DSC_SCHEDULE: spec.schedule,
        DSC_SCHEDULE_JSON: JSON.stringify(spec.schedule),
        DSC_RUN_DIR: o.paths.systemdRunDir,
        DSC_SERVICE: service,
        DSC_TIMER: timer,
        DSC_CRON: cron,
        DSC_DOKKU_PRUNE:
            spec.dokkuPrune === "disable" && spec.schedule !== "off" ? "disable" : "restore",
    });
    return shLines([
        "set -eu",
        header,
        SH["put-if-changed"],
        SH["unschedule"],
        SH["dokku-prune"],
        SH["schedule-install"],
    ]);
}

/**
 * What host/sh/unschedule.sh, dokku-prune.sh, schedule-install.sh and schedule-remove.sh read:
 * our unit and its files, the installed job, the result marker, and Dokku's prune unit and where
 * `dokkuPrune: disable` records how it was (`dsc_dokku_prune_disable` / `_restore`).
 */
function scheduleFilesHeader(o: BuildCacheScriptOptions): Record<string, string> {
    const unitDir = o.paths.systemdUnitDir;
    return {
        DSC_BIN: pruneScriptPath(o.stateDir),
        DSC_UNIT: UNIT_NAME,
        DSC_SERVICE_FILE: `${unitDir}/${UNIT_NAME}.service`,
        DSC_TIMER_FILE: `${unitDir}/${UNIT_NAME}.timer`,
        DSC_CRON_FILE: `${o.paths.cronDir}/${UNIT_NAME}`,
        DSC_MARK: RESULT_MARKER,
        DSC_STATE_DIR: o.stateDir,
        DSC_DOKKU_UNIT: DOKKU_PRUNE_UNIT,
        DSC_DOKKU_REC: `${o.stateDir}/dokku-prune.disabled`,
        DSC_DOKKU_TIMER: `${o.paths.systemdUnitDir}/${DOKKU_PRUNE_UNIT}.timer`,
        DSC_DOKKU_CRON: `${o.paths.cronDir}/${DOKKU_PRUNE_UNIT}`,
        DSC_DOKKU_SAVED: `${o.stateDir}/dokku-prune.cron`,
    };
}

/** Removes the schedule and the prune script (`pulumi destroy`, or the build cache leaving the config). */
export function scheduleRemoveScript(o: BuildCacheScriptOptions): string {
    return shLines([
        "set -eu",
        shAssign(scheduleFilesHeader(o)),
        SH["unschedule"],
        SH["dokku-prune"],
        SH["schedule-remove"],
    ]);
}

/** Runs the installed prune script once, now (the optional one-off prune during `pulumi up`). */
export function pruneNowScript(o: BuildCacheScriptOptions): string {
    const header = shAssign({ DSC_BIN: pruneScriptPath(o.stateDir), DSC_MARK: RESULT_MARKER });
    return shLines(["set -eu", header, SH["prune-now"]]);
}

/** Runs only the shared-cache pass of the installed prune script once, now (\`cachesPruneNow\`). */
export function cachesPruneNowScript(o: BuildCacheScriptOptions): string {
    return shLines([
        "set -eu",
        shAssign({ DSC_BIN: pruneScriptPath(o.stateDir) }),
        SH["prune-caches-now"],
    ]);
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
