#!/usr/bin/env python3
"""Peers of the Swift dedup pair scan (Benchmarks/dedup_scan.sh): every pair of rows scoring >= a threshold.

    dedup_peers.py --data DIR --threshold 0.9 --threads T --impl numpy|faiss [--json]

DIR is what `siamese-bench dedup-data` writes: base.f32 [N, d] (raw little-endian float32, unit rows) and
meta.json. Writes DIR/IMPL_pairs.txt (one "i j" line per pair, 0-based rows, i < j, sorted), the same layout as
`siamese-bench dedup-scan`'s swift_pairs.txt, and prints one JSON line: seconds, pairs, peak RSS.

- numpy: the blocked upper triangle, 4096-row tiles: for tiles I <= J, `base[I] @ base[J].T` (OpenBLAS sgemm),
  then np.nonzero(tile >= threshold), keeping j > i in diagonal tiles.
- faiss: `IndexFlatIP` with every row, then `range_search(base, radius)`: faiss keeps scores strictly above the
  radius, so the radius is the float32 just below the threshold; self matches and j <= i are dropped.
"""
import argparse
import json
import os
import resource
import time


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--impl", required=True, choices=["numpy", "faiss"])
    parser.add_argument("--tile", type=int, default=4096)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


ARGS = parse_arguments()
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402


def numpy_pairs(base, threshold, tile):
    n = base.shape[0]
    threshold = np.float32(threshold)
    found_i, found_j = [], []
    for start_i in range(0, n, tile):
        block_i = base[start_i:start_i + tile]
        for start_j in range(start_i, n, tile):
            scores = block_i @ base[start_j:start_j + tile].T
            rows, cols = np.nonzero(scores >= threshold)
            rows = rows + start_i
            cols = cols + start_j
            if start_i == start_j:
                keep = cols > rows
                rows, cols = rows[keep], cols[keep]
            found_i.append(rows)
            found_j.append(cols)
    return np.concatenate(found_i), np.concatenate(found_j)


def faiss_pairs(base, threshold):
    import faiss
    faiss.omp_set_num_threads(ARGS.threads)
    index = faiss.IndexFlatIP(base.shape[1])
    index.add(base)
    radius = float(np.nextafter(np.float32(threshold), np.float32(-np.inf)))
    limits, _, labels = index.range_search(base, radius)
    counts = np.diff(limits).astype(np.int64)
    rows = np.repeat(np.arange(base.shape[0]), counts)
    keep = labels > rows
    return rows[keep], labels[keep]


def main():
    with open(os.path.join(ARGS.data, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    n, d = meta["rows"], meta["dim"]
    base = np.fromfile(os.path.join(ARGS.data, "base.f32"), dtype="<f4")
    assert base.size == n * d, f"base.f32 holds {base.size} values, expected {n * d}"
    base = np.ascontiguousarray(base.reshape(n, d))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with threadpool_limits(ARGS.threads):
        start = time.perf_counter()
        if ARGS.impl == "numpy":
            rows, cols = numpy_pairs(base, ARGS.threshold, ARGS.tile)
        else:
            rows, cols = faiss_pairs(base, ARGS.threshold)
        seconds = time.perf_counter() - start
    order = np.lexsort((cols, rows))
    with open(os.path.join(ARGS.data, f"{ARGS.impl}_pairs.txt"), "w", encoding="utf-8") as f:
        for i, j in zip(rows[order], cols[order]):
            f.write(f"{i} {j}\n")
    result = {"impl": ARGS.impl, "rows": n, "dim": d, "threads": ARGS.threads, "threshold": ARGS.threshold,
              "pairs": int(rows.size), "seconds": seconds, "vectors_mib": n * d * 4 / 1048576,
              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "rss_before_scan_mib": rss_before}
    print(json.dumps(result, sort_keys=True) if ARGS.json else " ".join(f"{k}={v}" for k, v in sorted(result.items())))


main()
