| ($led.build // []) as $ours
| {
    builder: $builder,
    add: [ $want[] | select(. as $w | any($have[]; . == $w) | not) ],
    remove: [ $ours[] | select(. as $o | (any($want[]; . == $o) | not) and any($have[]; . == $o)) ],
    ledger: [ $want[] | select(. as $w | any($ours[]; . == $w) or (any($have[]; . == $w) | not)) ]
  }
