#!/usr/bin/env bash
# Renders the sample evaluation report (seeded synthetic data: 2,000 pairs, threshold 0.62, 5 epochs) and two
# edge cases (one epoch; one label only), and takes headless-Chromium screenshots of them, to check by eye how
# `siamese eval --report` pages look.
#
#   scripts/report-screenshot.sh [OUT_DIR]     # default /tmp: writes OUT_DIR/report*.html and OUT_DIR/report*.png
#
# The page comes from the test EvaluationReportTests/writeSamplePage, which runs only when SIAMESE_REPORT_SAMPLE
# names the file to write. SCRATCH_PATH (default .build) is the build folder; WIDTH (default 1200) the window width.
# Needs chromium (Debian: apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
log="$out/report-build.log"
SIAMESE_REPORT_SAMPLE="$out/report.html" \
    swift test --scratch-path "${SCRATCH_PATH:-.build}" --filter 'EvaluationReportTests/writeSamplePage' >"$log" 2>&1 ||
    { cat "$log" >&2; exit 1; }
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }
for page in report report-single-epoch report-one-label; do
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$out/$page.png" \
        --window-size="${WIDTH:-1200},1800" "file://$out/$page.html" 2>/dev/null
    echo "$out/$page.png"
done
