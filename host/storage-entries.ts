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
export const MOUNT_JQ_DEFS = `def ro(e): ((e.readonly // false) == true) or ((e.volume_options // "") | split(",") | index("ro") != null);
def spec(e): e.host_path + ":" + e.container_path +
  (if (e.volume_options // "") != "" then ":" + e.volume_options elif ro(e) then ":ro" else "" end);`;

export const NAMED_PLAN_JQ = `
${MOUNT_JQ_DEFS}
def wspec(w): w.h + ":" + w.c + (if w.ro then ":ro" else "" end);
($cur | map(select(.host_path != null))) as $cur
| ($led.mounts | map(select(.e == null))) as $lcolon
| ($led.mounts | map(select(.e != null))) as $lnamed
| def ourcolon($r): (($r.entry_name // "legacy-") | startswith("legacy-"))
    and any($lcolon[]; .h == $r.host_path and .c == $r.container_path);
  def ournamed($r): any($lnamed[]; .e == $r.entry_name and .c == $r.container_path);
  def named($r; $w): $r.entry_name == $w.e and $r.container_path == $w.c;
[ $want[] as $w
  | ($cur | map(select(named(.; $w)))) as $mine
  | ($cur | map(select(.container_path == $w.c and (named(.; $w) | not) and (ourcolon(.) | not) and (ournamed(.) | not)))) as $foreign
  | if ($foreign | length) > 0 then
      (if ($mine | length) == 0 and $foreign[0].host_path == $w.h and ro($foreign[0]) == $w.ro then {skip: $w}
       elif $foreign[0].host_path == $w.h then {conflict: ($w.h + ":" + $w.c + " is already mounted by someone else with other options (" + spec($foreign[0]) + ")")}
       else {conflict: ("container path " + $w.c + " is already mounted from " + $foreign[0].host_path + " (not by dokku-shared-cache)")} end)
    elif ($mine | length) == 0 then
      {attach: $w, migrate: any($cur[]; ourcolon(.) and .container_path == $w.c and .host_path == $w.h)}
    elif ro($mine[0]) != $w.ro then
      {attach: ($w + {re: true}), detach: {e: $w.e, h: $w.h, c: $w.c, re: true}, remount: {old: spec($mine[0]), new: wspec($w)}}
    else {keep: $w} end ] as $m
| [ $cur[] | select(ourcolon(.)) ] as $colon
| [ $lnamed[] as $l | select(any($want[]; .e == $l.e and .c == $l.c) | not)
    | $cur[] | select(.entry_name == $l.e and .container_path == $l.c) | {e: .entry_name, h: .host_path, c: .container_path} ] as $gone
| $base + {
    conflict: [ $m[] | .conflict // empty ],
    mount: [],
    remount: [ $m[] | .remount // empty ],
    unmount: [ $colon[] | spec(.) ],
    attach: [ $m[] | .attach // empty ],
    detach: ([ $m[] | .detach // empty ] + $gone),
    migrated: [ $m[] | select(.migrate == true) | wspec(.attach) ],
    entries: ([ $m[] | .attach // empty | {e, h} ] | unique_by(.e))
  }
| .gc = ([ ($gone[] | .e),
           ($lnamed[] | .e as $e | select(any($want[]; .e == $e) | not) | $e),
           ($colon[] | .entry_name // empty) ] | unique)
| .ledger.mounts = [ $m[] | (.attach // .keep // empty) | del(.re) ]
| .changes = ((.unmount | length) + (.attach | length) + (.detach | length) + (.set | length) + (.restore | length) + (.unset | length))
`;

/**
 * Shell: refuses, before any write, to add shared cache mounts to a
 * k3s-scheduled app (a run that adds no mount does not ask). Needs APP,
 * plan(), dsc_dokku, NOTHING_YET; reads the scheduler the way
 * Dokku resolves it (`scheduler:report APP --scheduler-computed-selected`:
 * the app's value, else the global one, else docker-local; v0.37.5..v0.38.27
 * plugins/scheduler/report.go).
 */
export function storageGateSh(): string {
    return `${k3sGateSh()}
if [ "$NAMED" = true ]; then
${namedCheckSh()}fi`;
}

/**
 * Shell (Dokku >= 0.38, before the ledger is written): takes the host-wide
 * lock \`$STATE/locks/entries\` (fd 8, released by namedWritesSh) so that
 * creating, attaching, detaching and destroying entries of several apps'
 * converges do not interleave, and reads the registered entries once: an
 * existing entry of one of our names must be docker-local on the same
 * directory, else the converge stops, nothing changed (exit 3). Sets
 * MISSING (the entries to create).
 */
function namedCheckSh(): string {
    return `mkdir -p -- "$STATE/entries"
exec 8>"$STATE/locks/entries"
flock 8
# Entries we need: an existing one must be docker-local on the same directory (ours or not); else refused before any write.
MISSING=""; CREATED=""
if [ "$(plan '.entries | length')" != 0 ]; then
  rc=0; ALL=$(dokku storage:list-entries --format json 2>"$ERR" </dev/null) || rc=$?
  if [ "$rc" != 0 ]; then dsc_fail "$rc" "reading the storage entries (dokku storage:list-entries)" "$NOTHING_YET" <"$ERR"; fi
  rm -f -- "$ERR"
  bad=$(printf '%s' "$PLAN" | jq -r --argjson all "$ALL" '.entries[] as $w | $all[] | select(.name == $w.e)
    | select(.scheduler != "docker-local" or .host_path != $w.h)
    | "storage entry \\(.name) already exists (\\(.scheduler) \\(.host_path // "")), not docker-local \\($w.h)"')
  if [ -n "$bad" ]; then
    printf '%s\\n' "$bad" | while IFS= read -r b; do echo "dokku-shared-cache: app $APP: $b; dokku-shared-cache did not make it like that. $NOTHING_YET (rename or destroy that entry: dokku storage:info NAME)" >&2; done
    exit 3
  fi
  MISSING=" $(printf '%s' "$PLAN" | jq -r --argjson all "$ALL" '[.entries[].e | select(. as $e | any($all[]; .name == $e) | not)] | join(" ")') "
fi
`;
}

function k3sGateSh(): string {
    return `if [ "$(plan '(.mount | length) + (.remount | length) + (.attach // [] | length)')" != 0 ]; then
  SCHEDULER=$(dsc_dokku "reading its scheduler (dokku scheduler:report)" "$NOTHING_YET" scheduler:report "$APP" --scheduler-computed-selected)
  if [ "$SCHEDULER" = k3s ]; then
    echo "dokku-shared-cache: app $APP runs on the k3s scheduler (dokku scheduler:report $APP --scheduler-computed-selected). The shared caches are host directories; Dokku mounts host directories (colon mounts and docker-local storage entries) into docker-local apps only, and a k3s app's deploy fails on them (scheduler-k3s: \\"storage entry is scheduler=docker-local but is mounted on a k3s app\\"). Sharing across k3s apps needs a ReadWriteMany volume (dokku storage:create NAME --scheduler k3s --size SIZE --access-mode ReadWriteMany), which dokku-shared-cache does not manage. Nothing was changed; remove $APP from the stack's apps (or from discover) or give it caches: []." >&2
    exit ${K3S_EXIT}
  fi
fi`;
}

/**
 * Shell for the storage writes on Dokku >= 0.38 (after the ledger recorded
 * what is about to be added), under the lock namedCheckSh took. Needs APP,
 * STATE, ERR, PLAN, LED, MISSING, plan(), dsc_dokku, dsc_fail, PARTLY.
 * Marker files `$STATE/entries/<name>` say which entries this program
 * created.
 */
export function namedWritesSh(): string {
    return `plan '.detach[] | .e + " " + .c' | while IFS=' ' read -r e c; do
  [ -n "$e" ] || continue
  out=$(dokku storage:unmount "$APP" "$e" --container-dir "$c" 2>&1 </dev/null) || {
    case "$out" in *"is not mounted"*) ;; *) printf '%s\\n' "$out" | dsc_fail 1 "detaching storage entry $e from $c (dokku storage:unmount)" "$PARTLY" ;; esac
  }
done
# Our colon mounts go first (a migration never leaves two mounts at one container path).
plan '.unmount[]' | while IFS= read -r m; do
  [ -n "$m" ] || continue
  out=$(dokku storage:unmount "$APP" "$m" 2>&1 </dev/null) || {
    case "$out" in *"Mount path does not exist."*) ;; *) printf '%s\\n' "$out" | dsc_fail 1 "unmounting $m (dokku storage:unmount)" "$PARTLY" ;; esac
  }
done
n=$(plan '.attach | length'); i=0
while [ "$i" -lt "$n" ]; do
  e=$(plan ".attach[$i].e"); h=$(plan ".attach[$i].h"); c=$(plan ".attach[$i].c"); ro=$(plan ".attach[$i].ro"); i=$((i + 1))
  case "$MISSING" in *" $e "*)
    case "$CREATED" in *" $e "*) ;; *)
      : >"$STATE/entries/$e"
      dsc_dokku "creating storage entry $e for $h (dokku storage:create)" "$PARTLY" storage:create "$e" "$h" >/dev/null
      CREATED="$CREATED $e " ;;
    esac ;;
  esac
  set -- storage:mount "$APP" "$e" --container-dir "$c"
  if [ "$ro" = true ]; then set -- "$@" --volume-readonly; fi
  out=$(dokku "$@" 2>&1 </dev/null) || {
    case "$out" in *"is already mounted at"*) ;; *) printf '%s\\n' "$out" | dsc_fail 1 "attaching storage entry $e at $c (dokku storage:mount)" "$PARTLY" ;; esac
  }
done
# Entries no app uses any more: ours (marker) and the legacy-* entries of our colon mounts.
for e in $(printf '%s' "$LED" | jq -r '(.gc // [])[]'); do
  case "$e" in legacy-*) ;; *) [ -e "$STATE/entries/$e" ] || continue ;; esac
  out=$(dokku --force storage:destroy "$e" 2>&1 </dev/null) || {
    case "$out" in
      *"is still mounted by app"*) continue ;;
      *"does not exist"*) ;;
      *) printf '%s\\n' "$out" | dsc_fail 1 "destroying the unused storage entry $e (dokku storage:destroy; its directory is kept)" "$PARTLY" ;;
    esac
  }
  rm -f -- "$STATE/entries/$e"
done
exec 8>&-`;
}
