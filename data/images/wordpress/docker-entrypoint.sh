#!/bin/sh
# Before Apache starts: wait for the database and create WordPress's database if needed.
# WORDPRESS_DB_WAIT=0 skips the wait (Apache then shows WordPress's connection error page).
set -e
if [ "$1" = apache2-foreground ] && [ "${WORDPRESS_DB_WAIT:-60}" != 0 ]; then
    php /usr/local/bin/create-database.php || echo "entrypoint: starting Apache all the same" >&2
fi
exec "$@"
