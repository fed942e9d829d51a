#!/usr/bin/env bash
# Finds or builds the Pulumi engine this project runs on, and prints the bin dir to put on PATH:
#   - the `pulumi` CLI,
#   - the Node.js language host `pulumi-language-nodejs`,
#   - the command provider `pulumi-resource-command` 1.2.1 (what @pulumi/command 1.2.1 asks for;
#     .npmrc skips @pulumi/command's install script, so npm never installs it).
#
#   scripts/install-pulumi.sh            # find or build, print the bin dir (quiet when warm)
#
# Two ways; every failure prints both with their exact commands:
#  1. Pulumi installed the usual way (https://www.pulumi.com/docs/install/): a `pulumi` on PATH,
#     v3.248.0 or newer, with its language host beside it or on PATH, is used as it is; the command
#     provider is installed into PULUMI_HOME with `pulumi plugin install resource command 1.2.1`
#     when it is missing (from Pulumi's download site). Nothing is built: on a machine that has
#     Pulumi this is always the way taken.
#  2. Built from source, for machines without Pulumi's download site (no `pulumi` on PATH, or
#     DSC_FORCE_BUILD=1): the CLI from the Go modules, the language host and the provider from
#     their sources (PULUMI_PLUGIN_SOURCES), cached under $PULUMI_TOOLS_DIR; later runs take < 1 s.
#
# Env:
#   PULUMI_TOOLS_DIR        cache of binaries and build folders (default ~/.cache/dokku-shared-cache/tools)
#   PULUMI_PLUGIN_SOURCES   source of the language host and the provider (default ../shared/third_party
#                           beside the repo, when it exists); read-only is fine, it is copied first
#   PULUMI_HOME             where the provider is registered (Pulumi's default ~/.pulumi)
#   DSC_FORCE_BUILD=1       ignore a pulumi on PATH and use/build the cached one (way 2)
set -euo pipefail

# The built engine: one release for the CLI and the language host (the language host's source is
# release v3.259.0, and a CLI of the same release speaks exactly its protocol).
PULUMI_VERSION=v3.259.0
# The oldest installed CLI used (way 1): the release of the SDK the program runs on
# (@pulumi/pulumi 3.248.0, package.json). Pulumi releases the CLI, its language hosts and the SDKs
# together; a CLI older than the SDK brings a language host that never ran that SDK.
PULUMI_FLOOR=3.248.0
COMMAND_VERSION=1.2.1
here=$(cd "$(dirname "$0")/.." && pwd)
TOOLS="${PULUMI_TOOLS_DIR:-$HOME/.cache/dokku-shared-cache/tools}"
BIN="$TOOLS/bin"
# The provider is kept out of BIN: a pulumi-resource-command on PATH makes every run warn
# "using pulumi-resource-command from $PATH"; the engine finds the registered copy instead.
PROVIDER_DIR="$TOOLS/provider"
SOURCES="${PULUMI_PLUGIN_SOURCES:-$here/../shared/third_party}"

log() { printf '[install-pulumi] %s\n' "$*" >&2; }
two_ways() {
  cat >&2 <<WAYS
[install-pulumi] Take one of the two ways:
  1. Pulumi installed the usual way (needs Pulumi's download site: get.pulumi.com, github.com):
       curl -fsSL https://get.pulumi.com | sh -s -- --version ${PULUMI_VERSION#v}
       export PATH="\$HOME/.pulumi/bin:\$PATH"
       pulumi plugin install resource command $COMMAND_VERSION
       bash scripts/install-pulumi.sh
  2. Built from source (no download site needed; needs Go 1.25 or newer, the Go module proxy, and
     a folder holding pulumi-language-nodejs/ (release $PULUMI_VERSION) and pulumi-command/ (v$COMMAND_VERSION)):
       PULUMI_PLUGIN_SOURCES=/path/to/third_party DSC_FORCE_BUILD=1 bash scripts/install-pulumi.sh
WAYS
}
die() {
  log "ERROR: $*"
  two_ways
  exit 1
}

provider_registered() { # pulumi binary
  "$1" plugin ls --json 2>/dev/null | grep -Eq '"name": *"command"' &&
    "$1" plugin ls 2>/dev/null | awk '$1=="command" && $2=="resource" && $3=="'"$COMMAND_VERSION"'"' | grep -q .
}

# Way 1: Pulumi installed the usual way. Prints its bin dir and exits, or dies; never builds.
use_installed() { # pulumi binary
  local pulumi=$1 version real
  version=$(PULUMI_SKIP_UPDATE_CHECK=true "$pulumi" version 2>/dev/null) ||
    die "$pulumi is on PATH but \`$pulumi version\` fails. Reinstall Pulumi (way 1), or take way 2."
  if [ "$(printf '%s\n%s\n' "$PULUMI_FLOOR" "${version#v}" | sort -V | head -n1)" != "$PULUMI_FLOOR" ]; then
    die "$pulumi is Pulumi $version; this project needs v$PULUMI_FLOOR or newer (its SDK is @pulumi/pulumi $PULUMI_FLOOR; tested with $PULUMI_VERSION). Update Pulumi (way 1), or take way 2."
  fi
  # The CLI looks for its language host on PATH, then beside its own (symlink-resolved) executable
  # (pulumi v3.259.0 sdk/go/common/workspace/plugins.go, getPluginInfoAndPath).
  real=$(readlink -f "$pulumi")
  if [ ! -x "$(dirname "$real")/pulumi-language-nodejs" ] && ! command -v pulumi-language-nodejs >/dev/null 2>&1; then
    die "$pulumi ($version) has no Node.js language host: pulumi-language-nodejs is neither beside it ($(dirname "$real")) nor on PATH. Reinstall Pulumi with its installer, which puts it beside pulumi (way 1), or take way 2."
  fi
  if ! provider_registered "$pulumi"; then
    log "installing the command provider: pulumi plugin install resource command $COMMAND_VERSION"
    PULUMI_SKIP_UPDATE_CHECK=true "$pulumi" plugin install resource command "$COMMAND_VERSION" >&2 ||
      die "\`pulumi plugin install resource command $COMMAND_VERSION\` failed (its output is above). If this machine cannot reach Pulumi's download site, take way 2 (DSC_FORCE_BUILD=1 sets the pulumi on PATH aside)."
    provider_registered "$pulumi" ||
      die "\`pulumi plugin install resource command $COMMAND_VERSION\` ran, but \`pulumi plugin ls\` does not list it. Check PULUMI_HOME, or take way 2."
  fi
  dirname "$pulumi"
  exit 0
}

if [ "${DSC_FORCE_BUILD:-0}" != 1 ] && existing=$(command -v pulumi 2>/dev/null) &&
  [ "$(dirname "$existing")" != "$BIN" ]; then
  use_installed "$existing"
fi

# Way 2: build from source. Everything it needs is checked before anything is built.
if [ "${DSC_FORCE_BUILD:-0}" = 1 ]; then why="DSC_FORCE_BUILD=1 builds the engine"; else why="no pulumi on PATH"; fi
missing_source() { # out-dir binary subdir: prints the subdir when the binary must be built and its source is missing
  [ -x "$1/$2" ] || [ -d "$SOURCES/$3" ] || printf '%s ' "$SOURCES/$3"
}
[ -x "$BIN/pulumi-resource-command" ] && mkdir -p "$PROVIDER_DIR" &&
  mv "$BIN/pulumi-resource-command" "$PROVIDER_DIR/pulumi-resource-command" # the old place
need=$(missing_source "$BIN" pulumi-language-nodejs pulumi-language-nodejs)$(missing_source "$PROVIDER_DIR" pulumi-resource-command pulumi-command/provider)
[ -z "$need" ] || die "$why, and the sources to build it from are not there: ${need% } (PULUMI_PLUGIN_SOURCES=$SOURCES). Install Pulumi (way 1), or point PULUMI_PLUGIN_SOURCES at them (way 2)."
cli_built() { [ -x "$BIN/pulumi" ] && [ "$("$BIN/pulumi" version 2>/dev/null)" = "$PULUMI_VERSION" ]; }
if ! cli_built || [ ! -x "$BIN/pulumi-language-nodejs" ] || [ ! -x "$PROVIDER_DIR/pulumi-resource-command" ]; then
  command -v go >/dev/null 2>&1 || die "$why, and there is no go to build it with. Install Pulumi (way 1), or install Go 1.25 or newer (way 2)."
fi

mkdir -p "$BIN"
# Go prints advice about retracted versions of indirect deps; it is noise for a user.
export GOFLAGS="${GOFLAGS:-} -mod=mod"

# 2. The CLI, built from the served Go modules.
if cli_built; then
  :
else
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
  log "building $bin from $SOURCES/$sub (first time: about 1 minute)"
  # The source may be read-only (CI): build in a writable copy.
  rm -rf "${src:?}/$sub" && mkdir -p "$src/$(dirname "$sub")"
  cp -r "$SOURCES/$sub" "$src/$sub" && chmod -R u+w "$src/$sub"
  (cd "$src/$sub" && go build -trimpath -ldflags "-s -w $ldflags" -o "$out/$bin.tmp" "$pkg" >"$TOOLS/src/$bin.log" 2>&1) ||
    { tail -20 "$TOOLS/src/$bin.log" >&2; die "building $bin failed (log: $TOOLS/src/$bin.log)"; }
  mv "$out/$bin.tmp" "$out/$bin"
}
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
