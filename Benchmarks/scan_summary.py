#!/usr/bin/env python3
"""The table of Benchmarks/scan.sh: medians over rounds per (kind, N, threads, impl), ratios against faiss, the
top-k agreement of each peer with Swift's exact compact scan (the worst round's) and the Swift exactness checks."""
import json
import statistics
import sys
from collections import defaultdict

ORDER = {"swift-sgemv": 0, "swift-fused": 1, "swift-compact": 2, "swift": 3, "numpy": 4, "faiss": 5, "sqlite-vec": 6}


def main(path):
    runs = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                runs[(r.get("kind", "random"), r["rows"], r["threads"], r["impl"])].append(r)

    def median(key, rs):
        return statistics.median(r[key] for r in rs)

    print(f"{'kind':<10}{'N':>8}{'thr':>4}  {'impl':<14}{'median µs':>10}{'single q/s':>11}{'block q/s':>11}"
          f"{'÷faiss µs':>10}{'×faiss blk':>11}{'peak MiB':>9}{'agree':>8}{'runs':>5}")
    for key in sorted(runs, key=lambda key: (key[0], key[1], key[2], ORDER.get(key[3], 9))):
        kind, rows, threads, impl = key
        rs, faiss = runs[key], runs.get((kind, rows, threads, "faiss"))
        single, block = median("single_qps", rs), median("block_qps", rs)
        latency = median("median_latency_us", rs)
        ratios = f"{'':>10}{'':>11}"
        if faiss and impl != "faiss":
            block_ratio = f"{block / median('block_qps', faiss):>11.2f}" if block else f"{'':>11}"
            ratios = f"{latency / median('median_latency_us', faiss):>10.2f}{block_ratio}"
        agree = "" if impl.startswith("swift") else f"{100 * min(r.get('agreement', 0.0) for r in rs):.1f}%"
        loop = "*" if rs[0].get("block_is_loop") else " "
        block_text = f"{block:>10.0f}{loop}" if block else f"{'-':>10} "
        print(f"{kind:<10}{rows:>8}{threads:>4}  {impl:<14}{latency:>10.0f}{single:>11.1f}{block_text}"
              f"{ratios}{median('peak_rss_mib', rs):>9.0f}{agree:>8}{len(rs):>5}")
    print("(medians over rounds; ÷faiss µs = median single-query latency over faiss's, < 1: faster; ×faiss blk = "
          "block q/s over faiss's, > 1: faster; agree = queries whose top-k ids equal swift-compact's, or differ "
          "only among scores tied within 1e-6, worst round; * block = the one-by-one loop over every query)")
    for key in sorted(runs):
        kind, rows, threads, impl = key
        rs = runs[key]
        if impl == "swift-compact":
            print(f"({kind} N={rows} thr={threads} swift-compact: identical hits (ids and scores) to swift-fused on "
                  f"{min(r['compact_equals_fused'] for r in rs)} of {rs[0]['single_queries']} queries, its block's to its "
                  f"singles' on {min(r.get('compact_block_equals_single', 0) for r in rs)}, worst round; "
                  f"mean rows re-scored {median('mean_rescored', rs):.1f}; compact copy "
                  f"{rs[0]['compact_mib']:.0f} MiB built in {median('compact_build_s', rs):.2f} s)")
        if impl == "swift-sgemv":
            print(f"({kind} N={rows} thr={threads} swift-sgemv: ids equal to swift-compact's on "
                  f"{min(r['sgemv_ids_equal_compact'] for r in rs)} of {rs[0]['single_queries']} single queries and "
                  f"(sgemm block) {min(r['sgemm_ids_equal_compact'] for r in rs)} of {rs[0]['queries']}; hits "
                  f"bit-identical to swift-fused's {min(r['sgemv_hits_equal_fused'] for r in rs)} of "
                  f"{rs[0]['single_queries'] * rs[0]['k']})")
    slices = sorted({(r["rows"], r["impl"], r["single_queries"], r["queries"]) for rs in runs.values() for r in rs})
    partial = [f"N={n} {impl}: {s} of {q}" for n, impl, s, q in slices if s < q]
    if partial:
        print("(single queries timed on a prefix of the query set: " + ", ".join(partial) + ")")
    kernels = sorted({(ORDER.get(r["impl"], 9), r["impl"], r["blas"]) for rs in runs.values() for r in rs})
    for _, impl, blas in kernels:
        print(f"({impl}: {blas})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Benchmarks/out/scan_results.jsonl")
