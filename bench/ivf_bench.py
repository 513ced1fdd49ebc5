"""The vector shortlist at scale: how much of the exact top 50 each approximate scan keeps.

    nice -n 10 .venv/bin/python bench/ivf_bench.py --rows 1000000
    nice -n 10 .venv/bin/python bench/ivf_bench.py --rows 200000 --probes 8,16,32,64

Turns of generated conversations (``bench/convgen.py``, seed 11 as in
``recall_bench.py``) are embedded once with the default embedder (wordllama) and
cached under ``$BENCH_TMP`` (or the system's temporary folder). Queries are the
generated questions: the first half tunes the number of lists probed, the second
half is reported with the chosen setting (split before tuning). Compared side by
side, on the same matrix and the same queries: exact search (one matrix product),
the 64-dimension prefix scan that picks 4,000 rows for exact re-scoring (the
shortlist before this bench), and the inverted file (``recall/ivf.py``) at several
numbers of lists probed. Agreement is the share of the shortlist's top 50 whose
exact score reaches the exact 50th score (the generated turns repeat, so rows tie,
and any of the tied rows is a right answer); times are CPU milliseconds per query
on one BLAS thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from convgen import generate
from truehearth.recall import ivf
from truehearth.recall.embedder_base import one_blas_thread
from truehearth.recall.embedders import DEFAULT_EMBEDDER, make_embedder
from truehearth.recall.query import without_stopwords

K = 50
COARSE_DIM = 64
COARSE_POOL = 4_000


def matrix_for(rows: int) -> tuple[np.ndarray, list[str]]:
    base = Path(os.environ.get("BENCH_TMP", tempfile.gettempdir())) / "truehearth-ivf-bench"
    base.mkdir(parents=True, exist_ok=True)
    cache = base / f"turns-{rows}.npy"
    conv = generate(max(1, rows // 500), min(rows, 500), seed=11, prefix="L")
    questions = [q.text for q in conv.questions]
    if cache.exists():
        return np.load(cache, mmap_mode="r"), questions
    embedder = make_embedder(DEFAULT_EMBEDDER)
    texts = [t.text for t in conv.turns[:rows]]
    out = np.lib.format.open_memmap(
        cache, mode="w+", dtype=np.float32, shape=(len(texts), embedder.dim)
    )
    step = 20_000
    started = time.perf_counter()
    for start in range(0, len(texts), step):
        out[start : start + step] = embedder.embed(texts[start : start + step])
        took = time.perf_counter() - started
        print(f"  embedded {min(start + step, len(texts)):,} in {took:.0f} s", flush=True)
    out.flush()
    return np.load(cache, mmap_mode="r"), questions


def unit(m: np.ndarray) -> np.ndarray:
    norms = np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)
    out: np.ndarray = (m / norms).astype(np.float32)
    return out


def top(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, scores.shape[0])
    best = np.argpartition(-scores, k - 1)[:k]
    return best[np.argsort(-scores[best])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--probes", default="8,16,24,32,48,64")
    parser.add_argument("--queries", type=int, default=80)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}; rows {args.rows:,}")
    matrix, questions = matrix_for(args.rows)
    matrix = np.ascontiguousarray(matrix)
    embedder = make_embedder(DEFAULT_EMBEDDER)
    queries = embedder.embed([without_stopwords(q) for q in questions])
    queries = queries[: args.queries]
    half = len(queries) // 2
    tune, test = queries[:half], queries[half:]
    coarse = unit(matrix[:, :COARSE_DIM])

    with one_blas_thread():
        c0 = time.process_time()
        lists = ivf.list_count(args.rows)
        centroids = ivf.train(matrix, lists)
        trained = time.process_time() - c0
        c0 = time.process_time()
        owner = ivf.assign(matrix, centroids)
        assigned = time.process_time() - c0
        postings = ivf.Postings.of(owner, centroids.shape[0])
        sizes = np.bincount(owner, minlength=centroids.shape[0])
        print(
            f"lists {centroids.shape[0]:,}: trained in {trained:.1f} s CPU, every row assigned in "
            f"{assigned:.1f} s CPU; rows per list median {int(np.median(sizes))}, max {sizes.max()}"
        )

        def run(qs: np.ndarray, how: str, probes: int = 0) -> tuple[float, float, float]:
            shares, cpu = [], []
            for q in qs:
                exact = matrix @ q
                # Generated turns repeat, so many rows tie: a row counts when its exact
                # score reaches the exact 50th score (ties are equally right answers).
                floor = float(exact[top(exact, K)[-1]]) - 1e-6
                c = time.process_time()
                if how == "exact":
                    got = top(matrix @ q, K)
                elif how == "prefix":
                    rough = coarse @ unit(q[None, :COARSE_DIM])[0]
                    pool = np.sort(top(rough, COARSE_POOL))
                    got = pool[top(matrix[pool] @ q, K)]
                else:
                    rows = postings.candidates(ivf.nearest_lists(q, centroids, probes))
                    got = rows[top(matrix[rows] @ q, K)]
                cpu.append((time.process_time() - c) * 1000)
                shares.append(float(np.count_nonzero(exact[got] >= floor)) / K)
            cpu.sort()
            p95 = cpu[min(len(cpu) - 1, int(0.95 * len(cpu)))]
            return statistics.mean(shares), statistics.median(cpu), p95

        print("\n| shortlist | agreement@50 tune | CPU ms p50 / p95 tune |")
        print("|---|---|---|")
        for how, probes in [("exact", 0), ("prefix", 0)] + [
            ("ivf", int(p)) for p in args.probes.split(",")
        ]:
            agree, p50, p95 = run(tune, how, probes)
            name = f"ivf, {probes} lists" if how == "ivf" else how
            print(f"| {name} | {agree:.3f} | {p50:.1f} / {p95:.1f} |", flush=True)
        print("\nTest half (never used to choose):")
        print("| shortlist | agreement@50 test | CPU ms p50 / p95 test |")
        print("|---|---|---|")
        for how, probes in [("exact", 0), ("prefix", 0), ("ivf", ivf.PROBES)]:
            agree, p50, p95 = run(test, how, probes)
            name = f"ivf, {probes} lists (the default)" if how == "ivf" else how
            print(f"| {name} | {agree:.3f} | {p50:.1f} / {p95:.1f} |", flush=True)


if __name__ == "__main__":
    main()
