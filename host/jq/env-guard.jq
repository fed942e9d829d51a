(reduce ($plan.unset[]) as $k ($env + $plan.set + $plan.restore; del(.[$k]))) as $after
| dsc_gv as $gv
| [ $after | to_entries[] | .key as $k
    | ([ (if $gv | index("v1.5.1") then (.value | dsc_v15) else null end),
         (if $gv | index("v1.2.0") then (.value | dsc_v12($k)) else null end) ] | map(select(. != null))) as $r
    | select($r | length > 0)
    | "\($k) (" + ($r | map(dsc_why) | unique | join("; "))
      + (if $plan.set | has($k) then "; this is the stack's own value: change it in the stack" else "" end) + ")" ] as $bad
| if ($bad | length) == 0 then empty
  else "dokku-shared-cache: app \($app): not writing its env: " + dsc_dokku
    + " would corrupt " + (if ($bad | length) == 1 then "the value of " else "the values of " end)
    + ($bad | join(", ")) + ", because it rewrites the whole ENV file on every config:set/config:unset"
    + " (godotenv " + ($gv | join(" or ")) + "). Nothing was changed on this app; the other apps go on."
    + " Fix " + (if ($bad | length) == 1 then "that value" else "those values" end)
    + " yourself (dokku config:set \($app) KEY=..., dokku config:unset \($app) KEY, or edit "
    + dsc_envfile + "), then run pulumi up again."
  end
