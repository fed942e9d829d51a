# shellcheck shell=sh
# reads: DSC_DOKKU_LIB DSC_SHARED_ROOT DSC_STATE_DIR
# sets: dsc_dev dsc_droot dsc_l dsc_line dsc_lp dsc_p dsc_rows
# defines: dsc_disk
dsc_disk() {
  dsc_droot=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null) || dsc_droot=""
  dsc_rows=''
  for dsc_lp in "docker ${dsc_droot:-/var/lib/docker}" "dokku $DSC_DOKKU_LIB" "shared $DSC_SHARED_ROOT" "state $DSC_STATE_DIR"; do
    dsc_l=${dsc_lp%% *}
    dsc_p=${dsc_lp#* }
    while [ ! -e "$dsc_p" ] && [ "$dsc_p" != / ]; do dsc_p=$(dirname -- "$dsc_p"); done
    dsc_dev=$(stat -c %d -- "$dsc_p" 2>/dev/null) || dsc_dev=''
    dsc_line=$(df -P -B1 -- "$dsc_p" 2>/dev/null | awk 'NR == 2 { m = $6; for (i = 7; i <= NF; i++) m = m " " $i; print $2 "\t" $4 "\t" m }') || dsc_line=''
    [ -n "$dsc_line" ] || continue
    dsc_rows="$dsc_rows$dsc_l	$dsc_p	${dsc_dev:-$dsc_p}	$dsc_line
"
  done
  printf '%s' "$dsc_rows" | jq -R -s -c '[split("\n")[] | select(. != "") | split("\t")
    | {label: .[0], path: .[1], dev: .[2], sizeBytes: (.[3] | tonumber), availBytes: (.[4] | tonumber), mount: .[5]}]
    | reduce .[] as $r ([]; if any(.[]; .dev == $r.dev)
        then map(if .dev == $r.dev then .labels += [$r.label] | .paths += [$r.path]
          | if ($r.mount | length) < (.mount | length) then .mount = $r.mount else . end else . end)
        else . + [{dev: $r.dev, mount: $r.mount, sizeBytes: $r.sizeBytes, availBytes: $r.availBytes, labels: [$r.label], paths: [$r.path]}] end)
    | map(del(.dev))'
}
