#!/bin/sh
# Baseline, step 3 of the note: "rebuild every app: dokku ps:rebuild APP".
# (Step 2, stopping every container and rm -rf under /var/lib/docker/buildkit
# and restarting Docker, is an outage and unsafe; it is not benchmarked.)
set -u
for app in $(dokku --quiet apps:list); do
  dokku ps:rebuild "$app" >/dev/null 2>&1 || true
done
