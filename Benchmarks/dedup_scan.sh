#!/usr/bin/env bash
# Side-by-side benchmark of the dedup pair scan: DuplicatePairFinder (Swift, OpenBLAS) against numpy's blocked
# upper-triangle product (4096-row tiles) and faiss IndexFlatIP.range_search, on the same seeded unit vectors
# with about 1% planted near-duplicates (20 of them at threshold ± 1e-6), at 1 and 2 threads.
#
#   bash Benchmarks/dedup_scan.sh [ROWS]        # default 100000 (d = 128, seed 1, threshold 0.9)
#
# Writes Benchmarks/out/dedup/ROWS (data, each implementation's pair list) and prints one JSON line per run,
# then whether every pair list is identical to Swift's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rows="${1:-100000}"
dim=128 seed=1 threshold=0.9
data="$here/out/dedup/$rows"

bash "$here/setup.sh"
(cd "$root" && swift build -c release --product siamese-bench >&2)
bench="$root/.build/release/siamese-bench"
python="$here/.venv/bin/python"

want="{\"dim\":$dim,\"planted\":$((rows / 100)),\"rows\":$rows,\"seed\":$seed,\"threshold\":$threshold}"
if [ "$(cat "$data/meta.json" 2>/dev/null)" != "$want" ]; then
    "$bench" dedup-data --rows "$rows" --dim "$dim" --seed "$seed" --threshold "$threshold" --out "$data"
fi
for threads in 1 2; do
    "$bench" dedup-scan --data "$data" --threshold "$threshold" --threads "$threads" --json
    for impl in numpy faiss; do
        "$python" "$here/dedup_peers.py" --data "$data" --threshold "$threshold" --threads "$threads" --impl "$impl" --json
    done
    for impl in numpy faiss; do
        if cmp -s "$data/swift_pairs.txt" "$data/${impl}_pairs.txt"; then
            echo "threads $threads: $impl pairs identical to swift ($(wc -l < "$data/swift_pairs.txt") pairs)"
        else
            echo "threads $threads: $impl pairs DIFFER from swift:"
            diff "$data/swift_pairs.txt" "$data/${impl}_pairs.txt" | head -10 || true
        fi
    done
done
