#!/bin/sh
# As in the official image: `docker run IMAGE -c -f FILE` means haproxy -c -f FILE, and
# haproxy always runs in the foreground (-db) as a master process (-W) that reloads on SIGHUP.
set -e
if [ "${1#-}" != "$1" ]; then
    set -- haproxy "$@"
fi
if [ "$1" = haproxy ]; then
    shift
    set -- haproxy -W -db "$@"
fi
exec "$@"
