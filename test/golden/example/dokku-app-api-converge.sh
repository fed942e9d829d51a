# dokku-shared-cache: run as `sh -s converge` or `sh -s remove` with this text on stdin.
case "${1:-}" in
converge)
{
DSC_GEN_DIR='/var/lib/dokku-shared-cache/gen'
DSC_GEN_FILE='/var/lib/dokku-shared-cache/gen/app-api'
DSC_GEN='5409eaa8d4c625d2'
dsc_gen_exit() {
  rc=$?
  if [ "$rc" = 0 ]; then
    { mkdir -p -- "$DSC_GEN_DIR" && printf '%s\n' "$DSC_GEN" >"$DSC_GEN_FILE.tmp" && mv -f -- "$DSC_GEN_FILE.tmp" "$DSC_GEN_FILE"; } || true
  fi
  exit "$rc"
}
trap dsc_gen_exit EXIT
# The number of drift repairs the command text carries (`sh -s converge N`), if any.
DSC_REPAIR=${2:-}
set -euf
# dokku-shared-cache converge or removal of one app. Reads first; writes only the difference.
APP='api'
STATE='/var/lib/dokku-shared-cache'
AFTER='restart'
SLOTS='2'
DEPLOY_WAIT='600'
WANT='[{"h":"/var/lib/dokku/data/shared/pip","c":"/root/.cache/pip","ro":false,"e":"dsc-pip-0c9bcc39"},{"h":"/var/lib/dokku/data/shared/uv","c":"/root/.cache/uv","ro":false,"e":"dsc-uv-8c93c5a4"}]'
WENV='{"PIP_CACHE_DIR":"/root/.cache/pip","UV_CACHE_DIR":"/root/.cache/uv"}'
DECL_BUILDER='dockerfile'
WBUILD_H='[]'
WBUILD_P='[]'
MARK='DOKKU_SHARED_CACHE_RESULT '
REMOVE='false'
REPAIR=''
DSC_ENV_UNREADABLE_JQ='
def dsc_count($c): if . == "" then 0 else (split($c) | length - 1) end;
def dsc_atoi:
  if test("^[+-]?[0-9]+$") | not then null
  else startswith("-") as $neg
    | (ltrimstr("+") | ltrimstr("-") | sub("^0+"; "")) as $d0
    | (if $d0 == "" then "0" else $d0 end) as $d
    | (if $neg then "9223372036854775808" else "9223372036854775807" end) as $lim
    | if ($d | length) < 19 or (($d | length) == 19 and $d <= $lim)
      then (if $neg and $d != "0" then "-" + $d else $d end) else null end
  end;
def dsc_v15:
  . as $v | dsc_atoi as $c
  | if $c != null then (if $c == $v then null else {rule: "integer", int: $c} end)
    elif endswith("\\") then {rule: "trailing-backslash"}
    elif endswith("\"") then {rule: "trailing-quote"}
    else null end;
def dsc_hash_drop:
  split("#") as $s | ($s | length) as $n
  | (reduce range(0; $n) as $i ({open: false, kept: 0};
      (($s[$i] | dsc_count("\"")) + (if $i == 0 then 1 else 0 end) + (if $i == $n - 1 then 1 else 0 end)) as $dq
      | if $dq == 1 or ($s[$i] | dsc_count("'\''")) == 1
        then (if .open then .open = false | .kept += 1 else .open = true end) else . end
      | if .kept == 0 or .open then .kept += 1 else . end)).kept != $n;
def dsc_v12($k):
  . as $v
  | if ($k | startswith("export")) then {rule: "export-key"}
    elif (($k | utf8bytelength) + 3 + ($v | utf8bytelength)
          + ($v | explode | map(select(. == 92 or . == 34 or . == 33 or . == 36 or . == 96 or . == 10 or . == 13)) | length)) >= 65536
    then {rule: "line-too-long"}
    elif ($v | contains("#")) and ($v | dsc_hash_drop) then {rule: "hash-comment"}
    else null end;
def dsc_minor: if $ver == "" then null else ($ver | split(".") | map(tonumber)) end;
def dsc_gv:
  dsc_minor as $p
  | if $p == null then ["v1.5.1", "v1.2.0"]
    elif $p[0] == 0 and ($p[1] < 37 or ($p[1] == 37 and $p[2] < 8)) then ["v1.2.0"]
    else ["v1.5.1"] end;
def dsc_envfile:
  dsc_minor as $p
  | if $p == null then "/var/lib/dokku/config/\($app)/ENV (Dokku 0.38+) or /home/dokku/\($app)/ENV (0.37)"
    elif $p[0] == 0 and $p[1] < 38 then "/home/dokku/\($app)/ENV"
    else "/var/lib/dokku/config/\($app)/ENV" end;
def dsc_dokku: if $ver == "" then "Dokku" else "Dokku \($ver)" end;
def dsc_why:
  if .rule == "trailing-backslash" then "it ends with a backslash, so the write would leave the app'\''s ENV file unreadable (a value set ending in a double quote reads back like this)"
  elif .rule == "trailing-quote" then "it ends with a double quote, which the write turns into a backslash"
  elif .rule == "integer" then "the write would rewrite it as the integer " + .int
  elif .rule == "hash-comment" then "the write would cut it at a \"#\" taken as a comment"
  elif .rule == "line-too-long" then "its line would reach 64 KiB, leaving the app'\''s ENV file unreadable"
  else "its key starts with \"export\", which the next read strips" end;
"dokku-shared-cache: app \($app): Dokku can no longer read this app'\''s env: its ENV file does not parse "
+ "(" + dsc_dokku + " says: \"\($said)\"), so every config command of the app fails, and so do deploys. "
+ "Nothing was changed on this app; the other apps go on. Fix: edit " + dsc_envfile
+ " (usually a value ending in a backslash or a double quote, which Dokku 0.37.8+ writes so that it cannot read it back: "
+ "remove that last character or the line), check with dokku config:export \($app), then run pulumi up again."
'
DSC_PLAN_JQ='
def ro(e): ((e.readonly // false) == true) or ((e.volume_options // "") | split(",") | index("ro") != null);
def spec(e): e.host_path + ":" + e.container_path +
  (if (e.volume_options // "") != "" then ":" + e.volume_options elif ro(e) then ":ro" else "" end);
def owned(m): any($led.mounts[]; .h == m.h and .c == m.c);
def wanted(m): any($want[]; .h == m.host_path and .c == m.container_path);
($cur | map(select(.host_path != null))) as $cur
| [ $want[] as $w
    | ($cur | map(select(.host_path == $w.h and .container_path == $w.c))) as $same
    | ($cur | map(select(.container_path == $w.c and .host_path != $w.h))) as $clash
    | if ($clash | length) > 0 then {conflict: ("container path " + $w.c + " is already mounted from " + ($clash[0].host_path) + " (not by dokku-shared-cache)")}
      elif ($same | length) == 0 then {mount: ($w.h + ":" + $w.c + (if $w.ro then ":ro" else "" end))}
      elif (ro($same[0]) != $w.ro) then
        (if owned($w) then {remount: {old: spec($same[0]), new: ($w.h + ":" + $w.c + (if $w.ro then ":ro" else "" end))}}
         else {conflict: ($w.h + ":" + $w.c + " is already mounted by someone else with other options (" + spec($same[0]) + ")")} end)
      else empty end ] as $m
| [ $led.mounts[] as $l | select(any($want[]; .h == $l.h and .c == $l.c) | not)
    | $cur[] | select(.host_path == $l.h and .container_path == $l.c) | spec(.) ] as $unmount
| [ $wenv | to_entries[] | select(($env[.key] // null) != .value) ] as $set
| [ $led.env | to_entries[] | .key as $k | select($wenv | has($k) | not)
    | select(($env[$k] // null) == .value.ours) ] as $gone
| {
    conflict: [ $m[] | .conflict // empty ],
    mount: [ $m[] | .mount // empty ],
    remount: [ $m[] | .remount // empty ],
    unmount: $unmount,
    set: ($set | from_entries),
    restore: ([ $gone[] | select(.value.prev != null) | {key, value: .value.prev} ] | from_entries),
    unset: [ $gone[] | select(.value.prev == null) | .key ],
    ledger: {
      mounts: [ $want[] | . as $w | select(owned($w) or (any($cur[]; .host_path == $w.h and .container_path == $w.c) | not)) ],
      env: ([ $wenv | to_entries[] | .key as $k
        | if ($led.env | has($k)) then {key, value: {ours: .value, prev: $led.env[$k].prev}}
          elif ($env[$k] // null) == .value then empty
          else {key, value: {ours: .value, prev: ($env[$k] // null)}} end ] | from_entries),
      pendingRestart: ($led.pendingRestart // false)
    }
  }
| .changes = ((.mount | length) + (.remount | length) + (.unmount | length) + (.set | length) + (.restore | length) + (.unset | length))
'
DSC_NAMED_PLAN_JQ='
def ro(e): ((e.readonly // false) == true) or ((e.volume_options // "") | split(",") | index("ro") != null);
def spec(e): e.host_path + ":" + e.container_path +
  (if (e.volume_options // "") != "" then ":" + e.volume_options elif ro(e) then ":ro" else "" end);
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
'
DSC_ENV_GUARD_JQ='
def dsc_count($c): if . == "" then 0 else (split($c) | length - 1) end;
def dsc_atoi:
  if test("^[+-]?[0-9]+$") | not then null
  else startswith("-") as $neg
    | (ltrimstr("+") | ltrimstr("-") | sub("^0+"; "")) as $d0
    | (if $d0 == "" then "0" else $d0 end) as $d
    | (if $neg then "9223372036854775808" else "9223372036854775807" end) as $lim
    | if ($d | length) < 19 or (($d | length) == 19 and $d <= $lim)
      then (if $neg and $d != "0" then "-" + $d else $d end) else null end
  end;
def dsc_v15:
  . as $v | dsc_atoi as $c
  | if $c != null then (if $c == $v then null else {rule: "integer", int: $c} end)
    elif endswith("\\") then {rule: "trailing-backslash"}
    elif endswith("\"") then {rule: "trailing-quote"}
    else null end;
def dsc_hash_drop:
  split("#") as $s | ($s | length) as $n
  | (reduce range(0; $n) as $i ({open: false, kept: 0};
      (($s[$i] | dsc_count("\"")) + (if $i == 0 then 1 else 0 end) + (if $i == $n - 1 then 1 else 0 end)) as $dq
      | if $dq == 1 or ($s[$i] | dsc_count("'\''")) == 1
        then (if .open then .open = false | .kept += 1 else .open = true end) else . end
      | if .kept == 0 or .open then .kept += 1 else . end)).kept != $n;
def dsc_v12($k):
  . as $v
  | if ($k | startswith("export")) then {rule: "export-key"}
    elif (($k | utf8bytelength) + 3 + ($v | utf8bytelength)
          + ($v | explode | map(select(. == 92 or . == 34 or . == 33 or . == 36 or . == 96 or . == 10 or . == 13)) | length)) >= 65536
    then {rule: "line-too-long"}
    elif ($v | contains("#")) and ($v | dsc_hash_drop) then {rule: "hash-comment"}
    else null end;
def dsc_minor: if $ver == "" then null else ($ver | split(".") | map(tonumber)) end;
def dsc_gv:
  dsc_minor as $p
  | if $p == null then ["v1.5.1", "v1.2.0"]
    elif $p[0] == 0 and ($p[1] < 37 or ($p[1] == 37 and $p[2] < 8)) then ["v1.2.0"]
    else ["v1.5.1"] end;
def dsc_envfile:
  dsc_minor as $p
  | if $p == null then "/var/lib/dokku/config/\($app)/ENV (Dokku 0.38+) or /home/dokku/\($app)/ENV (0.37)"
    elif $p[0] == 0 and $p[1] < 38 then "/home/dokku/\($app)/ENV"
    else "/var/lib/dokku/config/\($app)/ENV" end;
def dsc_dokku: if $ver == "" then "Dokku" else "Dokku \($ver)" end;
def dsc_why:
  if .rule == "trailing-backslash" then "it ends with a backslash, so the write would leave the app'\''s ENV file unreadable (a value set ending in a double quote reads back like this)"
  elif .rule == "trailing-quote" then "it ends with a double quote, which the write turns into a backslash"
  elif .rule == "integer" then "the write would rewrite it as the integer " + .int
  elif .rule == "hash-comment" then "the write would cut it at a \"#\" taken as a comment"
  elif .rule == "line-too-long" then "its line would reach 64 KiB, leaving the app'\''s ENV file unreadable"
  else "its key starts with \"export\", which the next read strips" end;
(reduce ($plan.unset[]) as $k ($env + $plan.set + $plan.restore; del(.[$k]))) as $after
| dsc_gv as $gv
| [ $after | to_entries[] | .key as $k
    | ([ (if $gv | index("v1.5.1") then (.value | dsc_v15) else null end),
         (if $gv | index("v1.2.0") then (.value | dsc_v12($k)) else null end) ] | map(select(. != null))) as $r
    | select($r | length > 0)
    | "\($k) (" + ($r | map(dsc_why) | unique | join("; "))
      + (if $plan.set | has($k) then "; this is the stack'\''s own value: change it in the stack" else "" end) + ")" ] as $bad
| if ($bad | length) == 0 then empty
  else "dokku-shared-cache: app \($app): not writing its env: " + dsc_dokku
    + " would corrupt " + (if ($bad | length) == 1 then "the value of " else "the values of " end)
    + ($bad | join(", ")) + ", because it rewrites the whole ENV file on every config:set/config:unset"
    + " (godotenv " + ($gv | join(" or ")) + "). Nothing was changed on this app; the other apps go on."
    + " Fix " + (if ($bad | length) == 1 then "that value" else "those values" end)
    + " yourself (dokku config:set \($app) KEY=..., dokku config:unset \($app) KEY, or edit "
    + dsc_envfile + "), then run pulumi up again."
  end
'
DSC_BUILD_PLAN_JQ='
(($cur | [splits("[ \t\n]+")] | map(select(. != ""))) as $t
| [ range(0; ($t | length) - 1) as $i | select($t[$i] == "-v" or $t[$i] == "--volume") | "-v " + $t[$i + 1] ]) as $have
| ($led.build // []) as $ours
| {
    builder: $builder,
    add: [ $want[] | select(. as $w | any($have[]; . == $w) | not) ],
    remove: [ $ours[] | select(. as $o | (any($want[]; . == $o) | not) and any($have[]; . == $o)) ],
    ledger: [ $want[] | select(. as $w | any($ours[]; . == $w) or (any($have[]; . == $w) | not)) ]
  }
'
LEDGER="$STATE/apps/$APP.json"
ERR="$STATE/apps/.$APP.err"
for t in dokku jq flock base64; do
  command -v "$t" >/dev/null 2>&1 || {
    echo "dokku-shared-cache: '$t' is required on the host" >&2
    exit 127
  }
done
# Supported Dokku versions are checked, before any write (see dokku-version.ts).
DSC_MIN_VN='37005'
DSC_REFUSAL_PRE='this host runs Dokku '
DSC_REFUSAL_POST=' (from `dokku version`); dokku-shared-cache supports Dokku 0.37.5 and later (below it, storage:list prints another JSON and storage:mount'\''s duplicate check can skip a mount silently). Nothing was changed; upgrade Dokku and run again.'
DOKKU_VERSION=$(dokku version 2>/dev/null </dev/null | grep -o '[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*' | head -n 1) || DOKKU_VERSION=""
dsc_vn=$(printf '%s\n' "$DOKKU_VERSION" | awk -F. 'NF == 3 { print $1 * 1000000 + $2 * 1000 + $3; next } { print -1 }')
if [ "$dsc_vn" -lt "$DSC_MIN_VN" ]; then
  printf 'dokku-shared-cache: app %s: %s%s%s\n' "$APP" "$DSC_REFUSAL_PRE" "${DOKKU_VERSION:-of unknown version}" "$DSC_REFUSAL_POST" >&2
  exit 9
fi
# Dokku >= 0.38: named storage entries (host/storage-entries.ts); 0.37: colon mounts.
NAMED=false
if [ "$dsc_vn" -ge 38000 ]; then NAMED=true; else WANT=$(printf '%s' "$WANT" | jq -c 'map(del(.e))'); fi
umask 077
mkdir -p -- "$STATE/apps" "$STATE/locks"
NOTHING_YET="Nothing was changed on this app; fix the cause and run pulumi up again."
PARTLY="This run's earlier changes to the app are recorded; fix the cause and run pulumi up again."
UNREADABLE="If Dokku cannot parse the app's ENV file, every config command of the app fails until the value it names is fixed (check with: dokku config:export $APP)."
dsc_words() { # stdin: Dokku's output; prints its message on one line, each ` !` line once
  # (a failed deploy on 0.38.27 prints its " !" lines twice, the second time each prefixed
  # once more (" !      !     Failure in …"); seen in test/dokku/restart-failure.test.ts)
  esc=$(printf '\033')
  sed "s/$esc\[[0-9;]*[A-Za-z]//g" | awk '/^ !     / { while (sub(/^ !     /, "")) continue; if (!seen[$0]++) m = m (m == "" ? "" : " ") $0; next } NF { l = $0 } END { gsub(/^[ \t]+/, "", l); print (m != "" ? m : (l != "" ? l : "(nothing)")) }'
}
dsc_fail() { # rc what todo; stdin: Dokku's output
  echo "dokku-shared-cache: app $APP: $2 failed with exit $1; Dokku says: \"$(dsc_words)\". $3" >&2
  rm -f -- "$ERR"
  exit "$1"
}
dsc_dokku() { # what todo dokku-args...
  w=$1
  t=$2
  shift 2
  r=0
  dokku "$@" 2>"$ERR" </dev/null || r=$?
  if [ "$r" != 0 ]; then dsc_fail "$r" "$w" "$t" <"$ERR"; fi
  rm -f -- "$ERR"
}
DSC_SAW_DEPLOY=false
DSC_BUSY=
# true/false once Dokku 0.38 listed the app's build records (app-restart.sh); empty: not known
DSC_HAS_BUILDS=
dsc_record_alive() { # pid start: the record's process, not a later process or thread given its pid
  # Dokku 0.38.27 calls a record running while kill(pid, 0) succeeds (plugins/builds/builds.go
  # CheckPIDAlive), but never finalizes a ps:restart's record (only deploys release the deploy
  # lock, plugins/common/functions release_app_deploy_lock): once its pid is reused (seen on the
  # real Dokku: a pulumi thread, pid_max 32768) it reads as a deploy running for ever. A record's
  # process started by the time the record was written; a reused pid started later.
  [ -r /proc/self/stat ] || return 0 # no /proc: take Dokku's word
  [ -r "/proc/$1/stat" ] || return 1
  [ "$2" -gt 0 ] 2>/dev/null || return 0
  dsc_st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20)
  dsc_bt=$(awk '$1 == "btime" { print $2 }' /proc/stat 2>/dev/null)
  dsc_hz=$(getconf CLK_TCK 2>/dev/null) || dsc_hz=100
  case "$dsc_st$dsc_bt$dsc_hz" in '' | *[!0-9]*) return 0 ;; esac
  [ $((dsc_bt + dsc_st / dsc_hz)) -le $(($2 + 5)) ]
}
dsc_deploying() { # sets DSC_BUSY: the app's running deploys, one line; empty when none (or Dokku cannot say)
  DSC_BUSY=
  if [ "$dsc_vn" -ge 38000 ]; then
    # Every record, not --status running: the same call also says whether the app has any
    # (DSC_HAS_BUILDS). Dokku 0.38.27 plugins/builds/subcommands.go CommandList: with no filter,
    # the live-running records first (never cut), then up to the retention (default 20, at
    # least 1) newest others; --status running keeps those whose display_status is "running"
    # (matchesStatus), i.e. status running and kill(pid, 0) alive (builds.go DisplayStatus,
    # CheckPIDAlive): that filter is the select below, on the field Dokku computed.
    dsc_j=$(dokku builds:list "$APP" --format json 2>/dev/null </dev/null) || return 0
    dsc_j=$(printf '%s\n' "$dsc_j" | tail -n 1)
    case $(printf '%s\n' "$dsc_j" | jq -r 'if type == "array" then length > 0 else empty end' 2>/dev/null) in
      true) DSC_HAS_BUILDS=true ;;
      false) [ "$DSC_HAS_BUILDS" = true ] || DSC_HAS_BUILDS=false ;;
    esac
    # pid, start (epoch seconds), description; one line per record Dokku calls running
    dsc_recs=$(printf '%s\n' "$dsc_j" | jq -r 'if type == "array" then .[] | select((.display_status // .status) == "running") | "\(.pid // 0) \((.started_at // "" | sub("\\.[0-9]+"; "") | try fromdateiso8601 catch 0) | floor) \(.source // "?") \(.kind // "build") \(.id // "?") (pid \(.pid // "?"), started \(.started_at // "?" | sub("\\.[0-9]+"; "")))" else empty end' 2>/dev/null) || dsc_recs=
    DSC_BUSY=$(printf '%s\n' "$dsc_recs" | while read -r dsc_pid dsc_at dsc_what; do
      [ -n "$dsc_pid" ] || continue
      dsc_record_alive "$dsc_pid" "$dsc_at" || continue
      printf '%s\n' "$dsc_what"
    done | awk 'NR > 1 { printf ", " } { printf "%s", $0 } END { if (NR) print "" }')
  elif [ "$(dokku apps:report "$APP" --app-locked 2>/dev/null </dev/null || true)" = true ]; then
    DSC_BUSY="Dokku's deploy lock file is in place (dokku apps:report $APP --app-locked; an interrupted deploy can leave it behind: dokku apps:unlock $APP)"
  fi
}
dsc_wait_deploys() { # deadline what
  dsc_deploying
  [ -n "$DSC_BUSY" ] || return 0
  DSC_SAW_DEPLOY=true
  dsc_t0=$(date +%s)
  echo "dokku-shared-cache: app $APP: a deploy is running ($DSC_BUSY); waiting for it to finish before $2 (at most ${DEPLOY_WAIT}s in all, stack key deployWaitSeconds)" >&2
  while [ -n "$DSC_BUSY" ]; do
    [ "$(date +%s)" -lt "$1" ] || return 1
    sleep 2
    dsc_deploying
  done
  echo "dokku-shared-cache: app $APP: the deploy finished (waited $(($(date +%s) - dsc_t0))s); going on with $2" >&2
}
# storage:list doubles as the existence check: an unknown app exits 20.
rc=0
CUR=$(dokku storage:list "$APP" --format json 2>"$ERR" </dev/null) || rc=$?
if [ "$rc" = 20 ]; then
  rm -f -- "$ERR"
  if [ "$REMOVE" = true ]; then
    rm -f -- "$LEDGER"
    printf '%s{"app":"%s","missing":true,"changes":0,"restarted":false}\n' "$MARK" "$APP"
    exit 0
  fi
  echo "dokku-shared-cache: app '$APP' does not exist on this Dokku host (dokku apps:exists exit 20); create it (dokku apps:create $APP) or remove it from the stack's apps" >&2
  exit 20
elif [ "$rc" != 0 ]; then
  dsc_fail "$rc" "reading its mounts (dokku storage:list)" "$NOTHING_YET" <"$ERR"
fi
rm -f -- "$ERR"
rc=0
ENVJ=$(dokku config:export --format json "$APP" 2>"$ERR" </dev/null) || rc=$?
if [ "$rc" != 0 ]; then
  # godotenv's parse errors (v1.5.1, v1.2.0): Dokku can no longer read the app's ENV file.
  if grep -q -e 'unterminated quoted value' -e 'unexpected character' -e "Can't separate key from value" -e 'token too long' -- "$ERR"; then
    jq -rn --arg app "$APP" --arg ver "$DOKKU_VERSION" --arg said "$(sed -n 's/^ !     //p' -- "$ERR" | head -n 1)" "$DSC_ENV_UNREADABLE_JQ" >&2
    rm -f -- "$ERR"
    exit 7
  fi
  dsc_fail "$rc" "reading its env (dokku config:export)" "$NOTHING_YET" <"$ERR"
fi
rm -f -- "$ERR"
# Before its JSON, config:export prints "-----> Deleting invalid key …" for keys Dokku rejects.
ENVJ=$(printf '%s\n' "$ENVJ" | tail -n 1)
if [ -s "$LEDGER" ]; then LED=$(cat -- "$LEDGER"); else LED='{"mounts":[],"env":{}}'; fi
PLAN=$(jq -cn --argjson cur "$CUR" --argjson env "$ENVJ" --argjson want "$WANT" --argjson wenv "$WENV" --argjson led "$LED" "$DSC_PLAN_JQ")
if [ "$NAMED" = true ]; then
  PLAN=$(jq -cn --argjson base "$PLAN" --argjson cur "$CUR" --argjson want "$WANT" --argjson led "$LED" "$DSC_NAMED_PLAN_JQ")
fi
plan() { printf '%s' "$PLAN" | jq -r "$1"; }
if [ "$(plan '.conflict | length')" != 0 ]; then
  plan '.conflict[]' | while IFS= read -r c; do echo "dokku-shared-cache: $APP: $c" >&2; done
  echo "dokku-shared-cache: $APP: nothing was changed on this app; resolve the conflict and run again" >&2
  exit 3
fi
# Dokku rewrites the whole ENV file on every config write, and its parser
# (godotenv) does not read every value back: check every value the write
# would leave, by the host's rules (DOKKU_VERSION, read above), before writing anything.
if [ "$(plan '(.set + .restore | length) + (.unset | length)')" != 0 ]; then
  msg=$(jq -rn --argjson env "$ENVJ" --argjson plan "$PLAN" --arg app "$APP" --arg ver "$DOKKU_VERSION" "$DSC_ENV_GUARD_JQ")
  if [ -n "$msg" ]; then
    printf '%s\n' "$msg" >&2
    exit 7
  fi
fi
if [ "$(plan '(.mount | length) + (.remount | length) + (.attach // [] | length)')" != 0 ]; then
  SCHEDULER=$(dsc_dokku "reading its scheduler (dokku scheduler:report)" "$NOTHING_YET" scheduler:report "$APP" --scheduler-computed-selected)
  if [ "$SCHEDULER" = k3s ]; then
    echo "dokku-shared-cache: app $APP runs on the k3s scheduler (dokku scheduler:report $APP --scheduler-computed-selected). The shared caches are host directories; Dokku mounts host directories (colon mounts and docker-local storage entries) into docker-local apps only, and a k3s app's deploy fails on them (scheduler-k3s: \"storage entry is scheduler=docker-local but is mounted on a k3s app\"). Sharing across k3s apps needs a ReadWriteMany volume (dokku storage:create NAME --scheduler k3s --size SIZE --access-mode ReadWriteMany), which dokku-shared-cache does not manage. Nothing was changed; remove $APP from the stack's apps (or from discover) or give it caches: []." >&2
    exit 10
  fi
fi
# dsc_entry_made NAME PATH: this program created entry NAME for PATH (its marker holds the path).
dsc_entry_made() { [ -s "$STATE/entries/$1" ] && [ "$(cat -- "$STATE/entries/$1")" = "$2" ]; }
if [ "$NAMED" = true ]; then
  mkdir -p -- "$STATE/entries"
  # Entries we need: an existing one must be docker-local on the same directory (ours or not); else refused before any write.
  MISSING=""
  CREATED=""
  # An entry this program created holds its host path in its marker ($STATE/entries/NAME, written
  # before storage:create): when every entry needed has one with the same path, nothing is read
  # (Dokku 0.38.27 storage:create refuses a second entry of a name, and only we write our
  # markers). One without (made by someone else, or by a version that wrote empty markers) is
  # checked as before. An entry of ours destroyed behind our back: storage-named-writes.sh.
  KNOWN=true
  dsc_n=$(plan '.entries | length')
  dsc_i=0
  while [ "$dsc_i" -lt "$dsc_n" ]; do
    dsc_e=$(plan ".entries[$dsc_i].e")
    dsc_h=$(plan ".entries[$dsc_i].h")
    dsc_i=$((dsc_i + 1))
    if ! dsc_entry_made "$dsc_e" "$dsc_h"; then
      KNOWN=false
      break
    fi
  done
  if [ "$KNOWN" = false ]; then
    # Host-wide, only while Dokku's list is read and judged (markers learn paths under it);
    # dsc_named_writes takes it again for creating and destroying entries.
    exec 8>"$STATE/locks/entries"
    flock 8
    rc=0
    ALL=$(dokku storage:list-entries --format json 2>"$ERR" </dev/null) || rc=$?
    if [ "$rc" != 0 ]; then dsc_fail "$rc" "reading the storage entries (dokku storage:list-entries)" "$NOTHING_YET" <"$ERR"; fi
    rm -f -- "$ERR"
    bad=$(printf '%s' "$PLAN" | jq -r --argjson all "$ALL" '.entries[] as $w | $all[] | select(.name == $w.e)
      | select(.scheduler != "docker-local" or .host_path != $w.h)
      | "storage entry \(.name) already exists (\(.scheduler) \(.host_path // "")), not docker-local \($w.h)"')
    if [ -n "$bad" ]; then
      printf '%s\n' "$bad" | while IFS= read -r b; do echo "dokku-shared-cache: app $APP: $b; dokku-shared-cache did not make it like that. $NOTHING_YET (rename or destroy that entry: dokku storage:info NAME)" >&2; done
      exit 3
    fi
    MISSING=" $(printf '%s' "$PLAN" | jq -r --argjson all "$ALL" '[.entries[].e | select(. as $e | any($all[]; .name == $e) | not)] | join(" ")') "
    # Our entries that are in place and right: their markers learn the path (see above).
    printf '%s' "$PLAN" | jq -r --argjson all "$ALL" '.entries[] | select(.e as $e | any($all[]; .name == $e)) | .e + "=" + .h' |
      while IFS='=' read -r dsc_e dsc_h; do
        if [ -e "$STATE/entries/$dsc_e" ]; then printf '%s' "$dsc_h" >"$STATE/entries/$dsc_e"; fi
      done
    exec 8>&-
  fi
fi
BUILDER=$DECL_BUILDER
if [ "$BUILDER" = unknown ] && [ "$WBUILD_H$WBUILD_P" != '[][]' ]; then
  rc=0
  sel=$(dokku builder:report "$APP" --builder-computed-selected 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its builder (dokku builder:report)" "$NOTHING_YET" <"$ERR"
  rc=0
  det=$(dokku builder:report "$APP" --builder-detected 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its builder (dokku builder:report)" "$NOTHING_YET" <"$ERR"
  rm -f -- "$ERR"
  sel=$(printf '%s' "$sel" | tr -d ' \n')
  det=$(printf '%s' "$det" | tr -d ' \n')
  BUILDER=${sel:-${det:-undetermined}}
fi
case "$BUILDER" in
  herokuish | undetermined) WBUILD=$WBUILD_H ;;
  pack) WBUILD=$WBUILD_P ;;
  *) WBUILD='[]' ;;
esac
CURB=''
if [ "$WBUILD" != '[]' ] || [ "$(printf '%s' "$LED" | jq '.build // [] | length')" != 0 ]; then
  rc=0
  CURB=$(dokku docker-options:report "$APP" --docker-options-build 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its build options (dokku docker-options:report)" "$NOTHING_YET" <"$ERR"
  rm -f -- "$ERR"
fi
BPLAN=$(jq -cn --arg cur "$CURB" --argjson want "$WBUILD" --argjson led "$LED" --arg builder "$BUILDER" "$DSC_BUILD_PLAN_JQ")
dsc_entry_create() { # name path: the marker first (ours even if the create is cut short: gc), its path once Dokku has it
  : >"$STATE/entries/$1"
  dsc_dokku "creating storage entry $1 for $2 (dokku storage:create)" "$PARTLY" storage:create "$1" "$2" >/dev/null
  printf '%s' "$2" >"$STATE/entries/$1"
  CREATED="$CREATED $1 "
}
dsc_entries_lock() { exec 8>"$STATE/locks/entries" && flock 8; }
# Dokku >= 0.38: entries. Creating and destroying entries hold the host-wide lock (fd 8), so that
# two apps never create one entry twice and an entry is destroyed only between other apps'
# creates; attaching and detaching are the app's own (Dokku 0.38.27 keeps attachments per app)
# and run without it, in parallel with other apps.
dsc_named_writes() {
  plan '.detach[] | .e + " " + .c' | while IFS=' ' read -r e c; do
    [ -n "$e" ] || continue
    out=$(dokku storage:unmount "$APP" "$e" --container-dir "$c" 2>&1 </dev/null) || {
      case "$out" in *"is not mounted"*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "detaching storage entry $e from $c (dokku storage:unmount)" "$PARTLY" ;; esac
    }
  done
  # Our colon mounts go first (a migration never leaves two mounts at one container path).
  plan '.unmount[]' | while IFS= read -r m; do
    [ -n "$m" ] || continue
    out=$(dokku storage:unmount "$APP" "$m" 2>&1 </dev/null) || {
      case "$out" in *"Mount path does not exist."*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "unmounting $m (dokku storage:unmount)" "$PARTLY" ;; esac
    }
  done
  n=$(plan '.attach | length')
  if [ "$MISSING" != "" ]; then
    dsc_entries_lock
    i=0
    while [ "$i" -lt "$n" ]; do
      e=$(plan ".attach[$i].e")
      h=$(plan ".attach[$i].h")
      i=$((i + 1))
      case "$CREATED" in *" $e "*) continue ;; esac
      case "$MISSING" in *" $e "*)
        # Another app of this run may have made it since the gate read the list: its marker says so.
        dsc_entry_made "$e" "$h" && continue
        dsc_entry_create "$e" "$h"
        ;;
      esac
    done
    exec 8>&-
  fi
  i=0
  while [ "$i" -lt "$n" ]; do
    e=$(plan ".attach[$i].e")
    h=$(plan ".attach[$i].h")
    c=$(plan ".attach[$i].c")
    ro=$(plan ".attach[$i].ro")
    i=$((i + 1))
    set -- storage:mount "$APP" "$e" --container-dir "$c"
    if [ "$ro" = true ]; then set -- "$@" --volume-readonly; fi
    what="attaching storage entry $e at $c (dokku storage:mount)"
    out=$(dokku "$@" 2>&1 </dev/null) || {
      case "$out" in
        *"is already mounted at"*) ;;
        *"does not exist; create it first"*)
          # Dokku 0.38.27 plugins/storage/subcommands.go CommandMount: the entry our marker
          # stands for is gone (destroyed behind our back, or an earlier storage:create failed).
          # Under the lock: another app may be making it again right now; then the mount works.
          case "$CREATED" in *" $e "*) printf '%s\n' "$out" | dsc_fail 1 "$what" "$PARTLY" ;; esac
          dsc_entries_lock
          out=$(dokku "$@" 2>&1 </dev/null) || {
            case "$out" in *"does not exist; create it first"*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "$what" "$PARTLY" ;; esac
            dsc_entry_create "$e" "$h"
            dsc_dokku "$what" "$PARTLY" "$@" >/dev/null
          }
          exec 8>&-
          ;;
        *) printf '%s\n' "$out" | dsc_fail 1 "$what" "$PARTLY" ;;
      esac
    }
  done
  # Entries no app uses any more: ours (marker) and the legacy-* entries of our colon mounts.
  if [ "$(printf '%s' "$LED" | jq '(.gc // []) | length')" != 0 ]; then dsc_entries_lock; fi
  for e in $(printf '%s' "$LED" | jq -r '(.gc // [])[]'); do
    case "$e" in legacy-*) ;; *) [ -e "$STATE/entries/$e" ] || continue ;; esac
    out=$(dokku --force storage:destroy "$e" 2>&1 </dev/null) || {
      case "$out" in
        *"is still mounted by app"*) continue ;;
        *"does not exist"*) ;;
        *) printf '%s\n' "$out" | dsc_fail 1 "destroying the unused storage entry $e (dokku storage:destroy; its directory is kept)" "$PARTLY" ;;
      esac
    }
    rm -f -- "$STATE/entries/$e"
  done
  exec 8>&-
}
dsc_colon_writes() { # Dokku 0.37: colon mounts
  plan '.remount[] | .old + " " + .new' | while IFS=' ' read -r old new; do
    [ -n "$old" ] || continue
    dsc_dokku "remounting $old as $new (dokku storage:unmount)" "$PARTLY" storage:unmount "$APP" "$old"
    dsc_dokku "remounting $old as $new (dokku storage:mount)" "$PARTLY" storage:mount "$APP" "$new"
  done
  plan '.mount[]' | while IFS= read -r m; do
    [ -n "$m" ] || continue
    out=$(dokku storage:mount "$APP" "$m" 2>&1 </dev/null) || {
      case "$out" in *"Mount path already exists."*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "mounting $m (dokku storage:mount)" "$PARTLY" ;; esac
    }
  done
  plan '.unmount[]' | while IFS= read -r m; do
    [ -n "$m" ] || continue
    out=$(dokku storage:unmount "$APP" "$m" 2>&1 </dev/null) || {
      case "$out" in *"Mount path does not exist."*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "unmounting $m (dokku storage:unmount)" "$PARTLY" ;; esac
    }
  done
}
# Something to write or a restart pending, and a deploy of this app running now: wait for
# it first (host/deploy-wait.ts; on Dokku 0.38 its builds:list also sets DSC_HAS_BUILDS, which
# app-restart.sh reads). The plan stays valid: a deploy changes none of our mounts or keys.
if { [ "$(plan '.changes')" != 0 ] || [ "$(printf '%s' "$LED" | jq -r '.pendingRestart // false')" = true ] || [ "$(printf '%s' "$BPLAN" | jq -r '(.add | length) + (.remove | length)')" != 0 ]; } &&
  ! dsc_wait_deploys "$(($(date +%s) + DEPLOY_WAIT))" "changing the app's mounts and env"; then
  echo "dokku-shared-cache: app $APP: skipped: a deploy of the app is still running after ${DEPLOY_WAIT}s ($DSC_BUSY). Nothing was changed on this app; the next pulumi up converges it (or raise deployWaitSeconds)." >&2
  exit 10
fi
save_ledger() { # $1: jq filter over {plan, led}
  printf '%s' "$PLAN" | jq -c --argjson led "$LED" "$1" >"$LEDGER.tmp"
  mv -f -- "$LEDGER.tmp" "$LEDGER"
  LED=$(cat -- "$LEDGER")
}
# Record what we are about to add (and keep what we added before) before touching the app.
save_ledger '{mounts: ((.ledger.mounts + $led.mounts) | unique_by([.h, .c, (.e // "")])), gc: (($led.gc // []) + (.gc // []) | unique), env: ($led.env + .ledger.env), pendingRestart: ($led.pendingRestart // false), repair: ($led.repair // 0), build: ($led.build // [])}'
CHANGES=$(plan '.changes')
if [ "$CHANGES" != 0 ]; then
  save_ledger '$led + {pendingRestart: true}'
fi
if [ "$NAMED" = true ]; then dsc_named_writes; else dsc_colon_writes; fi
set --
for kv in $(plan '(.set + .restore) | to_entries[] | .key + "=" + (.value | @base64)'); do set -- "$@" "$kv"; done
if [ "$#" -gt 0 ]; then dsc_dokku "setting env $(plan '(.set + .restore) | keys | join(" ")') (dokku config:set)" "$PARTLY $UNREADABLE" --quiet config:set --encoded --no-restart "$APP" "$@" >/dev/null; fi
set --
for k in $(plan '.unset[]'); do set -- "$@" "$k"; done
if [ "$#" -gt 0 ]; then dsc_dokku "unsetting env $* (dokku config:unset)" "$PARTLY $UNREADABLE" --quiet config:unset --no-restart "$APP" "$@" >/dev/null; fi
# The ledger now holds exactly what we own.
save_ledger '.ledger + {pendingRestart: ($led.pendingRestart // false), repair: ($led.repair // 0), build: ($led.build // [])}'
bled() { # $1: jq filter over the ledger, with $b = BPLAN
  printf '%s' "$LED" | jq -c --argjson b "$BPLAN" "$1" >"$LEDGER.tmp"
  mv -f -- "$LEDGER.tmp" "$LEDGER"
  LED=$(cat -- "$LEDGER")
}
bplan() { printf '%s' "$BPLAN" | jq -r "$1"; }
if [ "$(bplan '(.add | length) + (.remove | length)')" != 0 ]; then
  bled '. + {build: (((.build // []) + $b.ledger) | unique)}'
  if [ "$AFTER" = rebuild ]; then bled '. + {pendingRestart: true}'; fi
  bplan '.add[]' | while IFS= read -r o; do
    [ -n "$o" ] || continue
    dsc_dokku "adding the build option $o (dokku docker-options:add)" "$PARTLY" docker-options:add "$APP" build "$o"
  done
  bplan '.remove[]' | while IFS= read -r o; do
    [ -n "$o" ] || continue
    dsc_dokku "removing the build option $o (dokku docker-options:remove)" "$PARTLY" docker-options:remove "$APP" build "$o"
  done
fi
bled '. + {build: $b.ledger, builder: $b.builder}'
restarted=false
if [ "$(printf '%s' "$LED" | jq -r '.pendingRestart')" = true ]; then
  # Is the app deployed? Dokku 0.38.27 plugins/ps/ps.go Restart only warns "has not been
  # deployed" (exit 0) when plugins/common/common.go IsDeployed says no, the same answer as
  # ps:report --deployed (plugins/ps/report.go reportDeployed); ps:rebuild exits 1 there. So a
  # rebuild asks first, and so does a restart when deploy-wait.sh's builds:list showed Dokku
  # 0.38 keeping no build record of the app (every deploy and ps:restart starts one: the dokku
  # entry point, dokku_setup_build_capture; an app deployed before 0.38 has none but is
  # deployed): one ps:report in place of a second builds:list and a ps:restart that would only
  # warn. With build records, or on 0.37 (no builds plugin), ps:restart itself says.
  dsc_deployed=
  if [ "$AFTER" = rebuild ] || { [ "$AFTER" = restart ] && [ "$DSC_HAS_BUILDS" = false ]; }; then
    dsc_deployed=$(dokku ps:report "$APP" --deployed 2>/dev/null </dev/null || true)
  fi
  if { [ "$AFTER" = restart ] && [ "$dsc_deployed" != false ]; } || { [ "$AFTER" = rebuild ] && [ "$dsc_deployed" = true ]; }; then
    # Never over a deploy (host/deploy-wait.ts): with a slot held, ask
    # whether the app is deploying; if so, give the slot back and wait.
    dsc_deadline=$(($(date +%s) + DEPLOY_WAIT))
    DSC_SAW_DEPLOY=false
    while :; do
      while :; do
        i=1
        got=false
        while [ "$i" -le "$SLOTS" ]; do
          exec 9>"$STATE/locks/restart.$i"
          if flock -n 9; then
            got=true
            break
          fi
          exec 9>&-
          i=$((i + 1))
        done
        [ "$got" = true ] && break
        sleep 1
      done
      dsc_deploying
      [ -z "$DSC_BUSY" ] && break
      exec 9>&-
      DSC_SAW_DEPLOY=true
      if ! dsc_wait_deploys "$dsc_deadline" "the $AFTER"; then
        echo "dokku-shared-cache: app $APP: the app's mounts and env are in place, but a deploy of the app is still running after ${DEPLOY_WAIT}s ($DSC_BUSY); the $AFTER was not run over it and stays pending: the next pulumi up runs it (or raise deployWaitSeconds)." >&2
        exit 10
      fi
    done
    if [ "$DSC_SAW_DEPLOY" = true ] && [ "$WENV" != '{}' ]; then
      # The deploy rewrote the ENV file (git_build's GIT_REV) around our write:
      # Dokku's config writes are read-modify-write, so check ours is still there.
      rc=0
      ENV2=$(dokku config:export --format json "$APP" 2>"$ERR" </dev/null) || rc=$?
      [ "$rc" = 0 ] || dsc_fail "$rc" "reading its env again after a deploy (dokku config:export)" "$PARTLY"
      rm -f -- "$ERR"
      LOST=$(printf '%s\n' "$ENV2" | tail -n 1 | jq -c --argjson wenv "$WENV" '. as $env | [$wenv | to_entries[] | select(($env[.key] // null) != .value)]')
      set --
      for kv in $(printf '%s' "$LOST" | jq -r '.[] | .key + "=" + (.value | @base64)'); do set -- "$@" "$kv"; done
      if [ "$#" -gt 0 ]; then
        echo "dokku-shared-cache: app $APP: a deploy's own config write (GIT_REV) lost env $(printf '%s' "$LOST" | jq -r 'map(.key) | join(" ")') set by this run; setting it again before the $AFTER" >&2
        dsc_dokku "setting env again after a deploy (dokku config:set)" "$PARTLY $UNREADABLE" --quiet config:set --encoded --no-restart "$APP" "$@" >/dev/null
      fi
    fi
    rc=0
    out=$(dokku "ps:$AFTER" "$APP" 2>&1 </dev/null) || rc=$?
    exec 9>&-
    if [ "$rc" != 0 ]; then
      # pendingRestart stays in the ledger: the next run retries it.
      printf '%s\n' "$out" >&2
      case "$out" in
        *"has a deploy lock in place"*)
          echo "dokku-shared-cache: app $APP: the $AFTER was refused: Dokku says the app has a deploy lock in place (a deploy is running, or an interrupted one left it: dokku apps:unlock $APP). The app's mounts and env are in place; the $AFTER stays pending and the next pulumi up retries it." >&2
          ;;
        *)
          echo "dokku-shared-cache: app $APP: the $AFTER (dokku ps:$AFTER) failed with exit $rc; Dokku says: \"$(printf '%s\n' "$out" | dsc_words)\" (its output is above). The app's mounts and env are in place; the $AFTER stays pending and the next pulumi up retries it. Fix the cause (a failed health check: dokku logs $APP, dokku checks:report $APP) or run dokku ps:$AFTER $APP yourself." >&2
          ;;
      esac
      exit 8
    fi
    case "$out" in *"has not been deployed"*) ;; *)
      printf '%s\n' "$out"
      restarted=true
      ;;
    esac
  fi
  save_ledger '$led + {pendingRestart: false}'
fi
if [ "$REMOVE" = true ] && [ "$(printf '%s' "$LED" | jq -r '(.mounts | length) + (.env | length) + (.build // [] | length)')" = 0 ]; then
  rm -f -- "$LEDGER"
fi
if [ -n "$REPAIR" ]; then save_ledger "\$led + {repair: $REPAIR}"; fi
printf '%s' "$PLAN" | jq -c --arg app "$APP" --argjson restarted "$restarted" --arg mark "$MARK" --argjson b "$BPLAN" \
  '$mark + ({app: $app, changes, storage: (if has("attach") then "entries" else "colon" end), mounted: (.mount + [(.attach // [])[] | select(.re | not) | .h + ":" + .c + (if .ro then ":ro" else "" end)]), remounted: [.remount[].new], unmounted: (.unmount + [(.detach // [])[] | select(.re | not) | .h + ":" + .c]), migrated: (.migrated // []), envSet: (.set | keys), envRestored: (.restore | keys), envUnset: .unset, restarted: $restarted, builder: $b.builder, buildAdded: $b.add, buildRemoved: $b.remove} | tojson)' -r
DSC_APPLIED='{"mounts":[{"h":"/var/lib/dokku/data/shared/pip","c":"/root/.cache/pip"},{"h":"/var/lib/dokku/data/shared/uv","c":"/root/.cache/uv"}],"env":{"PIP_CACHE_DIR":"/root/.cache/pip","UV_CACHE_DIR":"/root/.cache/uv"}}'
# What this converge applied: drift is the host differing from it (host/applied.ts).
jq -c --argjson a "$DSC_APPLIED" '.applied = $a' "$LEDGER" >"$LEDGER.tmp" && mv -f -- "$LEDGER.tmp" "$LEDGER"
case "$DSC_REPAIR" in
  '' | *[!0-9]*) ;;
  *) jq -c --argjson r "$DSC_REPAIR" '.repair = $r' "$LEDGER" >"$LEDGER.tmp" && mv -f -- "$LEDGER.tmp" "$LEDGER" ;;
esac
} </dev/null
;;
remove)
{
DSC_GEN_ID='app-api'
DSC_GEN_FILE='/var/lib/dokku-shared-cache/gen/app-api'
DSC_GEN='5409eaa8d4c625d2'
if [ -f "$DSC_GEN_FILE" ] && [ "$(cat -- "$DSC_GEN_FILE")" != "$DSC_GEN" ]; then
  echo "dokku-shared-cache: not undoing $DSC_GEN_ID: a newer run (generation $(cat -- "$DSC_GEN_FILE")) owns it; this delete belongs to a replaced resource" >&2
  exit 0
fi
dsc_gen_exit() {
  rc=$?
  if [ "$rc" = 0 ]; then rm -f -- "$DSC_GEN_FILE"; fi
  exit "$rc"
}
trap dsc_gen_exit EXIT
set -euf
# dokku-shared-cache converge or removal of one app. Reads first; writes only the difference.
APP='api'
STATE='/var/lib/dokku-shared-cache'
AFTER='restart'
SLOTS='2'
DEPLOY_WAIT='600'
WANT='[]'
WENV='{}'
DECL_BUILDER='unknown'
WBUILD_H='[]'
WBUILD_P='[]'
MARK='DOKKU_SHARED_CACHE_RESULT '
REMOVE='true'
REPAIR=''
DSC_ENV_UNREADABLE_JQ='
def dsc_count($c): if . == "" then 0 else (split($c) | length - 1) end;
def dsc_atoi:
  if test("^[+-]?[0-9]+$") | not then null
  else startswith("-") as $neg
    | (ltrimstr("+") | ltrimstr("-") | sub("^0+"; "")) as $d0
    | (if $d0 == "" then "0" else $d0 end) as $d
    | (if $neg then "9223372036854775808" else "9223372036854775807" end) as $lim
    | if ($d | length) < 19 or (($d | length) == 19 and $d <= $lim)
      then (if $neg and $d != "0" then "-" + $d else $d end) else null end
  end;
def dsc_v15:
  . as $v | dsc_atoi as $c
  | if $c != null then (if $c == $v then null else {rule: "integer", int: $c} end)
    elif endswith("\\") then {rule: "trailing-backslash"}
    elif endswith("\"") then {rule: "trailing-quote"}
    else null end;
def dsc_hash_drop:
  split("#") as $s | ($s | length) as $n
  | (reduce range(0; $n) as $i ({open: false, kept: 0};
      (($s[$i] | dsc_count("\"")) + (if $i == 0 then 1 else 0 end) + (if $i == $n - 1 then 1 else 0 end)) as $dq
      | if $dq == 1 or ($s[$i] | dsc_count("'\''")) == 1
        then (if .open then .open = false | .kept += 1 else .open = true end) else . end
      | if .kept == 0 or .open then .kept += 1 else . end)).kept != $n;
def dsc_v12($k):
  . as $v
  | if ($k | startswith("export")) then {rule: "export-key"}
    elif (($k | utf8bytelength) + 3 + ($v | utf8bytelength)
          + ($v | explode | map(select(. == 92 or . == 34 or . == 33 or . == 36 or . == 96 or . == 10 or . == 13)) | length)) >= 65536
    then {rule: "line-too-long"}
    elif ($v | contains("#")) and ($v | dsc_hash_drop) then {rule: "hash-comment"}
    else null end;
def dsc_minor: if $ver == "" then null else ($ver | split(".") | map(tonumber)) end;
def dsc_gv:
  dsc_minor as $p
  | if $p == null then ["v1.5.1", "v1.2.0"]
    elif $p[0] == 0 and ($p[1] < 37 or ($p[1] == 37 and $p[2] < 8)) then ["v1.2.0"]
    else ["v1.5.1"] end;
def dsc_envfile:
  dsc_minor as $p
  | if $p == null then "/var/lib/dokku/config/\($app)/ENV (Dokku 0.38+) or /home/dokku/\($app)/ENV (0.37)"
    elif $p[0] == 0 and $p[1] < 38 then "/home/dokku/\($app)/ENV"
    else "/var/lib/dokku/config/\($app)/ENV" end;
def dsc_dokku: if $ver == "" then "Dokku" else "Dokku \($ver)" end;
def dsc_why:
  if .rule == "trailing-backslash" then "it ends with a backslash, so the write would leave the app'\''s ENV file unreadable (a value set ending in a double quote reads back like this)"
  elif .rule == "trailing-quote" then "it ends with a double quote, which the write turns into a backslash"
  elif .rule == "integer" then "the write would rewrite it as the integer " + .int
  elif .rule == "hash-comment" then "the write would cut it at a \"#\" taken as a comment"
  elif .rule == "line-too-long" then "its line would reach 64 KiB, leaving the app'\''s ENV file unreadable"
  else "its key starts with \"export\", which the next read strips" end;
"dokku-shared-cache: app \($app): Dokku can no longer read this app'\''s env: its ENV file does not parse "
+ "(" + dsc_dokku + " says: \"\($said)\"), so every config command of the app fails, and so do deploys. "
+ "Nothing was changed on this app; the other apps go on. Fix: edit " + dsc_envfile
+ " (usually a value ending in a backslash or a double quote, which Dokku 0.37.8+ writes so that it cannot read it back: "
+ "remove that last character or the line), check with dokku config:export \($app), then run pulumi up again."
'
DSC_PLAN_JQ='
def ro(e): ((e.readonly // false) == true) or ((e.volume_options // "") | split(",") | index("ro") != null);
def spec(e): e.host_path + ":" + e.container_path +
  (if (e.volume_options // "") != "" then ":" + e.volume_options elif ro(e) then ":ro" else "" end);
def owned(m): any($led.mounts[]; .h == m.h and .c == m.c);
def wanted(m): any($want[]; .h == m.host_path and .c == m.container_path);
($cur | map(select(.host_path != null))) as $cur
| [ $want[] as $w
    | ($cur | map(select(.host_path == $w.h and .container_path == $w.c))) as $same
    | ($cur | map(select(.container_path == $w.c and .host_path != $w.h))) as $clash
    | if ($clash | length) > 0 then {conflict: ("container path " + $w.c + " is already mounted from " + ($clash[0].host_path) + " (not by dokku-shared-cache)")}
      elif ($same | length) == 0 then {mount: ($w.h + ":" + $w.c + (if $w.ro then ":ro" else "" end))}
      elif (ro($same[0]) != $w.ro) then
        (if owned($w) then {remount: {old: spec($same[0]), new: ($w.h + ":" + $w.c + (if $w.ro then ":ro" else "" end))}}
         else {conflict: ($w.h + ":" + $w.c + " is already mounted by someone else with other options (" + spec($same[0]) + ")")} end)
      else empty end ] as $m
| [ $led.mounts[] as $l | select(any($want[]; .h == $l.h and .c == $l.c) | not)
    | $cur[] | select(.host_path == $l.h and .container_path == $l.c) | spec(.) ] as $unmount
| [ $wenv | to_entries[] | select(($env[.key] // null) != .value) ] as $set
| [ $led.env | to_entries[] | .key as $k | select($wenv | has($k) | not)
    | select(($env[$k] // null) == .value.ours) ] as $gone
| {
    conflict: [ $m[] | .conflict // empty ],
    mount: [ $m[] | .mount // empty ],
    remount: [ $m[] | .remount // empty ],
    unmount: $unmount,
    set: ($set | from_entries),
    restore: ([ $gone[] | select(.value.prev != null) | {key, value: .value.prev} ] | from_entries),
    unset: [ $gone[] | select(.value.prev == null) | .key ],
    ledger: {
      mounts: [ $want[] | . as $w | select(owned($w) or (any($cur[]; .host_path == $w.h and .container_path == $w.c) | not)) ],
      env: ([ $wenv | to_entries[] | .key as $k
        | if ($led.env | has($k)) then {key, value: {ours: .value, prev: $led.env[$k].prev}}
          elif ($env[$k] // null) == .value then empty
          else {key, value: {ours: .value, prev: ($env[$k] // null)}} end ] | from_entries),
      pendingRestart: ($led.pendingRestart // false)
    }
  }
| .changes = ((.mount | length) + (.remount | length) + (.unmount | length) + (.set | length) + (.restore | length) + (.unset | length))
'
DSC_NAMED_PLAN_JQ='
def ro(e): ((e.readonly // false) == true) or ((e.volume_options // "") | split(",") | index("ro") != null);
def spec(e): e.host_path + ":" + e.container_path +
  (if (e.volume_options // "") != "" then ":" + e.volume_options elif ro(e) then ":ro" else "" end);
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
'
DSC_ENV_GUARD_JQ='
def dsc_count($c): if . == "" then 0 else (split($c) | length - 1) end;
def dsc_atoi:
  if test("^[+-]?[0-9]+$") | not then null
  else startswith("-") as $neg
    | (ltrimstr("+") | ltrimstr("-") | sub("^0+"; "")) as $d0
    | (if $d0 == "" then "0" else $d0 end) as $d
    | (if $neg then "9223372036854775808" else "9223372036854775807" end) as $lim
    | if ($d | length) < 19 or (($d | length) == 19 and $d <= $lim)
      then (if $neg and $d != "0" then "-" + $d else $d end) else null end
  end;
def dsc_v15:
  . as $v | dsc_atoi as $c
  | if $c != null then (if $c == $v then null else {rule: "integer", int: $c} end)
    elif endswith("\\") then {rule: "trailing-backslash"}
    elif endswith("\"") then {rule: "trailing-quote"}
    else null end;
def dsc_hash_drop:
  split("#") as $s | ($s | length) as $n
  | (reduce range(0; $n) as $i ({open: false, kept: 0};
      (($s[$i] | dsc_count("\"")) + (if $i == 0 then 1 else 0 end) + (if $i == $n - 1 then 1 else 0 end)) as $dq
      | if $dq == 1 or ($s[$i] | dsc_count("'\''")) == 1
        then (if .open then .open = false | .kept += 1 else .open = true end) else . end
      | if .kept == 0 or .open then .kept += 1 else . end)).kept != $n;
def dsc_v12($k):
  . as $v
  | if ($k | startswith("export")) then {rule: "export-key"}
    elif (($k | utf8bytelength) + 3 + ($v | utf8bytelength)
          + ($v | explode | map(select(. == 92 or . == 34 or . == 33 or . == 36 or . == 96 or . == 10 or . == 13)) | length)) >= 65536
    then {rule: "line-too-long"}
    elif ($v | contains("#")) and ($v | dsc_hash_drop) then {rule: "hash-comment"}
    else null end;
def dsc_minor: if $ver == "" then null else ($ver | split(".") | map(tonumber)) end;
def dsc_gv:
  dsc_minor as $p
  | if $p == null then ["v1.5.1", "v1.2.0"]
    elif $p[0] == 0 and ($p[1] < 37 or ($p[1] == 37 and $p[2] < 8)) then ["v1.2.0"]
    else ["v1.5.1"] end;
def dsc_envfile:
  dsc_minor as $p
  | if $p == null then "/var/lib/dokku/config/\($app)/ENV (Dokku 0.38+) or /home/dokku/\($app)/ENV (0.37)"
    elif $p[0] == 0 and $p[1] < 38 then "/home/dokku/\($app)/ENV"
    else "/var/lib/dokku/config/\($app)/ENV" end;
def dsc_dokku: if $ver == "" then "Dokku" else "Dokku \($ver)" end;
def dsc_why:
  if .rule == "trailing-backslash" then "it ends with a backslash, so the write would leave the app'\''s ENV file unreadable (a value set ending in a double quote reads back like this)"
  elif .rule == "trailing-quote" then "it ends with a double quote, which the write turns into a backslash"
  elif .rule == "integer" then "the write would rewrite it as the integer " + .int
  elif .rule == "hash-comment" then "the write would cut it at a \"#\" taken as a comment"
  elif .rule == "line-too-long" then "its line would reach 64 KiB, leaving the app'\''s ENV file unreadable"
  else "its key starts with \"export\", which the next read strips" end;
(reduce ($plan.unset[]) as $k ($env + $plan.set + $plan.restore; del(.[$k]))) as $after
| dsc_gv as $gv
| [ $after | to_entries[] | .key as $k
    | ([ (if $gv | index("v1.5.1") then (.value | dsc_v15) else null end),
         (if $gv | index("v1.2.0") then (.value | dsc_v12($k)) else null end) ] | map(select(. != null))) as $r
    | select($r | length > 0)
    | "\($k) (" + ($r | map(dsc_why) | unique | join("; "))
      + (if $plan.set | has($k) then "; this is the stack'\''s own value: change it in the stack" else "" end) + ")" ] as $bad
| if ($bad | length) == 0 then empty
  else "dokku-shared-cache: app \($app): not writing its env: " + dsc_dokku
    + " would corrupt " + (if ($bad | length) == 1 then "the value of " else "the values of " end)
    + ($bad | join(", ")) + ", because it rewrites the whole ENV file on every config:set/config:unset"
    + " (godotenv " + ($gv | join(" or ")) + "). Nothing was changed on this app; the other apps go on."
    + " Fix " + (if ($bad | length) == 1 then "that value" else "those values" end)
    + " yourself (dokku config:set \($app) KEY=..., dokku config:unset \($app) KEY, or edit "
    + dsc_envfile + "), then run pulumi up again."
  end
'
DSC_BUILD_PLAN_JQ='
(($cur | [splits("[ \t\n]+")] | map(select(. != ""))) as $t
| [ range(0; ($t | length) - 1) as $i | select($t[$i] == "-v" or $t[$i] == "--volume") | "-v " + $t[$i + 1] ]) as $have
| ($led.build // []) as $ours
| {
    builder: $builder,
    add: [ $want[] | select(. as $w | any($have[]; . == $w) | not) ],
    remove: [ $ours[] | select(. as $o | (any($want[]; . == $o) | not) and any($have[]; . == $o)) ],
    ledger: [ $want[] | select(. as $w | any($ours[]; . == $w) or (any($have[]; . == $w) | not)) ]
  }
'
LEDGER="$STATE/apps/$APP.json"
ERR="$STATE/apps/.$APP.err"
for t in dokku jq flock base64; do
  command -v "$t" >/dev/null 2>&1 || {
    echo "dokku-shared-cache: '$t' is required on the host" >&2
    exit 127
  }
done
# Supported Dokku versions are checked, before any write (see dokku-version.ts).
DSC_MIN_VN='37005'
DSC_REFUSAL_PRE='this host runs Dokku '
DSC_REFUSAL_POST=' (from `dokku version`); dokku-shared-cache supports Dokku 0.37.5 and later (below it, storage:list prints another JSON and storage:mount'\''s duplicate check can skip a mount silently). Nothing was changed; upgrade Dokku and run again.'
DOKKU_VERSION=$(dokku version 2>/dev/null </dev/null | grep -o '[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*' | head -n 1) || DOKKU_VERSION=""
dsc_vn=$(printf '%s\n' "$DOKKU_VERSION" | awk -F. 'NF == 3 { print $1 * 1000000 + $2 * 1000 + $3; next } { print -1 }')
if [ "$dsc_vn" -lt "$DSC_MIN_VN" ]; then
  printf 'dokku-shared-cache: app %s: %s%s%s\n' "$APP" "$DSC_REFUSAL_PRE" "${DOKKU_VERSION:-of unknown version}" "$DSC_REFUSAL_POST" >&2
  exit 9
fi
# Dokku >= 0.38: named storage entries (host/storage-entries.ts); 0.37: colon mounts.
NAMED=false
if [ "$dsc_vn" -ge 38000 ]; then NAMED=true; else WANT=$(printf '%s' "$WANT" | jq -c 'map(del(.e))'); fi
umask 077
mkdir -p -- "$STATE/apps" "$STATE/locks"
NOTHING_YET="Nothing was changed on this app; fix the cause and run pulumi up again."
PARTLY="This run's earlier changes to the app are recorded; fix the cause and run pulumi up again."
UNREADABLE="If Dokku cannot parse the app's ENV file, every config command of the app fails until the value it names is fixed (check with: dokku config:export $APP)."
dsc_words() { # stdin: Dokku's output; prints its message on one line, each ` !` line once
  # (a failed deploy on 0.38.27 prints its " !" lines twice, the second time each prefixed
  # once more (" !      !     Failure in …"); seen in test/dokku/restart-failure.test.ts)
  esc=$(printf '\033')
  sed "s/$esc\[[0-9;]*[A-Za-z]//g" | awk '/^ !     / { while (sub(/^ !     /, "")) continue; if (!seen[$0]++) m = m (m == "" ? "" : " ") $0; next } NF { l = $0 } END { gsub(/^[ \t]+/, "", l); print (m != "" ? m : (l != "" ? l : "(nothing)")) }'
}
dsc_fail() { # rc what todo; stdin: Dokku's output
  echo "dokku-shared-cache: app $APP: $2 failed with exit $1; Dokku says: \"$(dsc_words)\". $3" >&2
  rm -f -- "$ERR"
  exit "$1"
}
dsc_dokku() { # what todo dokku-args...
  w=$1
  t=$2
  shift 2
  r=0
  dokku "$@" 2>"$ERR" </dev/null || r=$?
  if [ "$r" != 0 ]; then dsc_fail "$r" "$w" "$t" <"$ERR"; fi
  rm -f -- "$ERR"
}
DSC_SAW_DEPLOY=false
DSC_BUSY=
# true/false once Dokku 0.38 listed the app's build records (app-restart.sh); empty: not known
DSC_HAS_BUILDS=
dsc_record_alive() { # pid start: the record's process, not a later process or thread given its pid
  # Dokku 0.38.27 calls a record running while kill(pid, 0) succeeds (plugins/builds/builds.go
  # CheckPIDAlive), but never finalizes a ps:restart's record (only deploys release the deploy
  # lock, plugins/common/functions release_app_deploy_lock): once its pid is reused (seen on the
  # real Dokku: a pulumi thread, pid_max 32768) it reads as a deploy running for ever. A record's
  # process started by the time the record was written; a reused pid started later.
  [ -r /proc/self/stat ] || return 0 # no /proc: take Dokku's word
  [ -r "/proc/$1/stat" ] || return 1
  [ "$2" -gt 0 ] 2>/dev/null || return 0
  dsc_st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20)
  dsc_bt=$(awk '$1 == "btime" { print $2 }' /proc/stat 2>/dev/null)
  dsc_hz=$(getconf CLK_TCK 2>/dev/null) || dsc_hz=100
  case "$dsc_st$dsc_bt$dsc_hz" in '' | *[!0-9]*) return 0 ;; esac
  [ $((dsc_bt + dsc_st / dsc_hz)) -le $(($2 + 5)) ]
}
dsc_deploying() { # sets DSC_BUSY: the app's running deploys, one line; empty when none (or Dokku cannot say)
  DSC_BUSY=
  if [ "$dsc_vn" -ge 38000 ]; then
    # Every record, not --status running: the same call also says whether the app has any
    # (DSC_HAS_BUILDS). Dokku 0.38.27 plugins/builds/subcommands.go CommandList: with no filter,
    # the live-running records first (never cut), then up to the retention (default 20, at
    # least 1) newest others; --status running keeps those whose display_status is "running"
    # (matchesStatus), i.e. status running and kill(pid, 0) alive (builds.go DisplayStatus,
    # CheckPIDAlive): that filter is the select below, on the field Dokku computed.
    dsc_j=$(dokku builds:list "$APP" --format json 2>/dev/null </dev/null) || return 0
    dsc_j=$(printf '%s\n' "$dsc_j" | tail -n 1)
    case $(printf '%s\n' "$dsc_j" | jq -r 'if type == "array" then length > 0 else empty end' 2>/dev/null) in
      true) DSC_HAS_BUILDS=true ;;
      false) [ "$DSC_HAS_BUILDS" = true ] || DSC_HAS_BUILDS=false ;;
    esac
    # pid, start (epoch seconds), description; one line per record Dokku calls running
    dsc_recs=$(printf '%s\n' "$dsc_j" | jq -r 'if type == "array" then .[] | select((.display_status // .status) == "running") | "\(.pid // 0) \((.started_at // "" | sub("\\.[0-9]+"; "") | try fromdateiso8601 catch 0) | floor) \(.source // "?") \(.kind // "build") \(.id // "?") (pid \(.pid // "?"), started \(.started_at // "?" | sub("\\.[0-9]+"; "")))" else empty end' 2>/dev/null) || dsc_recs=
    DSC_BUSY=$(printf '%s\n' "$dsc_recs" | while read -r dsc_pid dsc_at dsc_what; do
      [ -n "$dsc_pid" ] || continue
      dsc_record_alive "$dsc_pid" "$dsc_at" || continue
      printf '%s\n' "$dsc_what"
    done | awk 'NR > 1 { printf ", " } { printf "%s", $0 } END { if (NR) print "" }')
  elif [ "$(dokku apps:report "$APP" --app-locked 2>/dev/null </dev/null || true)" = true ]; then
    DSC_BUSY="Dokku's deploy lock file is in place (dokku apps:report $APP --app-locked; an interrupted deploy can leave it behind: dokku apps:unlock $APP)"
  fi
}
dsc_wait_deploys() { # deadline what
  dsc_deploying
  [ -n "$DSC_BUSY" ] || return 0
  DSC_SAW_DEPLOY=true
  dsc_t0=$(date +%s)
  echo "dokku-shared-cache: app $APP: a deploy is running ($DSC_BUSY); waiting for it to finish before $2 (at most ${DEPLOY_WAIT}s in all, stack key deployWaitSeconds)" >&2
  while [ -n "$DSC_BUSY" ]; do
    [ "$(date +%s)" -lt "$1" ] || return 1
    sleep 2
    dsc_deploying
  done
  echo "dokku-shared-cache: app $APP: the deploy finished (waited $(($(date +%s) - dsc_t0))s); going on with $2" >&2
}
# storage:list doubles as the existence check: an unknown app exits 20.
rc=0
CUR=$(dokku storage:list "$APP" --format json 2>"$ERR" </dev/null) || rc=$?
if [ "$rc" = 20 ]; then
  rm -f -- "$ERR"
  if [ "$REMOVE" = true ]; then
    rm -f -- "$LEDGER"
    printf '%s{"app":"%s","missing":true,"changes":0,"restarted":false}\n' "$MARK" "$APP"
    exit 0
  fi
  echo "dokku-shared-cache: app '$APP' does not exist on this Dokku host (dokku apps:exists exit 20); create it (dokku apps:create $APP) or remove it from the stack's apps" >&2
  exit 20
elif [ "$rc" != 0 ]; then
  dsc_fail "$rc" "reading its mounts (dokku storage:list)" "$NOTHING_YET" <"$ERR"
fi
rm -f -- "$ERR"
rc=0
ENVJ=$(dokku config:export --format json "$APP" 2>"$ERR" </dev/null) || rc=$?
if [ "$rc" != 0 ]; then
  # godotenv's parse errors (v1.5.1, v1.2.0): Dokku can no longer read the app's ENV file.
  if grep -q -e 'unterminated quoted value' -e 'unexpected character' -e "Can't separate key from value" -e 'token too long' -- "$ERR"; then
    jq -rn --arg app "$APP" --arg ver "$DOKKU_VERSION" --arg said "$(sed -n 's/^ !     //p' -- "$ERR" | head -n 1)" "$DSC_ENV_UNREADABLE_JQ" >&2
    rm -f -- "$ERR"
    exit 7
  fi
  dsc_fail "$rc" "reading its env (dokku config:export)" "$NOTHING_YET" <"$ERR"
fi
rm -f -- "$ERR"
# Before its JSON, config:export prints "-----> Deleting invalid key …" for keys Dokku rejects.
ENVJ=$(printf '%s\n' "$ENVJ" | tail -n 1)
if [ -s "$LEDGER" ]; then LED=$(cat -- "$LEDGER"); else LED='{"mounts":[],"env":{}}'; fi
PLAN=$(jq -cn --argjson cur "$CUR" --argjson env "$ENVJ" --argjson want "$WANT" --argjson wenv "$WENV" --argjson led "$LED" "$DSC_PLAN_JQ")
if [ "$NAMED" = true ]; then
  PLAN=$(jq -cn --argjson base "$PLAN" --argjson cur "$CUR" --argjson want "$WANT" --argjson led "$LED" "$DSC_NAMED_PLAN_JQ")
fi
plan() { printf '%s' "$PLAN" | jq -r "$1"; }
if [ "$(plan '.conflict | length')" != 0 ]; then
  plan '.conflict[]' | while IFS= read -r c; do echo "dokku-shared-cache: $APP: $c" >&2; done
  echo "dokku-shared-cache: $APP: nothing was changed on this app; resolve the conflict and run again" >&2
  exit 3
fi
# Dokku rewrites the whole ENV file on every config write, and its parser
# (godotenv) does not read every value back: check every value the write
# would leave, by the host's rules (DOKKU_VERSION, read above), before writing anything.
if [ "$(plan '(.set + .restore | length) + (.unset | length)')" != 0 ]; then
  msg=$(jq -rn --argjson env "$ENVJ" --argjson plan "$PLAN" --arg app "$APP" --arg ver "$DOKKU_VERSION" "$DSC_ENV_GUARD_JQ")
  if [ -n "$msg" ]; then
    printf '%s\n' "$msg" >&2
    exit 7
  fi
fi
if [ "$(plan '(.mount | length) + (.remount | length) + (.attach // [] | length)')" != 0 ]; then
  SCHEDULER=$(dsc_dokku "reading its scheduler (dokku scheduler:report)" "$NOTHING_YET" scheduler:report "$APP" --scheduler-computed-selected)
  if [ "$SCHEDULER" = k3s ]; then
    echo "dokku-shared-cache: app $APP runs on the k3s scheduler (dokku scheduler:report $APP --scheduler-computed-selected). The shared caches are host directories; Dokku mounts host directories (colon mounts and docker-local storage entries) into docker-local apps only, and a k3s app's deploy fails on them (scheduler-k3s: \"storage entry is scheduler=docker-local but is mounted on a k3s app\"). Sharing across k3s apps needs a ReadWriteMany volume (dokku storage:create NAME --scheduler k3s --size SIZE --access-mode ReadWriteMany), which dokku-shared-cache does not manage. Nothing was changed; remove $APP from the stack's apps (or from discover) or give it caches: []." >&2
    exit 10
  fi
fi
# dsc_entry_made NAME PATH: this program created entry NAME for PATH (its marker holds the path).
dsc_entry_made() { [ -s "$STATE/entries/$1" ] && [ "$(cat -- "$STATE/entries/$1")" = "$2" ]; }
if [ "$NAMED" = true ]; then
  mkdir -p -- "$STATE/entries"
  # Entries we need: an existing one must be docker-local on the same directory (ours or not); else refused before any write.
  MISSING=""
  CREATED=""
  # An entry this program created holds its host path in its marker ($STATE/entries/NAME, written
  # before storage:create): when every entry needed has one with the same path, nothing is read
  # (Dokku 0.38.27 storage:create refuses a second entry of a name, and only we write our
  # markers). One without (made by someone else, or by a version that wrote empty markers) is
  # checked as before. An entry of ours destroyed behind our back: storage-named-writes.sh.
  KNOWN=true
  dsc_n=$(plan '.entries | length')
  dsc_i=0
  while [ "$dsc_i" -lt "$dsc_n" ]; do
    dsc_e=$(plan ".entries[$dsc_i].e")
    dsc_h=$(plan ".entries[$dsc_i].h")
    dsc_i=$((dsc_i + 1))
    if ! dsc_entry_made "$dsc_e" "$dsc_h"; then
      KNOWN=false
      break
    fi
  done
  if [ "$KNOWN" = false ]; then
    # Host-wide, only while Dokku's list is read and judged (markers learn paths under it);
    # dsc_named_writes takes it again for creating and destroying entries.
    exec 8>"$STATE/locks/entries"
    flock 8
    rc=0
    ALL=$(dokku storage:list-entries --format json 2>"$ERR" </dev/null) || rc=$?
    if [ "$rc" != 0 ]; then dsc_fail "$rc" "reading the storage entries (dokku storage:list-entries)" "$NOTHING_YET" <"$ERR"; fi
    rm -f -- "$ERR"
    bad=$(printf '%s' "$PLAN" | jq -r --argjson all "$ALL" '.entries[] as $w | $all[] | select(.name == $w.e)
      | select(.scheduler != "docker-local" or .host_path != $w.h)
      | "storage entry \(.name) already exists (\(.scheduler) \(.host_path // "")), not docker-local \($w.h)"')
    if [ -n "$bad" ]; then
      printf '%s\n' "$bad" | while IFS= read -r b; do echo "dokku-shared-cache: app $APP: $b; dokku-shared-cache did not make it like that. $NOTHING_YET (rename or destroy that entry: dokku storage:info NAME)" >&2; done
      exit 3
    fi
    MISSING=" $(printf '%s' "$PLAN" | jq -r --argjson all "$ALL" '[.entries[].e | select(. as $e | any($all[]; .name == $e) | not)] | join(" ")') "
    # Our entries that are in place and right: their markers learn the path (see above).
    printf '%s' "$PLAN" | jq -r --argjson all "$ALL" '.entries[] | select(.e as $e | any($all[]; .name == $e)) | .e + "=" + .h' |
      while IFS='=' read -r dsc_e dsc_h; do
        if [ -e "$STATE/entries/$dsc_e" ]; then printf '%s' "$dsc_h" >"$STATE/entries/$dsc_e"; fi
      done
    exec 8>&-
  fi
fi
BUILDER=$DECL_BUILDER
if [ "$BUILDER" = unknown ] && [ "$WBUILD_H$WBUILD_P" != '[][]' ]; then
  rc=0
  sel=$(dokku builder:report "$APP" --builder-computed-selected 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its builder (dokku builder:report)" "$NOTHING_YET" <"$ERR"
  rc=0
  det=$(dokku builder:report "$APP" --builder-detected 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its builder (dokku builder:report)" "$NOTHING_YET" <"$ERR"
  rm -f -- "$ERR"
  sel=$(printf '%s' "$sel" | tr -d ' \n')
  det=$(printf '%s' "$det" | tr -d ' \n')
  BUILDER=${sel:-${det:-undetermined}}
fi
case "$BUILDER" in
  herokuish | undetermined) WBUILD=$WBUILD_H ;;
  pack) WBUILD=$WBUILD_P ;;
  *) WBUILD='[]' ;;
esac
CURB=''
if [ "$WBUILD" != '[]' ] || [ "$(printf '%s' "$LED" | jq '.build // [] | length')" != 0 ]; then
  rc=0
  CURB=$(dokku docker-options:report "$APP" --docker-options-build 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its build options (dokku docker-options:report)" "$NOTHING_YET" <"$ERR"
  rm -f -- "$ERR"
fi
BPLAN=$(jq -cn --arg cur "$CURB" --argjson want "$WBUILD" --argjson led "$LED" --arg builder "$BUILDER" "$DSC_BUILD_PLAN_JQ")
dsc_entry_create() { # name path: the marker first (ours even if the create is cut short: gc), its path once Dokku has it
  : >"$STATE/entries/$1"
  dsc_dokku "creating storage entry $1 for $2 (dokku storage:create)" "$PARTLY" storage:create "$1" "$2" >/dev/null
  printf '%s' "$2" >"$STATE/entries/$1"
  CREATED="$CREATED $1 "
}
dsc_entries_lock() { exec 8>"$STATE/locks/entries" && flock 8; }
# Dokku >= 0.38: entries. Creating and destroying entries hold the host-wide lock (fd 8), so that
# two apps never create one entry twice and an entry is destroyed only between other apps'
# creates; attaching and detaching are the app's own (Dokku 0.38.27 keeps attachments per app)
# and run without it, in parallel with other apps.
dsc_named_writes() {
  plan '.detach[] | .e + " " + .c' | while IFS=' ' read -r e c; do
    [ -n "$e" ] || continue
    out=$(dokku storage:unmount "$APP" "$e" --container-dir "$c" 2>&1 </dev/null) || {
      case "$out" in *"is not mounted"*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "detaching storage entry $e from $c (dokku storage:unmount)" "$PARTLY" ;; esac
    }
  done
  # Our colon mounts go first (a migration never leaves two mounts at one container path).
  plan '.unmount[]' | while IFS= read -r m; do
    [ -n "$m" ] || continue
    out=$(dokku storage:unmount "$APP" "$m" 2>&1 </dev/null) || {
      case "$out" in *"Mount path does not exist."*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "unmounting $m (dokku storage:unmount)" "$PARTLY" ;; esac
    }
  done
  n=$(plan '.attach | length')
  if [ "$MISSING" != "" ]; then
    dsc_entries_lock
    i=0
    while [ "$i" -lt "$n" ]; do
      e=$(plan ".attach[$i].e")
      h=$(plan ".attach[$i].h")
      i=$((i + 1))
      case "$CREATED" in *" $e "*) continue ;; esac
      case "$MISSING" in *" $e "*)
        # Another app of this run may have made it since the gate read the list: its marker says so.
        dsc_entry_made "$e" "$h" && continue
        dsc_entry_create "$e" "$h"
        ;;
      esac
    done
    exec 8>&-
  fi
  i=0
  while [ "$i" -lt "$n" ]; do
    e=$(plan ".attach[$i].e")
    h=$(plan ".attach[$i].h")
    c=$(plan ".attach[$i].c")
    ro=$(plan ".attach[$i].ro")
    i=$((i + 1))
    set -- storage:mount "$APP" "$e" --container-dir "$c"
    if [ "$ro" = true ]; then set -- "$@" --volume-readonly; fi
    what="attaching storage entry $e at $c (dokku storage:mount)"
    out=$(dokku "$@" 2>&1 </dev/null) || {
      case "$out" in
        *"is already mounted at"*) ;;
        *"does not exist; create it first"*)
          # Dokku 0.38.27 plugins/storage/subcommands.go CommandMount: the entry our marker
          # stands for is gone (destroyed behind our back, or an earlier storage:create failed).
          # Under the lock: another app may be making it again right now; then the mount works.
          case "$CREATED" in *" $e "*) printf '%s\n' "$out" | dsc_fail 1 "$what" "$PARTLY" ;; esac
          dsc_entries_lock
          out=$(dokku "$@" 2>&1 </dev/null) || {
            case "$out" in *"does not exist; create it first"*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "$what" "$PARTLY" ;; esac
            dsc_entry_create "$e" "$h"
            dsc_dokku "$what" "$PARTLY" "$@" >/dev/null
          }
          exec 8>&-
          ;;
        *) printf '%s\n' "$out" | dsc_fail 1 "$what" "$PARTLY" ;;
      esac
    }
  done
  # Entries no app uses any more: ours (marker) and the legacy-* entries of our colon mounts.
  if [ "$(printf '%s' "$LED" | jq '(.gc // []) | length')" != 0 ]; then dsc_entries_lock; fi
  for e in $(printf '%s' "$LED" | jq -r '(.gc // [])[]'); do
    case "$e" in legacy-*) ;; *) [ -e "$STATE/entries/$e" ] || continue ;; esac
    out=$(dokku --force storage:destroy "$e" 2>&1 </dev/null) || {
      case "$out" in
        *"is still mounted by app"*) continue ;;
        *"does not exist"*) ;;
        *) printf '%s\n' "$out" | dsc_fail 1 "destroying the unused storage entry $e (dokku storage:destroy; its directory is kept)" "$PARTLY" ;;
      esac
    }
    rm -f -- "$STATE/entries/$e"
  done
  exec 8>&-
}
dsc_colon_writes() { # Dokku 0.37: colon mounts
  plan '.remount[] | .old + " " + .new' | while IFS=' ' read -r old new; do
    [ -n "$old" ] || continue
    dsc_dokku "remounting $old as $new (dokku storage:unmount)" "$PARTLY" storage:unmount "$APP" "$old"
    dsc_dokku "remounting $old as $new (dokku storage:mount)" "$PARTLY" storage:mount "$APP" "$new"
  done
  plan '.mount[]' | while IFS= read -r m; do
    [ -n "$m" ] || continue
    out=$(dokku storage:mount "$APP" "$m" 2>&1 </dev/null) || {
      case "$out" in *"Mount path already exists."*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "mounting $m (dokku storage:mount)" "$PARTLY" ;; esac
    }
  done
  plan '.unmount[]' | while IFS= read -r m; do
    [ -n "$m" ] || continue
    out=$(dokku storage:unmount "$APP" "$m" 2>&1 </dev/null) || {
      case "$out" in *"Mount path does not exist."*) ;; *) printf '%s\n' "$out" | dsc_fail 1 "unmounting $m (dokku storage:unmount)" "$PARTLY" ;; esac
    }
  done
}
# Something to write or a restart pending, and a deploy of this app running now: wait for
# it first (host/deploy-wait.ts; on Dokku 0.38 its builds:list also sets DSC_HAS_BUILDS, which
# app-restart.sh reads). The plan stays valid: a deploy changes none of our mounts or keys.
if { [ "$(plan '.changes')" != 0 ] || [ "$(printf '%s' "$LED" | jq -r '.pendingRestart // false')" = true ] || [ "$(printf '%s' "$BPLAN" | jq -r '(.add | length) + (.remove | length)')" != 0 ]; } &&
  ! dsc_wait_deploys "$(($(date +%s) + DEPLOY_WAIT))" "changing the app's mounts and env"; then
  echo "dokku-shared-cache: app $APP: skipped: a deploy of the app is still running after ${DEPLOY_WAIT}s ($DSC_BUSY). Nothing was changed on this app; the next pulumi up converges it (or raise deployWaitSeconds)." >&2
  exit 10
fi
save_ledger() { # $1: jq filter over {plan, led}
  printf '%s' "$PLAN" | jq -c --argjson led "$LED" "$1" >"$LEDGER.tmp"
  mv -f -- "$LEDGER.tmp" "$LEDGER"
  LED=$(cat -- "$LEDGER")
}
# Record what we are about to add (and keep what we added before) before touching the app.
save_ledger '{mounts: ((.ledger.mounts + $led.mounts) | unique_by([.h, .c, (.e // "")])), gc: (($led.gc // []) + (.gc // []) | unique), env: ($led.env + .ledger.env), pendingRestart: ($led.pendingRestart // false), repair: ($led.repair // 0), build: ($led.build // [])}'
CHANGES=$(plan '.changes')
if [ "$CHANGES" != 0 ]; then
  save_ledger '$led + {pendingRestart: true}'
fi
if [ "$NAMED" = true ]; then dsc_named_writes; else dsc_colon_writes; fi
set --
for kv in $(plan '(.set + .restore) | to_entries[] | .key + "=" + (.value | @base64)'); do set -- "$@" "$kv"; done
if [ "$#" -gt 0 ]; then dsc_dokku "setting env $(plan '(.set + .restore) | keys | join(" ")') (dokku config:set)" "$PARTLY $UNREADABLE" --quiet config:set --encoded --no-restart "$APP" "$@" >/dev/null; fi
set --
for k in $(plan '.unset[]'); do set -- "$@" "$k"; done
if [ "$#" -gt 0 ]; then dsc_dokku "unsetting env $* (dokku config:unset)" "$PARTLY $UNREADABLE" --quiet config:unset --no-restart "$APP" "$@" >/dev/null; fi
# The ledger now holds exactly what we own.
save_ledger '.ledger + {pendingRestart: ($led.pendingRestart // false), repair: ($led.repair // 0), build: ($led.build // [])}'
bled() { # $1: jq filter over the ledger, with $b = BPLAN
  printf '%s' "$LED" | jq -c --argjson b "$BPLAN" "$1" >"$LEDGER.tmp"
  mv -f -- "$LEDGER.tmp" "$LEDGER"
  LED=$(cat -- "$LEDGER")
}
bplan() { printf '%s' "$BPLAN" | jq -r "$1"; }
if [ "$(bplan '(.add | length) + (.remove | length)')" != 0 ]; then
  bled '. + {build: (((.build // []) + $b.ledger) | unique)}'
  if [ "$AFTER" = rebuild ]; then bled '. + {pendingRestart: true}'; fi
  bplan '.add[]' | while IFS= read -r o; do
    [ -n "$o" ] || continue
    dsc_dokku "adding the build option $o (dokku docker-options:add)" "$PARTLY" docker-options:add "$APP" build "$o"
  done
  bplan '.remove[]' | while IFS= read -r o; do
    [ -n "$o" ] || continue
    dsc_dokku "removing the build option $o (dokku docker-options:remove)" "$PARTLY" docker-options:remove "$APP" build "$o"
  done
fi
bled '. + {build: $b.ledger, builder: $b.builder}'
restarted=false
if [ "$(printf '%s' "$LED" | jq -r '.pendingRestart')" = true ]; then
  # Is the app deployed? Dokku 0.38.27 plugins/ps/ps.go Restart only warns "has not been
  # deployed" (exit 0) when plugins/common/common.go IsDeployed says no, the same answer as
  # ps:report --deployed (plugins/ps/report.go reportDeployed); ps:rebuild exits 1 there. So a
  # rebuild asks first, and so does a restart when deploy-wait.sh's builds:list showed Dokku
  # 0.38 keeping no build record of the app (every deploy and ps:restart starts one: the dokku
  # entry point, dokku_setup_build_capture; an app deployed before 0.38 has none but is
  # deployed): one ps:report in place of a second builds:list and a ps:restart that would only
  # warn. With build records, or on 0.37 (no builds plugin), ps:restart itself says.
  dsc_deployed=
  if [ "$AFTER" = rebuild ] || { [ "$AFTER" = restart ] && [ "$DSC_HAS_BUILDS" = false ]; }; then
    dsc_deployed=$(dokku ps:report "$APP" --deployed 2>/dev/null </dev/null || true)
  fi
  if { [ "$AFTER" = restart ] && [ "$dsc_deployed" != false ]; } || { [ "$AFTER" = rebuild ] && [ "$dsc_deployed" = true ]; }; then
    # Never over a deploy (host/deploy-wait.ts): with a slot held, ask
    # whether the app is deploying; if so, give the slot back and wait.
    dsc_deadline=$(($(date +%s) + DEPLOY_WAIT))
    DSC_SAW_DEPLOY=false
    while :; do
      while :; do
        i=1
        got=false
        while [ "$i" -le "$SLOTS" ]; do
          exec 9>"$STATE/locks/restart.$i"
          if flock -n 9; then
            got=true
            break
          fi
          exec 9>&-
          i=$((i + 1))
        done
        [ "$got" = true ] && break
        sleep 1
      done
      dsc_deploying
      [ -z "$DSC_BUSY" ] && break
      exec 9>&-
      DSC_SAW_DEPLOY=true
      if ! dsc_wait_deploys "$dsc_deadline" "the $AFTER"; then
        echo "dokku-shared-cache: app $APP: the app's mounts and env are in place, but a deploy of the app is still running after ${DEPLOY_WAIT}s ($DSC_BUSY); the $AFTER was not run over it and stays pending: the next pulumi up runs it (or raise deployWaitSeconds)." >&2
        exit 10
      fi
    done
    if [ "$DSC_SAW_DEPLOY" = true ] && [ "$WENV" != '{}' ]; then
      # The deploy rewrote the ENV file (git_build's GIT_REV) around our write:
      # Dokku's config writes are read-modify-write, so check ours is still there.
      rc=0
      ENV2=$(dokku config:export --format json "$APP" 2>"$ERR" </dev/null) || rc=$?
      [ "$rc" = 0 ] || dsc_fail "$rc" "reading its env again after a deploy (dokku config:export)" "$PARTLY"
      rm -f -- "$ERR"
      LOST=$(printf '%s\n' "$ENV2" | tail -n 1 | jq -c --argjson wenv "$WENV" '. as $env | [$wenv | to_entries[] | select(($env[.key] // null) != .value)]')
      set --
      for kv in $(printf '%s' "$LOST" | jq -r '.[] | .key + "=" + (.value | @base64)'); do set -- "$@" "$kv"; done
      if [ "$#" -gt 0 ]; then
        echo "dokku-shared-cache: app $APP: a deploy's own config write (GIT_REV) lost env $(printf '%s' "$LOST" | jq -r 'map(.key) | join(" ")') set by this run; setting it again before the $AFTER" >&2
        dsc_dokku "setting env again after a deploy (dokku config:set)" "$PARTLY $UNREADABLE" --quiet config:set --encoded --no-restart "$APP" "$@" >/dev/null
      fi
    fi
    rc=0
    out=$(dokku "ps:$AFTER" "$APP" 2>&1 </dev/null) || rc=$?
    exec 9>&-
    if [ "$rc" != 0 ]; then
      # pendingRestart stays in the ledger: the next run retries it.
      printf '%s\n' "$out" >&2
      case "$out" in
        *"has a deploy lock in place"*)
          echo "dokku-shared-cache: app $APP: the $AFTER was refused: Dokku says the app has a deploy lock in place (a deploy is running, or an interrupted one left it: dokku apps:unlock $APP). The app's mounts and env are in place; the $AFTER stays pending and the next pulumi up retries it." >&2
          ;;
        *)
          echo "dokku-shared-cache: app $APP: the $AFTER (dokku ps:$AFTER) failed with exit $rc; Dokku says: \"$(printf '%s\n' "$out" | dsc_words)\" (its output is above). The app's mounts and env are in place; the $AFTER stays pending and the next pulumi up retries it. Fix the cause (a failed health check: dokku logs $APP, dokku checks:report $APP) or run dokku ps:$AFTER $APP yourself." >&2
          ;;
      esac
      exit 8
    fi
    case "$out" in *"has not been deployed"*) ;; *)
      printf '%s\n' "$out"
      restarted=true
      ;;
    esac
  fi
  save_ledger '$led + {pendingRestart: false}'
fi
if [ "$REMOVE" = true ] && [ "$(printf '%s' "$LED" | jq -r '(.mounts | length) + (.env | length) + (.build // [] | length)')" = 0 ]; then
  rm -f -- "$LEDGER"
fi
if [ -n "$REPAIR" ]; then save_ledger "\$led + {repair: $REPAIR}"; fi
printf '%s' "$PLAN" | jq -c --arg app "$APP" --argjson restarted "$restarted" --arg mark "$MARK" --argjson b "$BPLAN" \
  '$mark + ({app: $app, changes, storage: (if has("attach") then "entries" else "colon" end), mounted: (.mount + [(.attach // [])[] | select(.re | not) | .h + ":" + .c + (if .ro then ":ro" else "" end)]), remounted: [.remount[].new], unmounted: (.unmount + [(.detach // [])[] | select(.re | not) | .h + ":" + .c]), migrated: (.migrated // []), envSet: (.set | keys), envRestored: (.restore | keys), envUnset: .unset, restarted: $restarted, builder: $b.builder, buildAdded: $b.add, buildRemoved: $b.remove} | tojson)' -r
} </dev/null
;;
*) echo "dokku-shared-cache: usage: sh -s converge|remove (script on stdin)" >&2; exit 2 ;;
esac
