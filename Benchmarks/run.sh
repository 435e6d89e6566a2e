#!/usr/bin/env bash
# Side-by-side benchmark: SiameseIndex (Swift, OpenBLAS) against PyTorch on the same tokens and batches.
#
#   bash Benchmarks/run.sh [PAIRS_FILE] [REPEATS]
#
# PAIRS_FILE defaults to ../shared/data/quora/train.tsv (duplicates only are used). For each thread count
# (1, 2) it runs the two implementations back to back REPEATS times (default 5), training and encoding,
# then prints medians, ratios and peak memory. Raw JSON lines go to Benchmarks/out/results.jsonl.
# DIRECTIONS=2 runs both sides with two LSTM directions of 64 (the CLI's default encoder) instead of the
# course's one LSTM(128); MEMBERS=2 with it runs two such encoders of 64 side by side (`siamese train`'s
# default since session 17).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
pairs="${1:-$root/../shared/data/quora/train.tsv}"
repeats="${2:-5}"
steps="${STEPS:-30}"
directions="${DIRECTIONS:-1}"
members="${MEMBERS:-1}"
out="$here/out"
mkdir -p "$out"

bash "$root/scripts/setup.sh"
bash "$here/setup.sh"
(cd "$root" && swift build -c release --product siamese-bench >&2)
bench="$root/.build/release/siamese-bench"
python="$here/.venv/bin/python"
export OMP_WAIT_POLICY=PASSIVE

"$bench" export-tokens --pairs "$pairs" --out "$out/tokens.txt"
results="$out/results.jsonl"
: > "$results"
for threads in 1 2; do
    for ((r = 1; r <= repeats; r++)); do
        echo "threads $threads, round $r of $repeats" >&2
        "$bench" train --tokens "$out/tokens.txt" --threads "$threads" --steps "$steps" --directions "$directions" --members "$members" --json >> "$results"
        "$python" "$here/torch_siamese.py" --tokens "$out/tokens.txt" --threads "$threads" --mode train --steps "$steps" --directions "$directions" --members "$members" --json >> "$results"
        "$bench" encode --tokens "$out/tokens.txt" --threads "$threads" --directions "$directions" --members "$members" --json >> "$results"
        "$python" "$here/torch_siamese.py" --tokens "$out/tokens.txt" --threads "$threads" --mode encode --directions "$directions" --members "$members" --json >> "$results"
    done
done
python3 "$here/summarize.py" "$results"
