| {builder: (.builder // null), ours: (.build // []), missing: [ (.build // [])[] | select(. as $o | any($have[]; . == $o) | not) ]}
