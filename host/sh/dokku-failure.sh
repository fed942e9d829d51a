# shellcheck shell=sh
# reads: APP ERR
# sets: NOTHING_YET PARTLY UNREADABLE esc r t w
# defines: dsc_dokku dsc_fail dsc_words
NOTHING_YET="Nothing was changed on this app; fix the cause and run pulumi up again."
PARTLY="This run's earlier changes to the app are recorded; fix the cause and run pulumi up again."
UNREADABLE="If Dokku cannot parse the app's ENV file, every config command of the app fails until the value it names is fixed (check with: dokku config:export $APP)."
dsc_words() { # stdin: Dokku's output; prints its message on one line, each ` !` line once
  # (a failed deploy on 0.38.27 prints its " !" lines twice, the second time each prefixed
  # once more (" !      !     Failure in …"); seen in test/dokku/restart-failure.test.ts)
  esc=$(printf '\033')
  sed "s/$esc\[[0-9;]*[A-Za-z]//g" | awk '/^ !     / { while (sub(/^ !     /, "")) continue; if (!seen[$0]++) m = m (m == "" ? "" : " ") $0; next } NF { l = $0 } END { gsub(/^[ \t]+/, "", l); print (m != "" ? m : (l != "" ? l : "(nothing)")) }'
}
dsc_fail() { # rc what todo; stdin: Dokku's output
  echo "dokku-shared-cache: app $APP: $2 failed with exit $1; Dokku says: \"$(dsc_words)\". $3" >&2
  rm -f -- "$ERR"
  exit "$1"
}
dsc_dokku() { # what todo dokku-args...
  w=$1
  t=$2
  shift 2
  r=0
  dokku "$@" 2>"$ERR" </dev/null || r=$?
  if [ "$r" != 0 ]; then dsc_fail "$r" "$w" "$t" <"$ERR"; fi
  rm -f -- "$ERR"
}
