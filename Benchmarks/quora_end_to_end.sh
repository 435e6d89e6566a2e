#!/usr/bin/env bash
# The whole flow on the Quora files, from the CLI, in a release build:
#   train with the defaults on quora/train.tsv (epoch and thresholds picked on a held-out 10% of it) → eval on
#   quora/dev.tsv beside FTS5 BM25 and the hybrid → index every question of quora/dev.tsv →
#   time one-shot queries (process time = user + sys, median of 11 runs).
#
#   bash Benchmarks/quora_end_to_end.sh [DATA_DIR]     (default ../shared/data/quora)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
data="${1:-$root/../shared/data/quora}"
out="$here/out"
mkdir -p "$out"
db="$out/quora.sqlite"
rm -f "$db" "$db-wal" "$db-shm"

bash "$root/scripts/setup.sh"
(cd "$root" && swift build -c release --product siamese >&2)
siamese="$root/.build/release/siamese"

"$siamese" train --db "$db" --pairs "$data/train.tsv"
"$siamese" eval --db "$db" --pairs "$data/dev.tsv" --distractors "$data/train.tsv" --hybrid --report "$out/quora.html"
"$siamese" index --db "$db" "$data/dev.tsv"

times="$out/query_times.txt"
: > "$times"
for i in $(seq 11); do
    /usr/bin/time -f "%U %S %e" -a -o "$times" "$siamese" query --db "$db" -k 10 "How can I lose weight quickly?" > "$out/query.txt"
done
cat "$out/query.txt"
python3 - "$times" <<'PY'
import statistics, sys
rows = [tuple(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
process = statistics.median(u + s for u, s, _ in rows) * 1000
wall = statistics.median(w for _, _, w in rows) * 1000
print(f"query over the indexed dev questions: median process time {process:.0f} ms, wall {wall:.0f} ms ({len(rows)} runs)")
PY
