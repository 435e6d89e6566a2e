#!/usr/bin/env bash
# One command for a new user: install what is missing, build, and run the demo on SampleData/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build -c release --product siamese
.build/release/siamese demo "$@"
