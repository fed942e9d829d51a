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
