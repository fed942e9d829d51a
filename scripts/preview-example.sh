#!/usr/bin/env bash
# One command for a newcomer: installs what is missing, builds the Pulumi CLI
# from Go modules, and previews the built-in example stack on a local file://
# backend (no host needed).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/@pulumi/pulumi ] || npm ci
BIN=$(bash scripts/install-pulumi.sh)
export PATH="$BIN:$PATH"
export PULUMI_HOME="$PWD/.pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-example}"
mkdir -p .state
pulumi login --non-interactive "file://$PWD/.state" >/dev/null
pulumi stack select --non-interactive --create example >/dev/null
# The stack file reads and its secret decrypts (the value is not printed).
pulumi config --json --show-secrets -s example >.state/example-config.json
trap 'rm -f .state/example-config.json' EXIT
if command -v pulumi-language-nodejs >/dev/null && command -v pulumi-resource-command >/dev/null; then
  [ -x "$BIN/pulumi-resource-command" ] &&
    pulumi plugin install resource command 1.2.1 --file "$BIN/pulumi-resource-command" >/dev/null 2>&1 || true
  exec pulumi preview -s example --non-interactive --diff
fi
cat >&2 <<'MSG'

==> REAL `pulumi preview` IS NOT POSSIBLE ON THIS MACHINE: the Node.js language host
    (pulumi-language-nodejs) and/or the command provider (pulumi-resource-command 1.2.1)
    could not be built: the Go module proxy refuses them (see the lines above), and
    get.pulumi.com is unreachable. Where they exist (any normal machine with
    `curl -fsSL https://get.pulumi.com | sh`), this script runs the real preview.
==> Showing the OFFLINE PLAN instead: the real program on the example stack's
    decrypted config, under Pulumi's mock engine (no host contacted).

MSG
npm run -s plan -- "$@" <.state/example-config.json
