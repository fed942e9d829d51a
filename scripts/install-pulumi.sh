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
echo "$BIN"
