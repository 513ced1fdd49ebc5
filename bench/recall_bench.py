"""Recall benchmark: quality (recall@k) on generated conversations, then speed and size.

    .venv/bin/python bench/recall_bench.py                  # quality + latency up to 100k
    .venv/bin/python bench/recall_bench.py --sizes 1000,10000,100000,1000000

Quality: three generated conversations (seeds 1-3), 30 sessions x 500 turns
each, every turn stored as an archive record through the library; each
question's evidence turns are looked up in the top k results. Compared:
BM25 alone, vectors alone, hybrid (BM25 + vectors), hybrid + graph.
Latency: homes of N turns, hybrid + graph queries, p50/p95 over warm runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from convgen import Conversation, Question, Turn, generate
from truehearth.core import acts
from truehearth.core.events import Draft
from truehearth.core.ids import new_id
from truehearth.core.records import Layer, Source, Voice
from truehearth.home import Home
from truehearth.recall.graph import Graph
from truehearth.recall.hybrid import HybridRetriever
from truehearth.recall.query import without_stopwords
from truehearth.recall.settings import active_index, use_embedder
from truehearth.recall.talk import TalkIndex
from truehearth.recall.vectors import COARSE_FROM, VectorIndex

KS = (1, 5, 10, 20)


def configs() -> dict[str, HybridRetriever]:
    """Each step adds one idea to the one before, so the table shows what each is worth."""
    return {
        "bm25": HybridRetriever(vectors=False, expand=False, replies=False, graph=False),
        "vectors": HybridRetriever(bm25=False, expand=False, replies=False, graph=False),
        "hybrid (bm25+vectors, RRF)": HybridRetriever(expand=False, replies=False, graph=False),
        "+ query expansion (off by default)": HybridRetriever(
            expand=True, replies=False, graph=False
        ),
        "+ replies after keyword hits (no expansion)": HybridRetriever(graph=False),
        "+ graph (everything, the default)": HybridRetriever(),
    }


def turn_drafts(turns: Iterable[Turn], now: str, ids: dict[str, str]) -> list[Draft]:
    drafts = []
    for turn in turns:
        record_id = new_id("r")
        ids[turn.id] = record_id
        voice = Voice.HUMAN if turn.speaker == "human" else Voice.COMPANION
        drafts.append(
            acts.remember(
                record_id=record_id,
                layer=Layer.ARCHIVE,
                text=turn.text,
                voice=voice,
                actor=Voice.SYSTEM,
                source=Source(
                    via="bench",
                    session=turn.session,
                    mouth=None if voice is Voice.HUMAN else "bench-scripted",
                ),
                now=now,
                valid_from=turn.date,
                meta={
                    "kind": "turn",
                    "turn": turn.index,
                    "speaker": turn.speaker,
                    "session_date": turn.date,
                },
            )
        )
    return drafts


INGEST_CPU: list[float] = []  # CPU seconds of each ingest (this process), beside the wall time


def ingest(home: Home, turns: list[Turn], batch: int = 5000) -> tuple[dict[str, str], float, float]:
    """Store turns as records, then index them; returns (ids, store seconds, index seconds)."""
    ids: dict[str, str] = {}
    c0 = time.process_time()
    t0 = time.perf_counter()
    for i in range(0, len(turns), batch):
        chunk = turns[i : i + batch]

        def drafts(now: str, chunk: list[Turn] = chunk) -> list[Draft]:
            return turn_drafts(chunk, now, ids)

        home.commit(drafts)
    t1 = time.perf_counter()
    TalkIndex(home.recall_index).sync()
    active_index(home).sync()
    Graph.of(home).sync()
    t2 = time.perf_counter()
    INGEST_CPU.append(time.process_time() - c0)
    return ids, t1 - t0, t2 - t1


def recall_at(
    retriever: HybridRetriever, home: Home, q: Question, ids: dict[str, str]
) -> dict[int, float]:
    """Share of the question's evidence turns found in the top k, for each k."""
    got = [r.record.id for r in retriever.retrieve(home, q.text, limit=max(KS))]
    wanted = {ids[e] for e in q.evidence}
    return {k: len(wanted & set(got[:k])) / len(wanted) for k in KS}


def quality(seeds: Iterable[int], sessions: int, turns: int, embedders: list[str]) -> None:
    rows: dict[tuple[str, str, str], list[float]] = {}
    kinds: dict[tuple[str, str], list[float]] = {}
    counts = {"literal": 0, "paraphrased": 0}
    overlaps: dict[str, list[int]] = {"literal": [], "paraphrased": []}
    rates = []
    for seed in seeds:
        conv: Conversation = generate(sessions, turns, seed=seed)
        for q in conv.questions:
            form = "paraphrased" if q.paraphrased else "literal"
            counts[form] += 1
            overlaps[form].append(q.overlap)
        with tempfile.TemporaryDirectory() as tmp, Home.init(Path(tmp) / "h", "bench") as home:
            ids, store_s, index_s = ingest(home, conv.turns)
            rates.append((len(conv.turns), store_s, index_s))
            for embedder in embedders:
                t0 = time.perf_counter()
                use_embedder(home, embedder, {})
                print(
                    f"seed {seed}: {embedder} embedded {len(conv.turns)} turns in "
                    f"{time.perf_counter() - t0:.1f} s",
                    flush=True,
                )
                for name, retriever in configs().items():
                    for q in conv.questions:
                        form = "paraphrased" if q.paraphrased else "literal"
                        found = recall_at(retriever, home, q, ids)
                        for k, value in found.items():
                            rows.setdefault((embedder, name, f"{form}@{k}"), []).append(value)
                        if name.startswith("+ graph"):
                            kinds.setdefault((embedder, f"{q.kind}/{form}"), []).append(found[10])
    print(f"\n## recall@k ({counts['literal']} literal, {counts['paraphrased']} paraphrased)")
    print(
        "mean content-stem overlap with evidence: "
        f"literal {statistics.mean(overlaps['literal']):.2f}, "
        f"paraphrased {statistics.mean(overlaps['paraphrased']):.2f}"
    )
    for embedder in embedders:
        print(f"\n### embedder: {embedder}")
        cells = " | ".join(f"{f} @{k}" for f in ("literal", "paraphrased") for k in KS)
        print(f"| retriever | {cells} |")
        print("|" + "---|" * (1 + 2 * len(KS)))
        for name in configs():
            values = [
                f"{statistics.mean(rows[(embedder, name, f'{form}@{k}')]):.2f}"
                for form in ("literal", "paraphrased")
                for k in KS
            ]
            print(f"| {name} | " + " | ".join(values) + " |")
        print("\nrecall@10 of the default retriever by question kind:")
        for (emb, kind), hits in sorted(kinds.items()):
            if emb == embedder:
                print(f"- {kind}: {statistics.mean(hits):.2f} (n={len(hits)})")
    for n, store_s, index_s in rates:
        print(
            f"ingest {n} turns: store {n / store_s:,.0f}/s, embed+graph {n / index_s:,.0f}/s, "
            f"together {n / (store_s + index_s):,.0f} turns/s"
        )


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def rss_mb() -> float:
    """Resident memory of this process now (not the peak, which ingestion dominates)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.95))]


def latency(sizes: list[int], queries: int) -> None:
    """Grow one home through the sizes; at each, time warm queries and measure the footprint."""
    print("\n## latency and footprint (one home grown through the sizes; warm queries, limit 10)")
    print(
        "| turns | default p50/p95 ms | bm25 only p50/p95 | vectors only p50/p95 "
        "| shortlist agreement @50 | ingest turns/s | home.db MB | vectors MB | RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    biggest = max(sizes)
    conv = generate(max(1, biggest // 500), min(biggest, 500), seed=11, prefix="L")
    questions = [q.text for q in conv.questions]
    qs = (questions * (queries // len(questions) + 1))[:queries]
    turns = conv.turns
    del conv
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        path = Path(tmp) / "h"
        with Home.init(path, "bench") as home:
            done = 0
            for size in sorted(sizes):
                _ids, store_s, index_s = ingest(home, turns[done:size], batch=20000)
                rate = (size - done) / (store_s + index_s)
                cpu_rate = (size - done) / INGEST_CPU[-1]
                done = size
                gc.collect()
                default = HybridRetriever()
                bm25 = HybridRetriever(
                    vectors=False, graph=False, replies=False, speakers=False, dates=False
                )
                vectors = HybridRetriever(bm25=False, graph=False, replies=False)
                row = []
                for retriever in (default, bm25, vectors):
                    for q in qs[:3]:
                        retriever.retrieve(home, q)
                    times, cpu = [], []
                    for q in qs:
                        t0, c0 = time.perf_counter(), time.process_time()
                        retriever.retrieve(home, q)
                        times.append((time.perf_counter() - t0) * 1000)
                        cpu.append((time.process_time() - c0) * 1000)
                    p50, p95 = percentiles(times)
                    c50, c95 = percentiles(cpu)
                    row.append(f"{p50:.1f} / {p95:.1f} (CPU {c50:.1f} / {c95:.1f})")
                agreement = prefix_agreement(home, qs[:20])
                db_mb = sum(p.stat().st_size for p in path.glob("home.db*")) / 2**20
                vec_mb = dir_bytes(path / "index") / 2**20
                print(
                    f"| {size:,} | {' | '.join(row)} | {agreement} | {rate:,.0f} "
                    f"(CPU {cpu_rate:,.0f}) | "
                    f"{db_mb:,.0f} | {vec_mb:,.0f} | {rss_mb():,.0f} |",
                    flush=True,
                )


def prefix_agreement(home: Home, qs: list[str]) -> str:
    """Share of the exact top 50 that the shortlist also returns (the inverted-file lists
    where the vectors are files and the lists are written, else the prefix scan)."""
    exact = active_index(home)
    if exact.count() <= COARSE_FROM:
        return "exact"
    fast = VectorIndex(exact.db, exact.embedder, coarse_from=0)
    exact = VectorIndex(exact.db, exact.embedder, coarse_from=10**12)
    shares = []
    for q in qs:
        vector = exact.embedder.embed([without_stopwords(q)])[0]
        want = {h.record_id for h in exact.search(vector, 50)}
        got = {h.record_id for h in fast.search(vector, 50)}
        shares.append(len(want & got) / len(want))
    return f"{statistics.mean(shares):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument(
        "--embedders", default="wordllama", help="e.g. wordllama,sentence-transformers"
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    if not args.skip_quality:
        quality(
            [int(s) for s in args.seeds.split(",")],
            args.sessions,
            args.turns,
            args.embedders.split(","),
        )
    if args.sizes:
        latency([int(s) for s in args.sizes.split(",")], args.queries)


if __name__ == "__main__":
    main()
