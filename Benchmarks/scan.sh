#!/usr/bin/env bash
# Side-by-side benchmark of the query hot path: the Swift scans (sgemv, the fused Float32 kernel, the exact
# compact scan) against numpy, faiss (IndexFlatIP) and sqlite-vec (vec0, cosine) on the same seeded unit vectors.
#
#   bash Benchmarks/scan.sh [ROWS...]        # default: 7000 100000 1000000
#   KINDS="random clustered" THREADS="1 2" PEERS="numpy faiss sqlite-vec" QUERIES=200 ROUNDS=5   # the defaults
#
# For each kind and N: `siamese-bench scan-data` (d = 128, QUERIES queries, seed 1; kept while meta.json
# matches) into Benchmarks/out/scan/KIND-N, then ROUNDS rounds of Swift and each peer back to back, at each of
# THREADS (sqlite-vec at 1 only: it has no threads). Raw JSON lines go to Benchmarks/out/scan_results.jsonl;
# scan_summary.py prints the table. About 10 minutes on 2 cores with the default sizes and kinds.
#
# Fewer queries are timed one by one where a pass over all 200 would be long (SINGLE_LARGE, default 50, at
# N ≥ 1,000,000; sqlite-vec: 50 at N ≥ 100,000, 10 at N ≥ 1,000,000); the block is always all 200 queries.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(7000 100000 1000000); fi
rounds="${ROUNDS:-5}"
single_large="${SINGLE_LARGE:-50}"
read -r -a kinds <<< "${KINDS:-random clustered}"
read -r -a thread_counts <<< "${THREADS:-1 2}"
read -r -a peers <<< "${PEERS-numpy faiss sqlite-vec}"  # PEERS="" runs Swift alone
dim=128 queries="${QUERIES:-200}" seed=1 k=10
out="$here/out"
mkdir -p "$out/scan"

bash "$root/scripts/setup.sh"
bash "$here/setup.sh"
scratch="${SCRATCH:-.build-scan}"  # SCRATCH=.build reuses the default build folder's release products
(cd "$root" && swift build -c release --product siamese-bench --scratch-path "$scratch" >&2)
bench="$root/$scratch/release/siamese-bench"
python="$here/.venv/bin/python"

results="$out/scan_results.jsonl"
: > "$results"
for kind in "${kinds[@]}"; do
for rows in "${sizes[@]}"; do
    data="$out/scan/$kind-$rows"
    want="{\"dim\":$dim,\"kind\":\"$kind\",\"queries\":$queries,\"rows\":$rows,\"seed\":$seed}"
    if [ "$(cat "$data/meta.json" 2>/dev/null)" != "$want" ]; then
        "$bench" scan-data --rows "$rows" --dim "$dim" --queries "$queries" --seed "$seed" --kind "$kind" --out "$data"
    fi
    single="$queries" single_sqlite="$queries"
    if [ "$rows" -ge 100000 ]; then single_sqlite=50; fi
    if [ "$rows" -ge 1000000 ]; then single="$single_large" single_sqlite=10; fi
    for threads in "${thread_counts[@]}"; do
        for ((r = 1; r <= rounds; r++)); do
            echo "$kind N $rows, threads $threads, round $r of $rounds" >&2
            common=(--data "$data" --k "$k" --threads "$threads" --json)
            "$bench" scan "${common[@]}" --single "$single" >> "$results"
            for peer in "${peers[@]}"; do
                case "$peer" in
                numpy)
                    # numpy's current OpenBLAS picks its kernels itself; the overrides some hosts set for older
                    # OpenBLAS builds would slow it (scan_summary.py prints the kernel each side ran).
                    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
                        "$python" "$here/scan_peers.py" "${common[@]}" --impl numpy --single "$single" >> "$results" ;;
                faiss)
                    "$python" "$here/scan_peers.py" "${common[@]}" --impl faiss --single "$single" >> "$results" ;;
                sqlite-vec)
                    if [ "$threads" -eq 1 ]; then
                        "$python" "$here/scan_peers.py" "${common[@]}" --impl sqlite-vec --single "$single_sqlite" \
                            >> "$results"
                    fi ;;
                *) echo "unknown peer $peer" >&2; exit 2 ;;
                esac
            done
        done
    done
done
done
python3 "$here/scan_summary.py" "$results"
