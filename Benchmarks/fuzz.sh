#!/usr/bin/env bash
# Fuzzes the input readers and the tokenizer with libFuzzer for a bounded time (default 300 s):
#   Benchmarks/fuzz.sh [SECONDS]
# Builds Benchmarks/Sources/fuzz-readers with -sanitize=fuzzer in its own build folder (.build-fuzz), seeds the
# corpus with SampleData/, and prints libFuzzer's summary. A finding stops the run and leaves crash-* files,
# which `swift run fuzz-readers crash-…` replays in a normal build.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
swift build -c release --scratch-path .build-fuzz --product fuzz-readers \
    -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xswiftc -DFUZZING
corpus=.build-fuzz/corpus
mkdir -p "$corpus"
cp SampleData/* "$corpus"/ 2>/dev/null || true
.build-fuzz/release/fuzz-readers "$corpus" -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1
