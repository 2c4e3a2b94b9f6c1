#!/bin/sh
# Write an index page naming this container, unless the web root already has one
# (a mounted site is left as it is).
page=/usr/share/nginx/html/index.html
if [ ! -e "$page" ]; then
    host=$(hostname)
    addresses=$(hostname -i)
    printf '<!DOCTYPE html>\n<html><head><title>%s</title></head>\n<body><h1>Hello from %s</h1>\n<p>Addresses: %s</p></body></html>\n' \
        "$host" "$host" "$addresses" 2>/dev/null > "$page" \
        || echo "web-entrypoint: cannot write $page; serving the web root as it is" >&2
fi
exec "$@"
