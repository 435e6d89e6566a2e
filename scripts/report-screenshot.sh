#!/usr/bin/env bash
# Renders the sample evaluation report (seeded synthetic data: 2,000 pairs, threshold 0.62, 5 epochs) and takes a
# headless-Chromium screenshot of it, to check by eye how `siamese eval --report` pages look.
#
#   scripts/report-screenshot.sh [OUT_DIR]     # default /tmp: writes OUT_DIR/report.html and OUT_DIR/report.png
#
# The page comes from the test EvaluationReportTests/writeSamplePage, which runs only when SIAMESE_REPORT_SAMPLE
# names the file to write. SCRATCH_PATH (default .build) is the build folder; WIDTH (default 1200) the window width.
# Needs chromium (Debian: apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
SIAMESE_REPORT_SAMPLE="$out/report.html" \
    swift test --scratch-path "${SCRATCH_PATH:-.build}" --filter 'EvaluationReportTests/writeSamplePage' >/dev/null
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$out/report.png" \
    --window-size="${WIDTH:-1200},1800" "file://$out/report.html" 2>/dev/null
echo "$out/report.html"
echo "$out/report.png"
