/**
 * godotenv's round-trip rules in jq, for the converge and the probe: the twin of
 * rules/godotenv.ts (where the rules and the godotenv sources they were read in are),
 * checked against it on a 10,000-value corpus.
 */

/**
 * The same rules in jq (1.6), for the converge script. Shared definitions;
 * `$ver` is the host's Dokku version ("" = unknown: both godotenv versions
 * are checked), `$app` the app. Checked against {@link envRoundTrip} on the
 * 10,000-value corpus (test/script/env-safety.test.ts).
 */
const ENV_JQ_DEFS = String.raw`
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
      | if $dq == 1 or ($s[$i] | dsc_count("'")) == 1
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
  if .rule == "trailing-backslash" then "it ends with a backslash, so the write would leave the app's ENV file unreadable (a value set ending in a double quote reads back like this)"
  elif .rule == "trailing-quote" then "it ends with a double quote, which the write turns into a backslash"
  elif .rule == "integer" then "the write would rewrite it as the integer " + .int
  elif .rule == "hash-comment" then "the write would cut it at a \"#\" taken as a comment"
  elif .rule == "line-too-long" then "its line would reach 64 KiB, leaving the app's ENV file unreadable"
  else "its key starts with \"export\", which the next read strips" end;
`;

/**
 * Rules per value, for the test: input `[[key, value]…]`, output
 * `[[v1.5.1 rule|null, v1.2.0 rule|null]…]`.
 */
export const ENV_RULES_JQ = `${ENV_JQ_DEFS}
map(.[0] as $k | .[1] | [(dsc_v15 | if . then .rule else null end), (dsc_v12($k) | if . then .rule else null end)])`;

/**
 * The converge guard. Input null; `$env`: the app's env as `config:export
 * --format json` prints it; `$plan`: the converge plan (`set`, `restore`,
 * `unset`). Output (-r): one paragraph naming the app, every key whose value
 * the planned write would corrupt and why, and what to do; nothing when the
 * write is safe. Values are never printed (they may be secrets).
 */
export const ENV_GUARD_JQ = `${ENV_JQ_DEFS}
(reduce ($plan.unset[]) as $k ($env + $plan.set + $plan.restore; del(.[$k]))) as $after
| dsc_gv as $gv
| [ $after | to_entries[] | .key as $k
    | ([ (if $gv | index("v1.5.1") then (.value | dsc_v15) else null end),
         (if $gv | index("v1.2.0") then (.value | dsc_v12($k)) else null end) ] | map(select(. != null))) as $r
    | select($r | length > 0)
    | "\\($k) (" + ($r | map(dsc_why) | unique | join("; "))
      + (if $plan.set | has($k) then "; this is the stack's own value: change it in the stack" else "" end) + ")" ] as $bad
| if ($bad | length) == 0 then empty
  else "dokku-shared-cache: app \\($app): not writing its env: " + dsc_dokku
    + " would corrupt " + (if ($bad | length) == 1 then "the value of " else "the values of " end)
    + ($bad | join(", ")) + ", because it rewrites the whole ENV file on every config:set/config:unset"
    + " (godotenv " + ($gv | join(" or ")) + "). Nothing was changed on this app; the other apps go on."
    + " Fix " + (if ($bad | length) == 1 then "that value" else "those values" end)
    + " yourself (dokku config:set \\($app) KEY=..., dokku config:unset \\($app) KEY, or edit "
    + dsc_envfile + "), then run pulumi up again."
  end
`;

/**
 * An app whose ENV file Dokku can no longer parse. `$said`: Dokku's message
 * (without " !     "). Output: one paragraph.
 */
export const ENV_UNREADABLE_JQ = `${ENV_JQ_DEFS}
"dokku-shared-cache: app \\($app): Dokku can no longer read this app's env: its ENV file does not parse "
+ "(" + dsc_dokku + " says: \\"\\($said)\\"), so every config command of the app fails, and so do deploys. "
+ "Nothing was changed on this app; the other apps go on. Fix: edit " + dsc_envfile
+ " (usually a value ending in a backslash or a double quote, which Dokku 0.37.8+ writes so that it cannot read it back: "
+ "remove that last character or the line), check with dokku config:export \\($app), then run pulumi up again."
`;
