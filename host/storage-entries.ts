/**
 * Named storage entries (Dokku >= 0.38.0), read in dokku/dokku v0.38.0..v0.38.27
 * `plugins/storage` (entry.go, attachment.go, subcommands.go, commands_entries.go,
 * storage.go) and `plugins/scheduler-k3s/storage.go`.
 *
 * On Dokku 0.38 every shared cache directory is one named entry
 * (`storage:create NAME PATH`, docker-local) that every app using the cache
 * attaches by name (`storage:mount APP NAME --container-dir DIR
 * [--volume-readonly]`). The program's own colon mounts (its ledger knows
 * them) are migrated to attachments in the same converge, with the one
 * restart the converge makes anyway; the `legacy-<hash>` entries Dokku made
 * for those colon mounts are destroyed once no app uses them. Dokku 0.37
 * keeps the colon form (host/app-converge.ts).
 *
 * Facts from the source this relies on:
 * - Entry names are DNS-1123 labels of at most 45 characters, global to the
 *   install; the `legacy-` prefix is reserved (entry.go ValidateEntryName).
 * - `storage:create NAME PATH` with a custom PATH refuses `--chown` and
 *   `--mode` (commands_entries.go requireDefaultHostPath, 0.38.27; so does
 *   `storage:set NAME mode`): the directory's owner and mode stay the
 *   program's own chown/chmod (host/cache-dirs.ts).
 * - `storage:list --format json` prints `entry_name` from 0.38.0; named and
 *   colon attachments look alike apart from it (colon ones are `legacy-*`).
 * - Re-mounting a named entry at the same container path is an upsert from
 *   0.38.13 and "already mounted" before (AddAttachment): a read-only change
 *   is therefore always detach + attach.
 * - `storage:destroy` refuses while any app has the entry attached ("is still
 *   mounted by app(s)"), asks for confirmation from 0.38.10 unless forced
 *   (the global `dokku --force`, DOKKU_APPS_FORCE_DELETE, works on every
 *   0.38.x; the `--force` flag only from 0.38.10), and never removes a
 *   custom host path (only `--destroy-host-dir`/Delete on the default path):
 *   the data stays.
 * - k3s: a docker-local entry attached to a k3s app fails that app's deploy
 *   (scheduler-k3s/storage.go ToProcessVolumes); the docs say the colon form
 *   is rejected there. Sharing one directory across k3s apps would need a
 *   ReadWriteMany PersistentVolumeClaim (`storage:create --scheduler k3s
 *   --size … --access-mode ReadWriteMany`), not a host directory: the
 *   program refuses to mount caches into a k3s app, naming the app and why.
 */
import * as crypto from "crypto";
import { MountSpec } from "../model/desired-state";
import { JQ, SH } from "./generated/scripts";

/** Prefix of every entry this program names. */
export const ENTRY_PREFIX = "dsc-";
/** Dokku's cap on entry names (entry.go MaxEntryNameLength). */
export const MAX_ENTRY_NAME = 45;
/** DNS-1123 label (entry.go dns1123LabelRegexp). */
export const ENTRY_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Exit code of a converge refused because the app runs on the k3s scheduler. */
export const K3S_EXIT = 10;

/**
 * The entry name of one shared cache directory:
 * `dsc-<cache key, [^a-z0-9] → "-", at most 32 chars>-<first 8 hex of sha1(host path)>`,
 * e.g. `dsc-pip-3f2a9c1b`, `dsc-pip-team-a-0c1d2e3f` (cache `pip` of group `team-a`).
 * The hash makes the name follow the directory: a cache that moves (new
 * `sharedRoot` or `dir`) gets a new entry and the old one is destroyed.
 */
export function storageEntryName(cacheKey: string, hostPath: string): string {
    const readable =
        cacheKey
            .replace(/[^a-z0-9]+/g, "-")
            .replace(/^-+/, "")
            .slice(0, MAX_ENTRY_NAME - ENTRY_PREFIX.length - 9)
            .replace(/-+$/, "") || "cache";
    const hash = crypto.createHash("sha1").update(hostPath).digest("hex").slice(0, 8);
    return `${ENTRY_PREFIX}${readable}-${hash}`;
}

/** The cache key of a mount: `pip`, or `pip@team-a` for a group's directory. */
function mountKey(m: MountSpec, group?: string): string {
    return group ? `${m.cache}@${group}` : m.cache;
}

/** What the converge script wants per mount: host path, container path, read-only, entry name. */
export interface WantedMount {
    h: string;
    c: string;
    ro: boolean;
    e: string;
}

export function wantedMounts(mounts: readonly MountSpec[], group?: string): WantedMount[] {
    return mounts.map((m) => ({
        h: m.hostPath,
        c: m.containerPath,
        ro: m.readOnly,
        e: storageEntryName(mountKey(m, group), m.hostPath),
    }));
}

/**
 * The plan on Dokku >= 0.38: the inputs of PLAN_JQ (see host/app-converge.ts)
 * and `base`, PLAN_JQ's own plan, whose env part (set, restore, unset,
 * ledger.env) it keeps; it replaces the mount part and adds `attach` (entries to attach: {e, h, c, ro}),
 * `detach` (named attachments to remove: {e, h, c}), `entries` (entries that
 * must exist: {e, h}), `gc` (entries to destroy once unused: ours, and the
 * `legacy-*` entries of our colon mounts) and `migrated` (colon mounts that
 * become attachments). `unmount` holds every colon mount the ledger says is
 * ours: on 0.38 none is kept.
 */
/** Shared definitions of PLAN_JQ and NAMED_PLAN_JQ (`ro`, `spec`): host/jq/mount-defs.jq. */
export const MOUNT_JQ_DEFS = JQ["mount-defs"];

export const NAMED_PLAN_JQ = `\n${MOUNT_JQ_DEFS}\n${JQ["named-plan"]}\n`;

/**
 * Shell (host/sh/storage-gate.sh): refuses, before any write, to add shared cache mounts to a
 * k3s-scheduled app, exit {@link K3S_EXIT} (a run that adds no mount does not ask); reads the
 * scheduler the way Dokku resolves it (`scheduler:report APP --scheduler-computed-selected`: the
 * app's value, else the global one, else docker-local; v0.37.5..v0.38.27
 * plugins/scheduler/report.go). On Dokku >= 0.38, unless every entry the app needs is one this
 * program created (its marker `$STATE/entries/NAME` holds the same host path), it reads the
 * registered entries once, under the host-wide lock `$STATE/locks/entries` (fd 8): an existing
 * entry of one of our names must be docker-local on the same directory, else the converge stops,
 * nothing changed (exit 3). Sets MISSING (the entries to create).
 */
export const STORAGE_GATE_SH = SH["storage-gate"];

/**
 * Shell (host/sh/storage-named-writes.sh) defining `dsc_named_writes`, the storage writes on
 * Dokku >= 0.38 (after the ledger recorded what is about to be added). Creates and destroys
 * hold the host-wide lock `$STATE/locks/entries`; attaching and detaching (per app in Dokku) run
 * without it. Marker files `$STATE/entries/<name>` say which entries this program created, and
 * hold each one's host path once Dokku has created it.
 */
export const NAMED_WRITES_SH = SH["storage-named-writes"];
