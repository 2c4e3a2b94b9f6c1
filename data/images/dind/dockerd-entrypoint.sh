#!/bin/sh
# Run dockerd with the container's command as its flags:
#   docker run ... cookbook/dind --storage-driver vfs --debug
# A command that is not a flag runs as given (`docker run -it cookbook/dind sh`).
# The caller supplies what a nested dockerd needs from the outside: capabilities,
# unconfined seccomp/AppArmor, /sys/fs/cgroup read-write and /var/lib/docker on a
# volume (overlay2 cannot sit on the container's own overlay).
set -e
case "${1:-}" in
    "" | -*) ;;
    *) exec "$@" ;;
esac
# dockerd sets kernel parameters of its network namespace (forwarding, IPv6) under /proc/sys,
# which a container gets read-only. `docker run --security-opt systempaths=unconfined` leaves it
# writable, but the docker SDK cannot ask for that (the CLI translates it), so remount it here:
# the capabilities the caller grants (CAP_SYS_ADMIN, no seccomp/AppArmor filter) allow it.
if [ ! -w /proc/sys/net/ipv4/ip_forward ]; then
    mount -o remount,bind,rw /proc/sys
fi
# After a restart (`docker restart`, the daemon killed) the old daemons' pid files are still here.
rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
exec dockerd "$@"
