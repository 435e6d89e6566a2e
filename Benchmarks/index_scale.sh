#!/usr/bin/env bash
# `siamese index` at scale (issue 9 item 4): wall time, questions/s and peak memory for N one-line questions.
#
#   bash Benchmarks/index_scale.sh [ROWS...]        # default: 200000 1000000
#
# 1. A release build of siamese, and a d = 128 model trained for 3 epochs on SampleData/faq_pairs.tsv.
# 2. For each N: Benchmarks/out/index/questions-N.txt, N distinct seeded questions of 5–14 words drawn from the
#    sample FAQ's words and 30,000 made-up ones (made once), indexed into a copy of that model's database with
#    `/usr/bin/time -f "%e %M" siamese index --json`, as a plain-text file (read a slice at a time) and, for
#    comparison, as a one-column .tsv (read whole).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
if [ "$#" -gt 0 ]; then sizes=("$@"); else sizes=(200000 1000000); fi
bash "$root/scripts/setup.sh"
(cd "$root" && swift build -c release --product siamese >&2)
siamese="$root/.build/release/siamese"
out="$here/out/index"
mkdir -p "$out"
if [ ! -f "$out/model.sqlite" ]; then
    "$siamese" train --db "$out/model.sqlite.tmp" --pairs "$root/SampleData/faq_pairs.tsv" --epochs 3 >/dev/null 2>&1
    mv "$out/model.sqlite.tmp" "$out/model.sqlite"
fi
for rows in "${sizes[@]}"; do
    text="$out/questions-$rows.txt"
    if [ ! -f "$text" ]; then
        python3 - "$root/SampleData/faq_questions.txt" "$rows" "$text" <<'PY'
import random, sys
random.seed(11)
words = sorted({w.strip('?.,!').lower() for line in open(sys.argv[1]) for w in line.split()})
vocabulary = words + ['w%d' % i for i in range(30000)]
with open(sys.argv[3], 'w') as f:
    for _ in range(int(sys.argv[2])):
        f.write(' '.join(random.choice(vocabulary) for _ in range(random.randint(5, 14))).capitalize() + '?\n')
PY
        (echo question; cat "$text") > "${text%.txt}.tsv"
    fi
    for input in "$text" "${text%.txt}.tsv"; do
        db="$out/index-$rows.sqlite"
        rm -f "$db" "$db-wal" "$db-shm"
        cp "$out/model.sqlite" "$db"
        /usr/bin/time -f "%e %M" -o "$out/time.txt" "$siamese" index --db "$db" "$input" --json > "$out/index.json" 2>/dev/null
        python3 - "$out/time.txt" "$out/index.json" "$rows" "$input" <<'PY'
import json, sys
wall, rss = open(sys.argv[1]).read().split()[-2:]
summary = json.load(open(sys.argv[2]))
print(json.dumps({"rows": int(sys.argv[3]), "input": sys.argv[4].rsplit('.', 1)[1], "wall_s": float(wall),
                  "peak_rss_mib": round(int(rss) / 1024, 1), "embedding_s": round(summary["seconds"], 2),
                  "questions_per_s": round(int(sys.argv[3]) / float(wall)), "indexed": summary["indexed"]}))
PY
    done
done
