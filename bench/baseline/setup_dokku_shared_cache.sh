#!/bin/sh
# Baseline for the benchmark: a faithful shell re-implementation of the
# user's migration note (../shared/seed/migration-note.ru.md), step 1: the
# setup script it describes (not included in the note) "creates the shared
# cache directories, adds persistent-storage mounts for ALL existing apps and
# sets the env vars on them". Every run does all of it again: the note has no
# notion of a difference. `config:set` without --no-restart restarts every
# deployed app (contract §5). Mounting an existing mount exits 1, ignored.
# SHARED_ROOT overrides /var/lib/dokku/data/shared (the benchmark's temp host).
set -u
SHARED="${SHARED_ROOT:-/var/lib/dokku/data/shared}"
mkdir -p "$SHARED/pip" "$SHARED/uv" "$SHARED/npm" "$SHARED/ms-playwright" "$SHARED/rust"
for app in $(dokku --quiet apps:list); do
  dokku storage:mount "$app" "$SHARED/pip:/root/.cache/pip" 2>/dev/null || true
  dokku storage:mount "$app" "$SHARED/uv:/root/.cache/uv" 2>/dev/null || true
  dokku storage:mount "$app" "$SHARED/npm:/root/.cache/npm" 2>/dev/null || true
  dokku storage:mount "$app" "$SHARED/ms-playwright:/root/.cache/ms-playwright" 2>/dev/null || true
  dokku storage:mount "$app" "$SHARED/rust:/root/.cargo" 2>/dev/null || true
  dokku config:set "$app" \
    PIP_CACHE_DIR=/root/.cache/pip \
    UV_CACHE_DIR=/root/.cache/uv \
    NPM_CONFIG_CACHE=/root/.cache/npm \
    PLAYWRIGHT_BROWSERS_PATH=/root/.cache/ms-playwright \
    CARGO_HOME=/root/.cargo >/dev/null
done
