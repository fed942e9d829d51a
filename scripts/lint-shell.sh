#!/usr/bin/env bash
# Shell lint (part of `npm run lint`; docs/testing.md): shellcheck and shfmt over the host's
# script files (host/sh/*.sh, POSIX sh: the host runs /bin/sh), shellcheck over the scripts the
# example stack renders (test/golden/example/*.sh, exactly what the host runs) and over the
# repository's own bash (scripts/, testkit/, bench/baseline/, .ci/run, the test doubles).
set -euo pipefail
cd "$(dirname "$0")/.."
for t in shellcheck shfmt; do
  command -v "$t" >/dev/null 2>&1 || {
    echo "lint-shell: $t is required (Debian: apt-get install shellcheck shfmt; .ci/run installs both)" >&2
    exit 127
  }
done

# Script files: one fragment each, joined by a renderer after a header of quoted variables
# (what shellcheck leaves to the contract test, and why: host/sh/.shellcheckrc).
shellcheck host/sh/*.sh # settings and reasons: host/sh/.shellcheckrc
# The formatter: 2-space indent, case items indented (the style of the scripts before they were files).
shfmt -i 2 -ci -d host/sh/*.sh

# The rendered scripts. SC2016 as above; SC2050 (constant comparison) does not occur in them now
# but is what a rendered value compared in a test (`[ 'x' = y ]`) looks like to shellcheck.
shellcheck -s sh -e SC2016,SC2050 test/golden/example/*.sh

# The repository's own shell.
shellcheck scripts/*.sh testkit/*.sh bench/baseline/*.sh .ci/run
shellcheck -s sh testkit/double/docker testkit/double/dockerd testkit/double/dokku testkit/double/systemctl
echo "lint-shell: ok"
