#!/usr/bin/env bash
# Make sure a Docker Engine answers. Idempotent: an engine that answers (DOCKER_HOST or
# the local socket) is used as it is. Otherwise, as root on Debian/Ubuntu, install
# docker.io and start dockerd in the background (log in .cookbook/dockerd.log).
set -euo pipefail
state="${COOKBOOK_STATE_DIR:-$(pwd)/.cookbook}"
mkdir -p "$state"

answers() { command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; }
can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
install_docker_io() {
  echo "engine: installing docker.io from the distribution's packages ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >"$state/apt-docker.log" 2>&1 \
    || { tail -n 20 "$state/apt-docker.log" >&2; echo "engine: apt-get install docker.io failed (log above)." >&2; exit 1; }
}

# The notebooks run Docker's own commands: the docker CLI is needed even for a remote engine.
if ! command -v docker >/dev/null 2>&1; then
  if can_install; then
    install_docker_io
  else
    echo "engine: the docker CLI is missing. Fix: install it (e.g. 'sudo apt-get install docker.io'), or put 'docker' on PATH." >&2
    exit 1
  fi
fi

if answers; then
  echo "engine: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') at ${DOCKER_HOST:-the local socket}"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
  echo "engine: nothing answers at DOCKER_HOST=$DOCKER_HOST. Fix: start that engine, or unset DOCKER_HOST to use a local one." >&2
  exit 1
fi
if ! can_install; then
  echo "engine: no Docker Engine answers. Fix: install Docker (e.g. 'sudo apt-get install docker.io') and start it, or set DOCKER_HOST." >&2
  exit 1
fi
if ! command -v dockerd >/dev/null 2>&1; then
  install_docker_io
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
  echo "engine: starting dockerd (log: $state/dockerd.log)"
  nohup dockerd >"$state/dockerd.log" 2>&1 </dev/null &
fi
for _ in $(seq 1 120); do
  if answers; then
    echo "engine: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') started"
    exit 0
  fi
  sleep 0.5
done
echo "engine: dockerd did not answer within 60 s. Last lines of its log:" >&2
tail -n 20 "$state/dockerd.log" >&2
exit 1
