#!/usr/bin/env bash
# Side-by-side benchmark of the query hot path: EmbeddingMatrix (Swift, OpenBLAS) against numpy, faiss
# (IndexFlatIP) and sqlite-vec (vec0, cosine) on the same seeded random unit vectors.
#
#   bash Benchmarks/scan.sh [ROWS...]        # default: 7000 100000 1000000
#
# For each N: `siamese-bench scan-data` (d = 128, 200 queries, seed 1; kept while meta.json matches) into
# Benchmarks/out/scan/N, then ROUNDS rounds (default 5) of Swift and each peer back to back, at 1 and 2 threads
# (sqlite-vec at 1 only: it has no threads). Raw JSON lines go to Benchmarks/out/scan_results.jsonl;
# scan_summary.py prints the table. About 4 minutes on 2 cores with the default sizes.
#
# Fewer queries are timed one by one where a pass over all 200 would be long (SINGLE_LARGE, default 50, at
# N ≥ 1,000,000; sqlite-vec: 50 at N ≥ 100,000, 10 at N ≥ 1,000,000); the block is always all 200 queries.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(7000 100000 1000000); fi
rounds="${ROUNDS:-5}"
single_large="${SINGLE_LARGE:-50}"
dim=128 queries=200 seed=1 k=10
out="$here/out"
mkdir -p "$out/scan"

bash "$root/scripts/setup.sh"
bash "$here/setup.sh"
(cd "$root" && swift build -c release --product siamese-bench --scratch-path .build-scan >&2)
bench="$root/.build-scan/release/siamese-bench"
python="$here/.venv/bin/python"

results="$out/scan_results.jsonl"
: > "$results"
for rows in "${sizes[@]}"; do
    data="$out/scan/$rows"
    want="{\"dim\":$dim,\"queries\":$queries,\"rows\":$rows,\"seed\":$seed}"
    if [ "$(cat "$data/meta.json" 2>/dev/null)" != "$want" ]; then
        "$bench" scan-data --rows "$rows" --dim "$dim" --queries "$queries" --seed "$seed" --out "$data"
    fi
    single="$queries" single_sqlite="$queries"
    if [ "$rows" -ge 100000 ]; then single_sqlite=50; fi
    if [ "$rows" -ge 1000000 ]; then single="$single_large" single_sqlite=10; fi
    for threads in 1 2; do
        for ((r = 1; r <= rounds; r++)); do
            echo "N $rows, threads $threads, round $r of $rounds" >&2
            common=(--data "$data" --k "$k" --threads "$threads" --json)
            "$bench" scan "${common[@]}" --single "$single" >> "$results"
            # numpy's current OpenBLAS picks its kernels itself; the overrides some hosts set for older
            # OpenBLAS builds would slow it (scan_summary.py prints the kernel each side ran).
            env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
                "$python" "$here/scan_peers.py" "${common[@]}" --impl numpy --single "$single" >> "$results"
            "$python" "$here/scan_peers.py" "${common[@]}" --impl faiss --single "$single" >> "$results"
            if [ "$threads" -eq 1 ]; then
                "$python" "$here/scan_peers.py" "${common[@]}" --impl sqlite-vec --single "$single_sqlite" >> "$results"
            fi
        done
    done
done
python3 "$here/scan_summary.py" "$results"
