#!/usr/bin/env python3
"""Peers of the Swift scan benchmark (Benchmarks/scan.sh): the same exhaustive top-k on the same files.

    scan_peers.py --data DIR --k 10 --threads T --impl numpy|faiss|sqlite-vec [--single S] [--json]

DIR is what `siamese-bench scan-data` writes: base.f32 [N, d] and queries.f32 [Q, d] (raw little-endian float32,
unit rows) and meta.json. Ids are 1…N, row order. Like `siamese-bench scan`, it times (a) the first S queries one
by one and (b) all Q queries as one block, each repeated in whole passes until --min-seconds have gone by; it
writes DIR/IMPL_topk.txt (one line of ids per query) and compares it with DIR/swift_topk.txt when that exists.

- numpy: `base @ q` (OpenBLAS sgemv) then argpartition; the block is `queries @ base.T` in chunks of queries
  whose score matrix stays under 64 MiB, each row through the same top-k.
- faiss: `IndexFlatIP`, rows added once (in chunks from a memory map), `search` on one query, then on the block.
- sqlite-vec: a `vec0` virtual table with `distance_metric=cosine` (sqlite-vec has no inner-product metric; for unit
  vectors cosine distance is 1 − dot, the same order) in an in-memory database, built once, then one KNN query
  per query vector. It has no block query: its block figure is the same one-by-one loop (block_is_loop).
  Python's own sqlite3 module here cannot load extensions, so it goes through apsw (its own SQLite build).
"""
import argparse
import json
import os
import resource
import sys
import time


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--impl", required=True, choices=["numpy", "faiss", "sqlite-vec"])
    parser.add_argument("--single", type=int, default=None, help="queries timed one by one (default: all)")
    parser.add_argument("--min-seconds", type=float, default=0.5)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args()


ARGS = parse_arguments()
# Before numpy loads OpenBLAS: the pools are sized when the libraries start.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402


def load_meta(directory):
    with open(os.path.join(directory, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    return meta["rows"], meta["dim"], meta["queries"]


def load_kind(directory):
    with open(os.path.join(directory, "meta.json"), encoding="utf-8") as f:
        return json.load(f).get("kind", "random")


def read_matrix(path, rows, dim):
    """[rows, dim] float32, read whole into memory."""
    matrix = np.fromfile(path, dtype="<f4")
    if matrix.size != rows * dim:
        sys.exit(f"{path}: {matrix.size} values, expected {rows * dim}")
    return matrix.reshape(rows, dim)


def read_chunks(path, rows, dim, chunk_rows=1 << 16):
    """[≤ chunk_rows, dim] float32 pieces, for an index that keeps its own copy: read in pieces, the file never
    sits in this process's memory whole (a memory map would: its touched pages count in the peak RSS)."""
    with open(path, "rb") as f:
        for first in range(0, rows, chunk_rows):
            count = min(chunk_rows, rows - first)
            chunk = np.fromfile(f, dtype="<f4", count=count * dim)
            if chunk.size != count * dim:
                sys.exit(f"{path}: shorter than {rows} rows of {dim}")
            yield chunk.reshape(count, dim)


def top_k(scores, k):
    """Row indices (0-based) of the k highest scores, best first, equal scores by smaller index."""
    n = scores.shape[0]
    k = min(k, n)
    kept = np.argpartition(scores, n - k)[n - k:]
    # Every row tied with the k-th score is a candidate, so the smaller ids win ties as in Swift's TopK.
    candidates = np.flatnonzero(scores >= scores[kept].min())
    return candidates[np.lexsort((candidates, -scores[candidates]))[:k]]


class NumpyScan:
    def __init__(self, base_path, rows, dim):
        self.base = read_matrix(base_path, rows, dim)

    def single(self, query, k):
        return top_k(self.base @ query, k) + 1

    def block(self, queries, k):
        rows = self.base.shape[0]
        chunk = max(1, min(len(queries), (1 << 24) // rows))  # [chunk, N] float32 ≤ 64 MiB
        result = []
        for first in range(0, len(queries), chunk):
            scores = queries[first:first + chunk] @ self.base.T
            result.extend(top_k(row, k) + 1 for row in scores)
        return result


class FaissScan:
    def __init__(self, base_path, rows, dim):
        import faiss
        faiss.omp_set_num_threads(ARGS.threads)
        self.index = faiss.IndexFlatIP(dim)
        for chunk in read_chunks(base_path, rows, dim):
            self.index.add(chunk)

    def single(self, query, k):
        _, labels = self.index.search(query.reshape(1, -1), k)
        return labels[0] + 1

    def block(self, queries, k):
        _, labels = self.index.search(queries, k)
        return list(labels + 1)


class SqliteVecScan:
    block_is_loop = True

    def __init__(self, base_path, rows, dim):
        import apsw
        import sqlite_vec
        self.db = apsw.Connection(":memory:")
        self.db.enable_load_extension(True)
        self.db.load_extension(sqlite_vec.loadable_path())
        self.db.enable_load_extension(False)
        self.db.execute(f"create virtual table vector using vec0(embedding float[{dim}] distance_metric=cosine)")
        with self.db:
            for first, chunk in zip(range(0, rows, 1 << 16), read_chunks(base_path, rows, dim)):
                self.db.executemany("insert into vector(rowid, embedding) values (?, ?)",
                                    ((first + i + 1, row.tobytes()) for i, row in enumerate(chunk)))
        self.sql = "select rowid from vector where embedding match ? and k = ? order by distance"

    def single(self, query, k):
        return np.array([row[0] for row in self.db.execute(self.sql, (query.tobytes(), k))], dtype=np.int64)

    def block(self, queries, k):
        return [self.single(q, k) for q in queries]


IMPLEMENTATIONS = {"numpy": NumpyScan, "faiss": FaissScan, "sqlite-vec": SqliteVecScan}


def agreement(directory, topk, base, queries, tolerance=1e-6):
    """How many queries' id lists agree with swift_topk.txt: identical, or differing only where the scores
    (recomputed in float64) tie within `tolerance`, position by position."""
    path = os.path.join(directory, "swift_topk.txt")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        swift = [np.array(line.split(), dtype=np.int64) for line in f.read().splitlines()]
    exact = agreeing = 0
    for index, (mine, theirs) in enumerate(zip(topk, swift)):
        if len(mine) == len(theirs) and np.array_equal(mine, theirs):
            exact += 1
            agreeing += 1
            continue
        query = queries[index].astype(np.float64)
        if len(mine) == len(theirs):
            ours = base[np.asarray(mine) - 1].astype(np.float64) @ query
            swifts = base[theirs - 1].astype(np.float64) @ query
            agreeing += bool(np.all(np.abs(ours - swifts) <= tolerance))
    compared = min(len(topk), len(swift))
    return {"agreement": agreeing / compared if compared else 0.0, "agree_exact": exact, "agree_compared": compared}


def timed_passes(work, min_seconds):
    """Runs work() until min_seconds have passed; returns (calls, seconds, per-call ns of every call)."""
    latencies = []
    start = time.perf_counter_ns()
    while True:
        work(latencies)
        if time.perf_counter_ns() - start >= min_seconds * 1e9:
            return (time.perf_counter_ns() - start) / 1e9, latencies


def kernels():
    """The BLAS and OpenMP libraries loaded, with their kernel family, and the most threads any pool has."""
    pools = threadpool_info()
    names = sorted(f"{i['internal_api']} {i.get('version') or ''} {i.get('architecture') or ''}".strip() for i in pools)
    return ", ".join(names), max((i["num_threads"] for i in pools), default=0)


def main():
    rows, dim, query_count = load_meta(ARGS.data)
    k, single_count = ARGS.k, min(ARGS.single or query_count, query_count)
    queries = read_matrix(os.path.join(ARGS.data, "queries.f32"), query_count, dim)
    base_path = os.path.join(ARGS.data, "base.f32")
    with threadpool_limits(limits=ARGS.threads):
        build_start = time.perf_counter()
        scan = IMPLEMENTATIONS[ARGS.impl](base_path, rows, dim)
        build_seconds = time.perf_counter() - build_start
        scan.single(queries[0], k)  # warm-up

        single_hits = []

        def single_pass(latencies):
            for query in queries[:single_count]:
                start = time.perf_counter_ns()
                hits = scan.single(query, k)
                latencies.append(time.perf_counter_ns() - start)
                if len(single_hits) < single_count:
                    single_hits.append(hits)

        single_seconds, latencies = timed_passes(single_pass, ARGS.min_seconds)

        block_is_loop = getattr(scan, "block_is_loop", False)
        if block_is_loop:  # the block is the same loop: reuse its timing and results
            block_qps, block_calls, topk = len(latencies) / single_seconds, 0, single_hits
        else:
            block_hits = []

            def block_pass(calls):
                hits = scan.block(queries, k)
                if not block_hits:
                    block_hits.extend(hits)
                calls.append(1)

            block_seconds, calls = timed_passes(block_pass, ARGS.min_seconds)
            block_qps, block_calls, topk = len(calls) * query_count / block_seconds, len(calls), block_hits
        loaded, pool_threads = kernels()

    with open(os.path.join(ARGS.data, f"{ARGS.impl}_topk.txt"), "w", encoding="utf-8") as f:
        f.writelines(" ".join(str(i) for i in ids) + "\n" for ids in topk)
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the check below
    base = np.memmap(base_path, dtype="<f4", mode="r", shape=(rows, dim))
    result = {
        "impl": ARGS.impl, "mode": "scan", "rows": rows, "kind": load_kind(ARGS.data), "dim": dim, "k": k, "threads": ARGS.threads,
        "queries": query_count, "single_queries": single_count,
        "single_qps": len(latencies) / single_seconds,
        "median_latency_us": float(np.median(latencies)) / 1e3,
        "block_qps": block_qps, "block_is_loop": block_is_loop, "single_calls": len(latencies),
        "block_calls": block_calls, "build_s": build_seconds,
        "single_equals_block": sum(np.array_equal(a, b) for a, b in zip(single_hits, topk)),
        "peak_rss_mib": peak_rss_mib,
        "blas": loaded, "pool_threads": pool_threads,
        **(agreement(ARGS.data, topk, base, queries) or {}),
    }
    if ARGS.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(" ".join(f"{key}={value}" for key, value in sorted(result.items())))


if __name__ == "__main__":
    main()
