#!/usr/bin/env bash
# Create Benchmarks/.venv and install Benchmarks/requirements.txt into it.
# Idempotent: a stamp file in the venv holds the sha256 of requirements.txt;
# when it matches, this script does nothing. Usage: bash Benchmarks/setup.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi

[[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"

# The CPU-only torch wheel (a +cpu local version) is not on PyPI itself;
# on these machines it lies in /opt/wheels.
find_links=()
[[ -d /opt/wheels ]] && find_links=(--find-links /opt/wheels)

rm -f "$stamp"
"$venv/bin/python" -m pip install --disable-pip-version-check -q "${find_links[@]}" -r "$req"
"$venv/bin/python" -c 'import torch; print("setup.sh: torch", torch.__version__, "ready in Benchmarks/.venv")'
echo "$want" > "$stamp"
