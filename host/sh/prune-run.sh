# shellcheck shell=sh
# reads: -
# sets: out total
# defines: dsc_run
total=0
dsc_run() {
  echo "dokku-shared-cache: $*" >&2
  out=$("$@" 2>&1) || {
    printf '%s\n' "$out" >&2
    echo "dokku-shared-cache: prune failed: $*" >&2
    exit 4
  }
  printf '%s\n' "$out"
}
