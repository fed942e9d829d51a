#!/usr/bin/env bash
# A real Dokku 0.38.27 on this machine for tests, from ../shared/third_party/dokku (read-only; its scripts
# take DOKKU_WORK as scratch). Needs root, apt and the Go module proxy; nothing else from the network.
#
#   testkit/real-dokku.sh up      Debian packages (only the missing ones), build (cached), private dockerd
#                                 (networking off, no bridge), install Dokku, the local image localtest/busybox:1
#   testkit/real-dokku.sh down    uninstall Dokku, stop the private dockerd, delete its data (images, containers)
#                                 and what dockerd/useradd left outside; keeps the build cache and the packages
#   testkit/real-dokku.sh purge   down, then purge the Debian packages `up` installed and the build cache:
#                                 the machine as it was before the first `up`
#   testkit/real-dokku.sh run CMD up, CMD, down (`npm run test:dokku`); a Dokku that was up before stays up
#   testkit/real-dokku.sh status  prints what is up
#
# Two folders:
#   $DSC_REAL_DOKKU_CACHE (default ~/.cache/dokku-shared-cache/real-dokku): the build (Go plugins, helpers) and
#     this script's records; stable, so warm runs take seconds. Rebuilt only when the sources, scripts or Go change.
#   $DSC_REAL_DOKKU_RUN (default /tmp/dsc-real-dokku): the scripts' DOKKU_WORK while Dokku runs: the daemon's
#     socket, data root and logs. Not under /root: user dokku must reach the socket (root's home is 0700).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${DSC_DOKKU_SHARED:-$REPO/../shared/third_party/dokku}
CACHE=${DSC_REAL_DOKKU_CACHE:-$HOME/.cache/dokku-shared-cache/real-dokku}
export DOKKU_WORK=${DSC_REAL_DOKKU_RUN:-/tmp/dsc-real-dokku}
export DOCKER_HOST=unix://$DOKKU_WORK/docker.sock
VERSION=0.38.27
# The shared README's list, plus jq (a Depends of Dokku's .deb; the program's scripts need it).
PACKAGES=(jq docker.io busybox-static parallel dos2unix rsync cpio sudo net-tools unzip apache2-utils)
MARK=$CACHE/installed-by-testkit   # Dokku on this machine was installed by this script
APT_MARK=$CACHE/apt-installed      # packages this script installed (for purge)
CREATED=$CACHE/created-paths       # paths dockerd/useradd/sudo make outside our folders, absent before `up`
# Seen after an up/down cycle (snapshot of /etc /usr /var /run /opt /home before and after): dockerd writes its trust
# key and plugin folders, containerd its shim socket dir, useradd/userdel backups, sudo (the healthchecker) its run dir.
SIDE_PATHS=(/etc/docker/key.json /opt/containerd /run/containerd /run/docker /run/sudo /etc/subuid- /etc/subgid-)

say() { printf '==> real-dokku: %s\n' "$*" >&2; }
die() { printf 'real-dokku: %s\n' "$*" >&2; exit 1; }
t0=$(date +%s%N)
took() { local ms=$((($(date +%s%N) - t0) / 1000000)); printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)); }

[ "$(id -u)" = 0 ] || die "must run as root (it installs Dokku the way its .deb does)"
[ -x "$SHARED/build.sh" ] || die "no Dokku sources at $SHARED (set DSC_DOKKU_SHARED)"
if [ -e "$DOKKU_WORK" ] && [ ! -f "$DOKKU_WORK/.dsc-real-dokku" ]; then
  die "$DOKKU_WORK exists and was not made by this script; set DSC_REAL_DOKKU_RUN to a new folder"
fi
mkdir -p "$CACHE"
run_dir() { # the scripts' DOKKU_WORK; install.sh reads the build from it
  mkdir -p "$DOKKU_WORK" && touch "$DOKKU_WORK/.dsc-real-dokku" && chmod 0755 "$DOKKU_WORK"
  local d
  for d in bin build; do [ "$(readlink "$DOKKU_WORK/$d" 2>/dev/null)" = "$CACHE/$d" ] || ln -sfn "$CACHE/$d" "$DOKKU_WORK/$d"; done
}

step() { # runs one step; says how long it took when it did something
  local s; s=$(date +%s%N)
  "$1"
  local ms=$((($(date +%s%N) - s) / 1000000))
  [ "$ms" -lt 300 ] || say "$1: $((ms / 1000)).$((ms % 1000 / 100))s"
}
dockerd_up() { [ -f "$DOKKU_WORK/docker.pid" ] && kill -0 "$(cat "$DOKKU_WORK/docker.pid")" 2>/dev/null && docker info >/dev/null 2>&1; }
bridges() { ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | sort; }

packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "apt: installing ${missing[*]}"
  # Services must not start (docker.io's would bring up docker0): a policy-rc.d that refuses, only if none exists.
  local own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d && own_policy=1
  fi
  printf '%s\n' "${missing[@]}" >>"$APT_MARK"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Undo the enable links the postinst scripts made (the shared README's step 1).
  local s
  for s in docker.service docker.socket containerd.service; do
    DPKG_MAINTSCRIPT_PACKAGE=x deb-systemd-helper disable "$s" >/dev/null 2>&1 || true
  done
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

build_key() {
  {
    (cd "$SHARED" && sha256sum build.sh env.sh install.sh)
    (cd "$SHARED/src" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    go version
  } | sha256sum | cut -d' ' -f1
}

build() {
  local key; key=$(build_key)
  if [ -f "$CACHE/build.stamp" ] && [ "$(cat "$CACHE/build.stamp")" = "$key" ] &&
    [ -x "$CACHE/build/dokku/dokku" ] && [ -x "$CACHE/bin/plugn" ]; then
    return 0
  fi
  say "building Dokku $VERSION (Go plugins and helpers) into $CACHE"
  rm -f "$CACHE/build.stamp"
  DOKKU_WORK=$CACHE bash "$SHARED/build.sh" >&2
  echo "$key" >"$CACHE/build.stamp"
}

note_absent() {
  local p
  for p in "${SIDE_PATHS[@]}"; do [ -e "$p" ] || grep -qxF "$p" "$CREATED" 2>/dev/null || echo "$p" >>"$CREATED"; done
}

# The sources in ../shared store the 167 symlinks of Dokku's tree (git ls-tree v0.38.27: mode 120000; 160 triggers
# of 20_events -> hook, and e.g. config/docker-args-run -> docker-args-deploy) as small files holding the target's
# name. Installed like that, those triggers are "not executable" (plugn skips them and says so on stderr of every
# command) and `dokku run` gets no app env. Put the links back in the build tree that install.sh copies.
restore_links() {
  local f t n=0
  while IFS= read -r -d '' f; do
    t=$(cat -- "$f")
    case "$t" in */* | "" | *[[:space:]]*) continue ;; esac
    { [ -f "$(dirname "$f")/$t" ] && [ "$t" != "$(basename "$f")" ]; } || continue
    ln -sfn -- "$t" "$f" && n=$((n + 1))
  done < <(find "$CACHE/build/dokku/plugins" -type f -size -100c ! -perm -u+x -print0)
  [ "$n" = 0 ] || say "restored $n symlinks of Dokku's source tree"
}

start_dockerd() {
  dockerd_up && return 0
  note_absent
  local before; before=$(bridges)
  say "starting the private dockerd (no bridge, no iptables)"
  bash "$SHARED/start-dockerd.sh" >&2
  [ "$(bridges)" = "$before" ] || die "a network bridge appeared after starting dockerd: $(bridges)"
}

install_dokku() {
  if [ -e /usr/bin/dokku ] || [ -e /var/lib/dokku ] || [ -e /etc/default/dokku ]; then
    [ -f "$MARK" ] || die "a Dokku not installed by this script is on this machine (/usr/bin/dokku, /var/lib/dokku or /etc/default/dokku); refusing to touch it"
    if [ "$(dokku version 2>/dev/null)" = "dokku version $VERSION" ] &&
      grep -qxF "export DOCKER_HOST=$DOCKER_HOST" /etc/default/dokku; then
      return 0
    fi
  fi
  id dokku >/dev/null 2>&1 && [ ! -f "$MARK" ] && die "a user 'dokku' exists that this script did not create; refusing"
  say "installing Dokku $VERSION"
  note_absent
  touch "$MARK"
  bash "$SHARED/install.sh" >&2
}

make_image() {
  docker image inspect localtest/busybox:1 >/dev/null 2>&1 && return 0
  say "making localtest/busybox:1 from local files"
  bash "$SHARED/make-image.sh" >/dev/null
}

down() {
  if [ -f "$MARK" ]; then
    say "uninstalling Dokku"
    bash "$SHARED/uninstall.sh" >&2
    rm -f "$MARK"
  elif [ -e /usr/bin/dokku ]; then
    say "a Dokku not installed by this script is here: left alone"
  fi
  if dockerd_up || [ -f "$DOKKU_WORK/docker.pid" ]; then
    local pid; pid=$(cat "$DOKKU_WORK/docker.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && die "the private dockerd (pid $pid) did not stop"
    fi
  fi
  # dockerd binds its data root onto itself to make it shared, and unbinds it at shutdown only when
  # that same run made the bind (moby daemon/daemon_unix.go setupDaemonRootPropagation and
  # daemon_linux.go cleanupMounts: the exec root's unmount-on-shutdown file). A daemon started over
  # a bind left by an earlier one (killed, or its exec root removed) leaves it; a CI run here ended
  # on it. The daemon is stopped now: that bind of its own root is ours to undo.
  local n=0
  while [ "$n" -lt 5 ] && findmnt -rn -o TARGET | grep -qxF "$DOKKU_WORK/docker"; do
    umount "$DOKKU_WORK/docker" || break
    n=$((n + 1))
  done
  # The daemon's data: only once nothing is mounted below it.
  if findmnt -rn -o TARGET | grep -qF "$DOKKU_WORK/"; then
    die "something is still mounted under $DOKKU_WORK; not deleting the daemon's data"
  fi
  rm -rf "$DOKKU_WORK"
  if [ -f "$CREATED" ]; then
    local p
    while read -r p; do case " ${SIDE_PATHS[*]} " in *" $p "*) rm -rf -- "$p" ;; esac; done <"$CREATED"
    rm -f "$CREATED"
  fi
}

purge() {
  down
  if [ -f "$APT_MARK" ]; then
    mapfile -t pk < <(sort -u "$APT_MARK")
    say "apt: purging ${pk[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${pk[@]}" >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get autoremove --purge -y -qq >/dev/null
  fi
  rm -rf "$CACHE"
}

up() {
  run_dir
  step packages
  step build
  step restore_links
  step start_dockerd
  step install_dokku
  step make_image
  say "up in $(took): $(dokku version), DOCKER_HOST=$DOCKER_HOST"
}

case "${1:-}" in
  up) up ;;
  run) # up, run the command, then down (unless Dokku was already up before: then it is left as found)
    shift
    [ "$#" -gt 0 ] || die "usage: $0 run COMMAND [ARGS...]"
    was_up=""
    [ -f "$MARK" ] && dockerd_up && was_up=1
    [ -n "$was_up" ] || trap 'down; say "down after the run: $(took) in all"' EXIT
    up
    rc=0
    "$@" || rc=$?
    exit "$rc"
    ;;
  down) down; say "down in $(took)" ;;
  purge) purge; say "purged in $(took)" ;;
  status)
    echo "cache: $CACHE"
    echo "run: $DOKKU_WORK"
    echo "build: $([ -f "$CACHE/build.stamp" ] && echo cached || echo none)"
    echo "dockerd: $(dockerd_up && echo "up (pid $(cat "$DOKKU_WORK/docker.pid"))" || echo down)"
    echo "dokku: $([ -f "$MARK" ] && dokku version 2>/dev/null || echo 'not installed by testkit')"
    echo "bridges: $(bridges | tr '\n' ' ')"
    ;;
  *) die "usage: $0 up|down|purge|status" ;;
esac
