#!/usr/bin/env bash
# `npm run pulumi -- <args>`: any Pulumi command with this project's engine and settings.
#   - the engine: a Pulumi installed the usual way (on PATH, v3.248.0 or newer; the command
#     provider 1.2.1 is installed into it when missing), else the one scripts/install-pulumi.sh
#     builds once and caches (CLI, Node.js language host, command provider 1.2.1);
#   - PULUMI_SKIP_UPDATE_CHECK=true; with the built engine also
#     PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true (no download site is needed or tried);
#   - runs in the project folder, so `-s prod` finds Pulumi.prod.yaml;
#   - PULUMI_CONTINUE_ON_ERROR=true unless set (`up`/`destroy --continue-on-error`): a command
#     that fails on one host (or for one app) fails only itself and what depends on it; the
#     engine still runs every other host's and app's commands, then exits non-zero naming the
#     failed resource. Without it, the first failure stops the engine from starting any further
#     command, on every host (pulumi v3.259.0 pkg/resource/deploy/step_executor.go:404-461,
#     cancelDueToError). PULUMI_CONTINUE_ON_ERROR=false restores Pulumi's default.
# Everything else is Pulumi's own: the backend (`pulumi login --local`, `file://…` or
# PULUMI_BACKEND_URL), the passphrase (PULUMI_CONFIG_PASSPHRASE or _FILE), PULUMI_HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(bash scripts/install-pulumi.sh)
export PATH="$BIN:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_CONTINUE_ON_ERROR="${PULUMI_CONTINUE_ON_ERROR:-true}"
case "$BIN" in
  "${PULUMI_TOOLS_DIR:-$HOME/.cache/dokku-shared-cache/tools}/bin")
    export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true ;;
esac
exec pulumi "$@"
