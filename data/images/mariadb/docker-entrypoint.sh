#!/bin/bash
# Initialise an empty data directory from the environment, then run the server.
# The variable names are those of the official mariadb image (MARIADB_* first, MYSQL_* too).
set -euo pipefail

log() { echo "entrypoint: $*" >&2; }

# `docker run IMAGE --some-option` means mariadbd --some-option.
if [ "${1:0:1}" = "-" ]; then
    set -- mariadbd "$@"
fi
if [ "$1" != "mariadbd" ] && [ "$1" != "mysqld" ]; then
    exec "$@"
fi

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock
mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld "$DATADIR"

if [ ! -d "$DATADIR/mysql" ]; then
    root_password=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
    allow_empty=${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}
    random=${MARIADB_RANDOM_ROOT_PASSWORD:-${MYSQL_RANDOM_ROOT_PASSWORD:-}}
    database=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
    user=${MARIADB_USER:-${MYSQL_USER:-}}
    password=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}

    if [ -n "$random" ] && [ -z "$root_password" ]; then
        root_password=$(head -c 18 /dev/urandom | base64)
        log "GENERATED ROOT PASSWORD: $root_password"
    fi
    if [ -z "$root_password" ] && [ -z "$allow_empty" ]; then
        log "error: the database is uninitialized and no root password is set."
        log "set MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD), MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1 or MARIADB_RANDOM_ROOT_PASSWORD=1."
        exit 1
    fi
    if [ -n "$user" ] && [ "$user" = root ]; then
        log "error: MARIADB_USER/MYSQL_USER=root: root is already made from the root password variables."
        exit 1
    fi

    log "initialising $DATADIR"
    mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db \
        --auth-root-authentication-method=socket --cross-bootstrap > /dev/null

    # A server without network for the set-up: clients can't connect before it is done.
    mariadbd --skip-networking --socket="$SOCKET" &
    pid=$!
    for _ in $(seq 60); do
        mariadb-admin --socket="$SOCKET" ping > /dev/null 2>&1 && break
        kill -0 "$pid" 2> /dev/null || { log "error: the set-up server stopped"; exit 1; }
        sleep 0.5
    done
    sql() { mariadb --protocol=socket --socket="$SOCKET" -uroot "$@"; }
    # Quote a value for SQL: double every backslash and single quote.
    quote() { local v=${1//\\/\\\\}; printf "'%s'" "${v//\'/\'\'}"; }

    {
        echo "SET @@SESSION.SQL_LOG_BIN=0;"
        # No anonymous users: ''@localhost would shadow 'user'@'%' for local logins.
        echo "DELETE FROM mysql.global_priv WHERE User='' OR (User='root' AND Host NOT IN ('localhost'));"
        echo "FLUSH PRIVILEGES;"
        echo "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD($(quote "$root_password"));"
        echo "CREATE USER 'root'@'%' IDENTIFIED BY $(quote "$root_password");"
        echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
        echo "DROP DATABASE IF EXISTS test;"
        if [ -n "$database" ]; then
            echo "CREATE DATABASE IF NOT EXISTS \`${database//\`/\`\`}\`;"
        fi
        if [ -n "$user" ]; then
            echo "CREATE USER $(quote "$user")@'%' IDENTIFIED BY $(quote "$password");"
            if [ -n "$database" ]; then
                echo "GRANT ALL ON \`${database//\`/\`\`}\`.* TO $(quote "$user")@'%';"
            fi
        fi
        echo "FLUSH PRIVILEGES;"
    } | sql

    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh) log "running $f"; . "$f" ;;
            *.sql) log "running $f"; sql ${database:+"$database"} < "$f" ;;
            *.sql.gz) log "running $f"; gunzip -c "$f" | sql ${database:+"$database"} ;;
            *) if [ -e "$f" ]; then log "ignoring $f"; fi ;;
        esac
    done

    kill "$pid"
    wait "$pid" || true
    log "initialisation done"
fi

exec "$@"
