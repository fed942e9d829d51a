#!/usr/bin/env bash
# `npm run pulumi -- <args>`: any Pulumi command with this project's engine and settings.
#   - the engine: a complete Pulumi already on PATH, else the one scripts/install-pulumi.sh
#     builds once and caches (CLI, Node.js language host, command provider 1.2.1);
#   - PULUMI_SKIP_UPDATE_CHECK=true; with the built engine also
#     PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true (no download site is needed or tried);
#   - runs in the project folder, so `-s prod` finds Pulumi.prod.yaml.
# Everything else is Pulumi's own: the backend (`pulumi login --local`, `file://…` or
# PULUMI_BACKEND_URL), the passphrase (PULUMI_CONFIG_PASSPHRASE or _FILE), PULUMI_HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(bash scripts/install-pulumi.sh)
export PATH="$BIN:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
case "$BIN" in
  "${PULUMI_TOOLS_DIR:-$HOME/.cache/dokku-shared-cache/tools}/bin")
    export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true ;;
esac
exec pulumi "$@"
