#!/usr/bin/env bash
# Installs the system packages SiameseIndex builds against (OpenBLAS, SQLite, and pkg-config, through which
# SwiftPM finds OpenBLAS's headers) when they are missing, and the sqlite3 shell (the remedies `info --check`
# prints use it, and tests damage databases with it).
set -euo pipefail
missing=()
for pkg in libopenblas-dev libsqlite3-dev pkgconf sqlite3; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
