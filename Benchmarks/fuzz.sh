#!/usr/bin/env bash
# Fuzzes the input readers and the tokenizer with libFuzzer for a bounded time (default 300 s):
#   Benchmarks/fuzz.sh [SECONDS]
# Builds Benchmarks/Sources/fuzz-readers with -sanitize=fuzzer in its own build folder (.build-fuzz), seeds the
# corpus with SampleData/, and prints libFuzzer's summary. A finding stops the run and leaves crash-* files,
# which `swift run fuzz-readers crash-…` replays in a normal build.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
# Not -sanitize=fuzzer: SwiftPM passes -Xswiftc flags to the build's host tools too (the migrations plugin), and
# libFuzzer's main clashes with theirs. Instead every Swift module gets coverage and AddressSanitizer, and
# libFuzzer without its main is linked in; fuzz-readers starts its driver (only it references libFuzzer).
fuzzer_lib="$(dirname "$(dirname "$(command -v swift)")")/lib/clang"
fuzzer_lib="$(find "$fuzzer_lib" -name 'libclang_rt.fuzzer_no_main-x86_64.a' | head -1)"
swift build -c release --scratch-path .build-fuzz --product fuzz-readers \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp -Xswiftc -DFUZZING \
    -Xlinker "$fuzzer_lib" -Xlinker -lstdc++
corpus=.build-fuzz/corpus
mkdir -p "$corpus"
cp SampleData/* "$corpus"/ 2>/dev/null || true
.build-fuzz/release/fuzz-readers "$corpus" -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1
