#!/usr/bin/env bash
# The match-quality ablation of docs/design.md, from the CLI, in a release build: each variant is trained on
# quora/train.tsv only (the epoch kept and the threshold picked on a seeded, question-disjoint 10% of it), then
# measured on quora/dev.tsv with `siamese eval` (3,049 retrieval queries among the dev + train questions),
# beside FTS5 BM25 and the hybrid. Prints one table row per variant.
#
#   bash Benchmarks/quality.sh [DATA_DIR] [VARIANT...]     (default ../shared/data/quora; all variants)
#
# Variants are named in the table below; each is a list of `siamese train` options. `recommended` is the current
# default (since session 16 with two LSTM directions, since session 17 with two members of 64); `SEED=S` trains
# every variant with that seed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
data="${1:-$root/../shared/data/quora}"
shift || true
out="$here/out/quality"
mkdir -p "$out"

first_round="--members 1 --directions 1 --input-dropout 0 --implied-pairs 0 --epochs 5"
declare -A variants=(
    [course]="--non-duplicate-weight 0 --max-subwords 0 $first_round"
    [non-duplicates]="--non-duplicate-weight 1 --max-subwords 0 $first_round"
    [sub-words]="--non-duplicate-weight 0 --max-subwords 50000 $first_round"
    [non-duplicates-0.25+sub-words]="--non-duplicate-weight 0.25 $first_round"
    [non-duplicates+sub-words]="$first_round"
    [+dropout-0.25-8-epochs]="--members 1 --directions 1 --implied-pairs 0"
    [+implied-pairs]="--members 1 --directions 1"
    [+two-directions]="--members 1"
    [recommended]=""
)
order=(course non-duplicates sub-words non-duplicates-0.25+sub-words non-duplicates+sub-words +dropout-0.25-8-epochs +implied-pairs
       +two-directions recommended)
[ "$#" -gt 0 ] && order=("$@")

bash "$root/scripts/setup.sh"
(cd "$root" && swift build -c release --product siamese >&2)
siamese="$root/.build/release/siamese"

printf '%-26s %8s %8s %8s %8s %8s %8s %8s %8s\n' variant ROC-AUC best-acc R@1 R@10 MRR@10 BM25-MRR hyb-MRR train-s
for name in "${order[@]}"; do
    db="$out/$name.sqlite"
    rm -f "$db" "$db-wal" "$db-shm"
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$siamese" train --db "$db" --pairs "$data/train.tsv" --seed "${SEED:-1}" ${variants[$name]} >"$out/$name.train.txt" 2>"$out/$name.train.log"
    seconds=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")
    "$siamese" eval --db "$db" --pairs "$data/dev.tsv" --distractors "$data/train.tsv" --hybrid --json \
        >"$out/$name.eval.json" 2>/dev/null
    python3 - "$out/$name.eval.json" "$name" "$seconds" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); p = r["pairs"]; t = r["retrieval"]
print("%-26s %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f %8.0f" % (
    sys.argv[2], p["roc_auc"], p["best_accuracy"]["accuracy"], t["model"]["recall_at_1"], t["model"]["recall_at_k"],
    t["model"]["mrr_at_k"], t["bm25"]["mrr_at_k"], t["hybrid"]["mrr_at_k"], float(sys.argv[3])))
PY
done
