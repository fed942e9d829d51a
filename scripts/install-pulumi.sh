#!/usr/bin/env bash
# Finds or builds the Pulumi engine this project runs on, and prints the bin dir to put on PATH:
#   - the `pulumi` CLI (from the Go modules github.com/pulumi/pulumi/pkg/v3 + sdk/v3),
#   - the Node.js language host `pulumi-language-nodejs`,
#   - the command provider `pulumi-resource-command` 1.2.1 (what @pulumi/command 1.2.1 asks for),
# then registers the provider with the CLI so the engine never tries to download it.
#
#   scripts/install-pulumi.sh            # find or build, print the bin dir (quiet when warm)
#
# A `pulumi` already on PATH that has a language host beside it and the command provider 1.2.1
# installed (a normal machine with Pulumi's installer) is used as it is: nothing is built.
# Otherwise everything is built once and cached under $PULUMI_TOOLS_DIR; later runs take < 1 s.
#
# Env:
#   PULUMI_TOOLS_DIR        cache of binaries and build folders (default ~/.cache/dokku-shared-cache/tools)
#   PULUMI_PLUGIN_SOURCES   source of the language host and the provider (default ../shared/third_party
#                           beside the repo, when it exists); read-only is fine, it is copied first
#   PULUMI_HOME             where the provider is registered (Pulumi's default ~/.pulumi)
#   DSC_FORCE_BUILD=1       ignore a pulumi on PATH and use/build the cached one
set -euo pipefail

# One version for the CLI and the language host: the language host's source is release v3.259.0,
# and a CLI of the same release speaks exactly its protocol (see README "The engine").
PULUMI_VERSION=v3.259.0
COMMAND_VERSION=1.2.1
here=$(cd "$(dirname "$0")/.." && pwd)
TOOLS="${PULUMI_TOOLS_DIR:-$HOME/.cache/dokku-shared-cache/tools}"
BIN="$TOOLS/bin"
# The provider is kept out of BIN: a pulumi-resource-command on PATH makes every run warn
# "using pulumi-resource-command from $PATH"; the engine finds the registered copy instead.
PROVIDER_DIR="$TOOLS/provider"
SOURCES="${PULUMI_PLUGIN_SOURCES:-$here/../shared/third_party}"

log() { printf '[install-pulumi] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

provider_registered() { # pulumi binary
  "$1" plugin ls --json 2>/dev/null | grep -Eq '"name": *"command"' &&
    "$1" plugin ls 2>/dev/null | awk '$1=="command" && $2=="resource" && $3=="'"$COMMAND_VERSION"'"' | grep -q .
}

# 1. A complete engine already on PATH (not ours): use it as it is.
if [ "${DSC_FORCE_BUILD:-0}" != 1 ] && existing=$(command -v pulumi 2>/dev/null) &&
  [ "$(dirname "$existing")" != "$BIN" ] && command -v pulumi-language-nodejs >/dev/null 2>&1 &&
  provider_registered "$existing"; then
  dirname "$existing"
  exit 0
fi

mkdir -p "$BIN"
# Go prints advice about retracted versions of indirect deps; it is noise for a user.
export GOFLAGS="${GOFLAGS:-} -mod=mod"

# 2. The CLI, built from the served Go modules.
if [ -x "$BIN/pulumi" ] && [ "$("$BIN/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]; then
  :
else
  command -v go >/dev/null || die "go is required to build the Pulumi CLI (or install Pulumi: https://www.pulumi.com/docs/install/)"
  work="$TOOLS/src/pulumi-cli-$PULUMI_VERSION"
  mkdir -p "$work"
  # A wrapper module: pkg/v3's go.mod replaces sdk/v3 with ../sdk, which `go install pkg@version`
  # refuses; requiring both at one version and repeating their other replaces builds the same binary.
  cat >"$work/go.mod" <<MOD
module local/pulumi-cli

go 1.25

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD
  cat >"$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
  log "building pulumi $PULUMI_VERSION from Go modules (first time: about 4-6 minutes on 2 cores)"
  (
    cd "$work"
    go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION" >"$work/build.log" 2>&1 &&
      go build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
        -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >>"$work/build.log" 2>&1
  ) || { tail -20 "$work/build.log" >&2; die "building the Pulumi CLI failed (log: $work/build.log)"; }
  mv "$BIN/pulumi.tmp" "$BIN/pulumi"
  log "built $("$BIN/pulumi" version)"
fi

# 3. The language host and the provider, from source (the Go module proxy does not serve them).
build_from_source() { # out-dir  binary  subdir  package  ldflags
  local out=$1 bin=$2 sub=$3 pkg=$4 ldflags=$5 src="$TOOLS/src/third_party"
  [ -x "$out/$bin" ] && return 0
  mkdir -p "$out"
  [ -d "$SOURCES/$sub" ] || die "$bin is missing and its source is not at $SOURCES/$sub (set PULUMI_PLUGIN_SOURCES to the folder holding pulumi-language-nodejs/ and pulumi-command/)"
  command -v go >/dev/null || die "go is required to build $bin"
  log "building $bin from $SOURCES/$sub (first time: about 1 minute)"
  # The source may be read-only (CI): build in a writable copy.
  rm -rf "$src/$sub" && mkdir -p "$src/$(dirname "$sub")"
  cp -r "$SOURCES/$sub" "$src/$sub" && chmod -R u+w "$src/$sub"
  (cd "$src/$sub" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out/$bin.tmp" "$pkg" >"$TOOLS/src/$bin.log" 2>&1) ||
    { tail -20 "$TOOLS/src/$bin.log" >&2; die "building $bin failed (log: $TOOLS/src/$bin.log)"; }
  mv "$out/$bin.tmp" "$out/$bin"
}
# Before the provider had its own folder it was built into BIN.
[ -x "$BIN/pulumi-resource-command" ] && mkdir -p "$PROVIDER_DIR" &&
  mv "$BIN/pulumi-resource-command" "$PROVIDER_DIR/pulumi-resource-command"
build_from_source "$BIN" pulumi-language-nodejs pulumi-language-nodejs . \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
build_from_source "$PROVIDER_DIR" pulumi-resource-command pulumi-command/provider ./cmd/pulumi-resource-command \
  "-X github.com/pulumi/pulumi-command/provider/pkg/version.Version=$COMMAND_VERSION"

# 4. Register the provider in PULUMI_HOME (once per PULUMI_HOME).
if ! provider_registered "$BIN/pulumi"; then
  PULUMI_SKIP_UPDATE_CHECK=true "$BIN/pulumi" plugin install resource command "$COMMAND_VERSION" \
    --file "$PROVIDER_DIR/pulumi-resource-command" >/dev/null 2>&1 ||
    die "pulumi plugin install resource command $COMMAND_VERSION --file $PROVIDER_DIR/pulumi-resource-command failed"
fi
echo "$BIN"
