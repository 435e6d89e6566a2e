#!/usr/bin/env bash
# One command for the test suite: install what is missing, then build and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift test "$@"
