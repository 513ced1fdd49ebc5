"""The vector shortlist at scale: how much of the exact top 50 each approximate scan keeps.

    nice -n 10 .venv/bin/python bench/ivf_bench.py --rows 1000000
    nice -n 10 .venv/bin/python bench/ivf_bench.py --rows 200000 --probes 16,32,64

Turns of generated conversations (``bench/convgen.py``, seed 11 as in
``recall_bench.py``) are embedded once with the default embedder (wordllama) and
cached under ``$BENCH_TMP`` (or the system's temporary folder). Queries are the
generated questions: the first half tunes the number of lists probed, the second
half is never used to choose (split before tuning); both are printed. Compared side by
side, on the same matrix and the same queries: exact search (one matrix product),
the 64-dimension prefix scan that picks 4,000 rows for exact re-scoring (the
shortlist before this bench), and the inverted file (``recall/ivf.py``) at several
numbers of lists probed, both as k-means learnt it (``plain``) and with oversized
lists split (``balanced``, :func:`~truehearth.recall.ivf.balance`, what a home
writes). Each query runs through every method in turn. Agreement is the share
of the shortlist's top 50 whose exact score reaches the exact 50th score (the
generated turns repeat, so rows tie, and any of the tied rows is a right
answer); times are CPU milliseconds per query on one BLAS thread.
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
    partial = cache.with_name(cache.name + ".partial")  # a killed run leaves no cache
    out = np.lib.format.open_memmap(
        partial, mode="w+", dtype=np.float32, shape=(len(texts), embedder.dim)
    )
    step = 20_000
    started = time.perf_counter()
    for start in range(0, len(texts), step):
        out[start : start + step] = embedder.embed(texts[start : start + step])
        took = time.perf_counter() - started
        print(f"  embedded {min(start + step, len(texts)):,} in {took:.0f} s", flush=True)
    out.flush()
    os.replace(partial, cache)
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
    parser.add_argument("--probes", default="32,64")
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
        centroids = ivf.train(matrix, ivf.list_count(args.rows))
        trained = time.process_time() - c0
        c0 = time.process_time()
        owner = ivf.assign(matrix, centroids)
        assigned = time.process_time() - c0
        c0 = time.process_time()
        balanced = ivf.balance(matrix, centroids, owner)
        balancing = time.process_time() - c0
        plain = ivf.Trained(centroids, owner, np.zeros(centroids.shape[0], np.bool_))
        print(
            f"trained in {trained:.1f} s CPU, every row assigned in {assigned:.1f} s CPU, "
            f"balanced in {balancing:.1f} s CPU"
        )
        shapes = {"plain": plain, "balanced": balanced}
        postings = {}
        for name, learnt in shapes.items():
            count = learnt.centroids.shape[0]
            postings[name] = ivf.Postings.of(learnt.owner, count)
            sizes = np.bincount(learnt.owner, minlength=count)
            whole = sizes[~learnt.tight]  # a query reads only K rows of a tight list
            print(
                f"  {name}: {count:,} lists ({int(learnt.tight.sum())} tight); rows per list "
                f"median {int(np.median(sizes))}, p99 {int(np.percentile(sizes, 99))}, "
                f"max {sizes.max():,}; largest read whole {whole.max():,}"
            )

        def search(q: np.ndarray, how: str, probes: int) -> np.ndarray:
            if how == "exact":
                return top(matrix @ q, K)
            if how == "prefix":
                rough = coarse @ unit(q[None, :COARSE_DIM])[0]
                pool = np.sort(top(rough, COARSE_POOL))
                found: np.ndarray = pool[top(matrix[pool] @ q, K)]
                return found
            learnt = shapes[how]
            chosen = ivf.nearest_lists(q, learnt.centroids, probes)
            rows = postings[how].candidates(chosen, learnt.tight, K)
            listed: np.ndarray = rows[top(matrix[rows] @ q, K)]
            return listed

        def run(qs: np.ndarray, methods: list[tuple[str, int]]) -> list[tuple[float, float, float]]:
            """Each query through every method in turn (so load changes hit all alike)."""
            shares: list[list[float]] = [[] for _ in methods]
            cpu: list[list[float]] = [[] for _ in methods]
            for q in qs:
                exact = matrix @ q
                # Generated turns repeat, so many rows tie: a row counts when its exact
                # score reaches the exact 50th score (ties are equally right answers).
                floor = float(exact[top(exact, K)[-1]]) - 1e-6
                for m, (how, probes) in enumerate(methods):
                    c = time.process_time()
                    got = search(q, how, probes)
                    cpu[m].append((time.process_time() - c) * 1000)
                    shares[m].append(float(np.count_nonzero(exact[got] >= floor)) / K)
            out = []
            for share, times in zip(shares, cpu, strict=True):
                times.sort()
                p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
                out.append((statistics.mean(share), statistics.median(times), p95))
            return out

        def label(how: str, probes: int) -> str:
            if how in ("exact", "prefix"):
                return how
            default = " (the default)" if probes == ivf.PROBES else ""
            return f"ivf {how}, {probes} lists{default}"

        wanted = [int(p) for p in args.probes.split(",")]
        methods = [("exact", 0), ("prefix", 0)]
        methods += [(how, p) for p in wanted for how in ("plain", "balanced")]
        tuned = run(tune, methods)
        tested = run(test, methods)
        print(f"\nload after the queries {os.getloadavg()[0]:.1f}")
        print(
            "| shortlist | agreement@50 tune | CPU ms p50 / p95 tune "
            "| agreement@50 test | CPU ms p50 / p95 test |"
        )
        print("|---|---|---|---|---|")
        for (how, probes), a, b in zip(methods, tuned, tested, strict=True):
            print(
                f"| {label(how, probes)} | {a[0]:.3f} | {a[1]:.1f} / {a[2]:.1f} "
                f"| {b[0]:.3f} | {b[1]:.1f} / {b[2]:.1f} |"
            )


if __name__ == "__main__":
    main()
