#!/usr/bin/env python3
"""Median throughput, Swift/PyTorch ratio and peak memory from the JSON lines of Benchmarks/run.sh."""
import json
import statistics
import sys
from collections import defaultdict


def main(path):
    runs = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                runs[(r["mode"], r["threads"], r["impl"])].append(r)
    print(f"{'mode':<7}{'threads':>8}{'swift /s':>12}{'pytorch /s':>12}{'ratio':>8}"
          f"{'swift MiB':>11}{'torch MiB':>11}{'runs':>6}")
    for mode, unit in (("train", "pairs_per_s"), ("encode", "questions_per_s")):
        for threads in sorted({k[1] for k in runs if k[0] == mode}):
            swift, torch = runs[(mode, threads, "swift")], runs[(mode, threads, "pytorch")]
            if not swift or not torch:
                continue
            s = statistics.median(r[unit] for r in swift)
            t = statistics.median(r[unit] for r in torch)
            sm = statistics.median(r["peak_rss_mib"] for r in swift)
            tm = statistics.median(r["peak_rss_mib"] for r in torch)
            print(f"{mode:<7}{threads:>8}{s:>12.0f}{t:>12.0f}{s / t:>8.2f}{sm:>11.0f}{tm:>11.0f}{len(swift):>6}")
    print("(train: pairs/s; encode: questions/s; medians over runs; ratio = Swift / PyTorch)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Benchmarks/out/results.jsonl")
