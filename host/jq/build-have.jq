($cur | [splits("[ \t\n]+")] | map(select(. != ""))) as $t
| [ range(0; ($t | length) - 1) as $i | select($t[$i] == "-v" or $t[$i] == "--volume") | "-v " + $t[$i + 1] ]
