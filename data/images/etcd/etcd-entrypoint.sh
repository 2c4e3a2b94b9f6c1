#!/bin/sh
# Defaults for a one-node etcd inside a container. They are ETCD_* variables, which etcd
# reads like its flags: set one with -e to change it, or pass flags (a flag wins).
# The addresses advertised are the container's own (hostname -i), so that other
# containers can use what etcd tells them; listening is on every interface.
set -e
ip=$(hostname -i | cut -d' ' -f1)
: "${ETCD_NAME:=$(hostname)}"
: "${ETCD_DATA_DIR:=/var/lib/etcd/$ETCD_NAME}"
: "${ETCD_LISTEN_CLIENT_URLS:=http://0.0.0.0:2379}"
: "${ETCD_ADVERTISE_CLIENT_URLS:=http://$ip:2379}"
: "${ETCD_LISTEN_PEER_URLS:=http://0.0.0.0:2380}"
: "${ETCD_INITIAL_ADVERTISE_PEER_URLS:=http://$ip:2380}"
: "${ETCD_INITIAL_CLUSTER:=$ETCD_NAME=http://$ip:2380}"
: "${ETCD_ENABLE_V2:=true}"
export ETCD_NAME ETCD_DATA_DIR ETCD_LISTEN_CLIENT_URLS ETCD_ADVERTISE_CLIENT_URLS \
    ETCD_LISTEN_PEER_URLS ETCD_INITIAL_ADVERTISE_PEER_URLS ETCD_INITIAL_CLUSTER ETCD_ENABLE_V2
exec etcd "$@"
