#!/usr/bin/env bash
# Host tools the set-up needs: debootstrap (the base image), python3-venv, and the
# packages named as arguments. Installs only as root on Debian/Ubuntu; elsewhere it
# says what is missing and goes on (the steps that need them say so again).
set -euo pipefail
want=(debootstrap "$@")
python3 -c 'import ensurepip' >/dev/null 2>&1 || want+=(python3-venv)
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "host: installing ${missing[*]} ..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "host: missing ${missing[*]}; install them with your package manager (sudo apt-get install ${missing[*]})." >&2
fi
