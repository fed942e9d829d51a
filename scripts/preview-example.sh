#!/usr/bin/env bash
# `npm run preview:example`: the real `pulumi preview --diff` of the built-in example stack
# (Pulumi.example.yaml) on a local file:// backend in .state/, with the engine found or built by
# scripts/install-pulumi.sh. No host is contacted (the example stack has detectDrift off).
#
#   npm run preview:example               # real preview; exits non-zero if the engine cannot be had
#   npm run preview:example -- --offline  # the offline plan instead: the program under Pulumi's mocks
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/@pulumi/pulumi ] || npm ci --ignore-scripts
# The example stack's throwaway passphrase, always: Pulumi.example.yaml's encryptionsalt is made
# from it, and an operator's own (exported for their stack, README step 2) would fail to open it.
export PULUMI_CONFIG_PASSPHRASE=example
unset PULUMI_CONFIG_PASSPHRASE_FILE
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.state}"
mkdir -p .state
if [ "${1:-}" = "--offline" ]; then
  shift
  exec npm run -s plan -- --stack example "$@"
fi
if ! bash scripts/install-pulumi.sh >/dev/null; then
  cat >&2 <<'MSG'

==> NO REAL PREVIEW: the Pulumi engine could not be found or built (the two ways to get it are
    above). `npm run preview:example -- --offline` shows the offline plan without it.
MSG
  exit 3
fi
bash scripts/pulumi.sh stack select --non-interactive --create example >/dev/null
exec bash scripts/pulumi.sh preview -s example --non-interactive --diff
