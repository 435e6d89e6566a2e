#!/usr/bin/env bash
# One `siamese query` process over a synthetic index of N questions (issue 9: ≤ 150 ms wall, ≤ 250 MB peak at 1M),
# and the load of the compact copy against all Float32 vectors.
#
#   bash Benchmarks/compact_query.sh [ROWS]          # default 1000000
#   KIND=random|clustered RUNS=7 SCRATCH=.build       # the defaults
#   MODEL_DB=quora.sqlite [MODEL=default] [CENTRES=questions.txt] [QUESTION=...]
#                                                     # a trained index (the README's Quora one) with ROWS rows added
#
# 1. A release build of siamese and siamese-bench (in SCRATCH).
# 2. Benchmarks/out/compact/KIND-ROWS.sqlite, made once: a d = 128 model trained for 2 epochs on
#    SampleData/faq_pairs.tsv, then `siamese-bench store-data` (ROWS questions, seeded unit vectors stored through
#    the library, compact chunks refreshed as `siamese index` ends). KIND=clustered puts the rows around the
#    model's embeddings of SampleData/faq_questions.txt (or of CENTRES), so the query lands in a dense cluster.
#    With MODEL_DB, a copy of that index (its model MODEL, default "default", with its vocabulary and sub-words:
#    what a real model costs to load) gets the ROWS rows instead: Benchmarks/out/compact/NAME-KIND-ROWS.sqlite.
# 3. RUNS runs of `/usr/bin/time -v siamese query` (one question, top 10, 1 thread): wall and peak RSS, medians.
# 4. `siamese-bench compact-load`: the compact copy's load against all Float32 vectors, in one process; then 40
#    queries searched both ways at top 10, which must agree exactly (--check 40).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rows="${1:-1000000}"
kind="${KIND:-random}"
runs="${RUNS:-7}"
scratch="${SCRATCH:-.build}"
question="${QUESTION:-How do I reset my password?}"

bash "$root/scripts/setup.sh"
(cd "$root" && swift build -c release --product siamese --scratch-path "$scratch" >&2 \
    && swift build -c release --product siamese-bench --scratch-path "$scratch" >&2)
siamese="$root/$scratch/release/siamese"
bench="$root/$scratch/release/siamese-bench"

out="$here/out/compact"
mkdir -p "$out"
model="bench"
db="$out/$kind-$rows.sqlite"
centres="${CENTRES:-$root/SampleData/faq_questions.txt}"
if [ -n "${MODEL_DB:-}" ]; then
    model="${MODEL:-default}"
    db="$out/$(basename "$MODEL_DB" .sqlite)-$kind-$rows.sqlite"
fi
if [ ! -f "$db" ]; then
    rm -f "$db.tmp" "$db.tmp-wal" "$db.tmp-shm"
    if [ -n "${MODEL_DB:-}" ]; then
        cp "$MODEL_DB" "$db.tmp"
        if [ -f "$MODEL_DB-wal" ]; then cp "$MODEL_DB-wal" "$db.tmp-wal"; fi
    else
        "$siamese" train --db "$db.tmp" --pairs "$root/SampleData/faq_pairs.tsv" --dimension 128 --epochs 2 \
            --model bench >&2
    fi
    "$bench" store-data --db "$db.tmp" --model "$model" --rows "$rows" --kind "$kind" --centres "$centres"
    mv "$db.tmp" "$db"
    rm -f "$db.tmp-wal" "$db.tmp-shm"
fi

echo "siamese query over $rows questions ($kind), $runs runs: wall s, peak RSS KiB"
walls=() rss=()
"$siamese" query --db "$db" --model "$model" --threads 1 "$question" > /dev/null  # warm the page cache
for _ in $(seq "$runs"); do
    report="$( { /usr/bin/time -v "$siamese" query --db "$db" --model "$model" --threads 1 "$question" > /dev/null; } 2>&1 )"
    wall="$(grep 'Elapsed (wall clock)' <<< "$report" | awk '{print $NF}' | awk -F: '{print ($1 * 60 + $2)}')"
    peak="$(grep 'Maximum resident set size' <<< "$report" | awk '{print $NF}')"
    echo "  $wall  $peak"
    walls+=("$wall") rss+=("$peak")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "median wall $(median "${walls[@]}") s, median peak RSS $(( $(median "${rss[@]}") / 1024 )) MiB"
"$bench" compact-load --db "$db" --model "$model" --rounds 5 --check 40
