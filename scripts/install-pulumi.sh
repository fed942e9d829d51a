#!/usr/bin/env bash
# Builds the Pulumi CLI from Go modules (no download site is reachable here)
# and caches it under a stable path, so a second run takes seconds.
#
#   scripts/install-pulumi.sh          # build if missing, print the bin dir
#
# Env: PULUMI_TOOLS_DIR (default $HOME/.cache/dokku-shared-cache/tools)
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-v3.274.1}"
TOOLS="${PULUMI_TOOLS_DIR:-$HOME/.cache/dokku-shared-cache/tools}"
BIN="$TOOLS/bin"
mkdir -p "$BIN"

log() { printf '[install-pulumi] %s\n' "$*" >&2; }

if [ -x "$BIN/pulumi" ] && "$BIN/pulumi" version 2>/dev/null | grep -qx "$PULUMI_VERSION"; then
  log "pulumi $PULUMI_VERSION already built in $BIN"
else
  command -v go >/dev/null || { log "go is required"; exit 1; }
  work="$TOOLS/src/pulumi-cli-$PULUMI_VERSION"
  mkdir -p "$work"
  # A wrapper module: pkg/v3's go.mod replaces sdk/v3 with ../sdk, which
  # `go install pkg@version` refuses; requiring both at one version and
  # repeating their other replaces builds the same binary.
  cat >"$work/go.mod" <<MOD
module local/pulumi-cli

go 1.25

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

replace golang.org/x/text => golang.org/x/text v0.41.0
MOD
  cat >"$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
  log "building pulumi $PULUMI_VERSION from Go modules (first time: several minutes)"
  (
    cd "$work"
    go mod tidy -e >/dev/null 2>&1 || true
    go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" >&2
    go build -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
      -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  )
  log "built $("$BIN/pulumi" version)"
fi

# The Node.js language host and the command provider (v1.2.1) are needed by
# `pulumi preview`/`up` of this project. Try to build them from the Go module
# proxy; when the proxy refuses (as it does here: 403 "This module version is
# not available"), say so and go on: the caller decides what to do without them.
LANG_MOD="github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3"
CMD_MOD="github.com/pulumi/pulumi-command/provider"
CMD_VERSION="${PULUMI_COMMAND_PSEUDO_VERSION:-v0.0.0-20260303235922-7f3eb6f3b77c}"
try_plugin() { # module version package binary ldflags
  local mod=$1 ver=$2 pkg=$3 bin=$4 ldflags=$5 w
  [ -x "$BIN/$bin" ] && return 0
  w="$TOOLS/src/$bin-$ver"
  mkdir -p "$w"
  printf 'module local/%s\n\ngo 1.25\n' "$bin" >"$w/go.mod"
  if (cd "$w" && GOFLAGS=-mod=mod go get "$mod@$ver" >"$w/get.log" 2>&1 &&
      go build -trimpath -ldflags "$ldflags" -o "$BIN/$bin" "$pkg" >>"$w/get.log" 2>&1); then
    log "built $bin ($mod@$ver)"
  else
    log "cannot build $bin: the Go module proxy refused $mod@$ver:"
    grep -m1 -E '403|404|410|not available|invalid version' "$w/get.log" | sed 's/^/[install-pulumi]   /' >&2 || true
    return 1
  fi
}
try_plugin "$LANG_MOD" "${PULUMI_LANGUAGE_NODEJS_VERSION:-$PULUMI_VERSION}" "$LANG_MOD" pulumi-language-nodejs \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" || true
try_plugin "$CMD_MOD" "$CMD_VERSION" "$CMD_MOD/cmd/pulumi-resource-command" pulumi-resource-command \
  "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=1.2.1" || true
echo "$BIN"
