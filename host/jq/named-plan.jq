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
