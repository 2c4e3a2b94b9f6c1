#!/bin/sh
# Run dockerd with the container's command as its flags:
#   docker run ... cookbook/dind --storage-driver vfs --debug
# A command that is not a flag runs as given (`docker run -it cookbook/dind sh`).
# The caller supplies what a nested dockerd needs from the outside: capabilities,
# unconfined seccomp/AppArmor/system paths, /sys/fs/cgroup read-write and
# /var/lib/docker on a volume (overlay2 cannot sit on the container's own overlay).
set -e
case "${1:-}" in
    "" | -*) exec dockerd "$@" ;;
    *) exec "$@" ;;
esac
