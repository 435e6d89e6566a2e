#!/usr/bin/env python3
"""The table of Benchmarks/scan.sh: medians over rounds per (N, threads, impl), ratios against Swift and the
top-k agreement with Swift (the worst round's)."""
import json
import statistics
import sys
from collections import defaultdict

ORDER = {"swift": 0, "numpy": 1, "faiss": 2, "sqlite-vec": 3}


def main(path):
    runs = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                runs[(r["rows"], r["threads"], r["impl"])].append(r)

    def median(key, rs):
        return statistics.median(r[key] for r in rs)

    print(f"{'N':>9}{'thr':>4}  {'impl':<11}{'single q/s':>11}{'median µs':>11}{'block q/s':>11}{'peak MiB':>10}"
          f"{'swift÷ single':>14}{'swift÷ block':>13}{'agree':>8}{'runs':>5}")
    for key in sorted(runs, key=lambda key: (key[0], key[1], ORDER.get(key[2], 9))):
        rows, threads, impl = key
        rs, swift = runs[key], runs.get((rows, threads, "swift"))
        single, block = median("single_qps", rs), median("block_qps", rs)
        ratios = (f"{median('single_qps', swift) / single:>14.2f}{median('block_qps', swift) / block:>13.2f}"
                  if swift and impl != "swift" else f"{'':>14}{'':>13}")
        agree = "" if impl == "swift" else f"{100 * min(r.get('agreement', 0.0) for r in rs):.1f}%"
        loop = "*" if rs[0].get("block_is_loop") else " "
        print(f"{rows:>9}{threads:>4}  {impl:<11}{single:>11.0f}{median('median_latency_us', rs):>11.0f}"
              f"{block:>10.0f}{loop}{median('peak_rss_mib', rs):>10.0f}{ratios}{agree:>8}{len(rs):>5}")
    print("(medians over rounds; swift÷ = Swift's q/s over the peer's, > 1: Swift faster; agree = queries whose top-k "
          "ids equal Swift's, or differ only among scores tied within 1e-6, worst round; * block = the one-by-one "
          "loop, sqlite-vec has no block query)")
    slices = sorted({(r["rows"], r["impl"], r["single_queries"], r["queries"]) for rs in runs.values() for r in rs})
    partial = [f"N={n} {impl}: {s} of {q}" for n, impl, s, q in slices if s < q]
    if partial:
        print("(single queries timed on a prefix of the query set: " + ", ".join(partial) + ")")
    kernels = sorted({(ORDER.get(r["impl"], 9), r["impl"], r["blas"]) for rs in runs.values() for r in rs})
    for _, impl, blas in kernels:
        print(f"({impl}: {blas})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Benchmarks/out/scan_results.jsonl")
