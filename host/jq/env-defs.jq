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
