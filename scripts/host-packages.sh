#!/usr/bin/env bash
# Host tools the set-up needs: debootstrap (the base image), graphviz (the diagrams' dot) and
# python3-venv; the packages
# named as arguments are optional extras (chromium for the browser test). Installs only as
# root with apt-get; elsewhere it says what is missing and goes on (the steps that need a
# tool say so again).
set -euo pipefail

missing() {
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

required=(debootstrap graphviz)
python3 -c 'import ensurepip' >/dev/null 2>&1 || required+=(python3-venv)
mapfile -t need < <(missing "${required[@]}")
mapfile -t extra < <(missing "$@")
[ "${#need[@]}" -eq 0 ] && [ "${#extra[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "host: missing ${need[*]} ${extra[*]}; install them with your package manager (sudo apt-get install ...)." >&2
  exit 0
fi
apt-get update -qq
if [ "${#need[@]}" -gt 0 ]; then
  echo "host: installing ${need[*]} ..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
for pkg in "${extra[@]}"; do
  echo "host: installing $pkg ..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null \
    || echo "host: could not install $pkg; what needs it is skipped and says so." >&2
done
