# shellcheck shell=sh
# reads: APP DECL_BUILDER DSC_BUILD_PLAN_JQ ERR LED NOTHING_YET WBUILD_H WBUILD_P
# sets: BPLAN BUILDER CURB WBUILD det rc sel
BUILDER=$DECL_BUILDER
if [ "$BUILDER" = unknown ] && [ "$WBUILD_H$WBUILD_P" != '[][]' ]; then
  rc=0
  sel=$(dokku builder:report "$APP" --builder-computed-selected 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its builder (dokku builder:report)" "$NOTHING_YET" <"$ERR"
  rc=0
  det=$(dokku builder:report "$APP" --builder-detected 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its builder (dokku builder:report)" "$NOTHING_YET" <"$ERR"
  rm -f -- "$ERR"
  sel=$(printf '%s' "$sel" | tr -d ' \n')
  det=$(printf '%s' "$det" | tr -d ' \n')
  BUILDER=${sel:-${det:-undetermined}}
fi
case "$BUILDER" in
  herokuish | undetermined) WBUILD=$WBUILD_H ;;
  pack) WBUILD=$WBUILD_P ;;
  *) WBUILD='[]' ;;
esac
CURB=''
if [ "$WBUILD" != '[]' ] || [ "$(printf '%s' "$LED" | jq '.build // [] | length')" != 0 ]; then
  rc=0
  CURB=$(dokku docker-options:report "$APP" --docker-options-build 2>"$ERR" </dev/null) || rc=$?
  [ "$rc" = 0 ] || dsc_fail "$rc" "reading its build options (dokku docker-options:report)" "$NOTHING_YET" <"$ERR"
  rm -f -- "$ERR"
fi
BPLAN=$(jq -cn --arg cur "$CURB" --argjson want "$WBUILD" --argjson led "$LED" --arg builder "$BUILDER" "$DSC_BUILD_PLAN_JQ")
