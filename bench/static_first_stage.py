"""The vector list alone, per embedder: where each question's evidence stands.

    TRUEHEARTH_EXT_DATA=/work/shared/data PYTHONPATH=src:bench .venv/bin/python \\
        bench/static_first_stage.py --split tune [--sets convgen,realmem,memorybank]

For each user of a set, every turn of the sessions before a question is embedded
(``without_stopwords``, as the vector index does) and ranked by cosine with the
question, exactly (no shortlist), by each embedder: wordllama (the default) and the
distilled e5 table (``embed_static``); each also "uncommon" (the question less the
candidates' mean and directions holding 95 % of their variance, at most 64, as
:meth:`VectorIndex.common`); and reciprocal-rank fusions of them (k = 60), the
addition. Reports turn-level recall@k for convgen (paraphrased and literal apart) and
session-level recall@k (sessions of the top k turns) for every set, and how many
texts a second each embedder embeds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).parent))

import extsets
from static_e5 import StaticE5Embedder
from truehearth.recall.embed_wordllama import WordLlamaEmbedder
from truehearth.recall.embedder_base import Embedder
from truehearth.recall.query import without_stopwords

KS = (10, 30, 50, 100)
Matrix = npt.NDArray[np.float32]


def uncommon(query: Matrix, rows: Matrix, cap: int = 64, share: float = 0.95) -> Matrix:
    if len(rows) < 4 * rows.shape[1]:
        return query
    step = max(1, len(rows) // 2048)
    sample = rows[::step].astype(np.float64)
    mean = sample.mean(axis=0)
    centred = sample - mean
    values, vectors = np.linalg.eigh(centred.T @ centred)
    values, vectors = np.maximum(values[::-1], 0), vectors[:, ::-1]
    held = np.cumsum(values) / values.sum()
    count = min(cap, int(np.searchsorted(held, share - 1e-12)) + 1)
    top = vectors[:, :count].T
    shifted = query - mean
    out: Matrix = (shifted - top.T @ (top @ shifted)).astype(np.float32)
    return out


def rrf(orders: list[npt.NDArray[np.int64]], depth: int = 200, k: int = 60) -> list[int]:
    score: dict[int, float] = defaultdict(float)
    for order in orders:
        for rank, i in enumerate(order[:depth], 1):
            score[int(i)] += 1.0 / (k + rank)
    return sorted(score, key=lambda i: -score[i])


def index_cost(embedders: dict[str, Embedder], rounds: int) -> None:
    """CPU turns/s of indexing one space from scratch (embed + store the vectors), per
    embedder, alternated on one home: convgen seed 1's 3,000 turns imported as a user
    would (the first tuning user)."""
    import tempfile

    from external_recall import write_session
    from truehearth.exchange.formats import import_path
    from truehearth.home import Home
    from truehearth.recall.vectors import VectorIndex

    user = extsets.convgen((1, 2), 10, 300)[0]
    per: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp, Home.init(Path(tmp) / "home", "Ember") as home:
        for i, session in enumerate(user.sessions):
            import_path(home, write_session(Path(tmp), user, i, session), "st-chat")
        for _ in range(rounds):
            for name, emb in embedders.items():
                index = VectorIndex(home.recall_index, emb)
                c0 = time.process_time()
                done = index.rebuild()
                per[name].append(done / max(time.process_time() - c0, 1e-9))
    for name, rates in per.items():
        print(f"index from scratch, {name}: " + ", ".join(f"{r:,.0f}" for r in rates) + " turns/s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="convgen,realmem,memorybank")
    parser.add_argument("--split", default="tune")
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--cost", type=int, default=0, help="only time indexing, N rounds")
    parser.add_argument(
        "--tables",
        default=f"static e5={Path.home() / '.cache/truehearth/static_e5/static_e5.npz'}",
        help="name=table.npz,... as train_static_e5.py writes them",
    )
    args = parser.parse_args()
    root = extsets.data_dir()
    assert root is not None
    embedders: dict[str, Embedder] = {"wordllama": WordLlamaEmbedder()}
    for pair in args.tables.split(","):
        label, path = pair.split("=")
        embedders[label] = StaticE5Embedder(Path(path))
    first = next(k for k in embedders if k != "wordllama")
    if args.cost:
        index_cost(embedders, args.cost)
        return
    speed: dict[str, list[float]] = defaultdict(list)
    for name in args.sets.split(","):
        if name == "convgen":
            tune = args.split == "tune"
            users = extsets.convgen((1, 2), 10, 300, extra_tune=(3, 4, 5) if tune else ())
        else:
            users = getattr(extsets, name)(root)
        users = [u for u in users if u.split == args.split]
        if args.users:
            users = users[: args.users]
        hits: dict[tuple[str, str, str], list[float]] = defaultdict(list)
        for user in users:
            keys = [(s, t) for s, sess in enumerate(user.sessions) for t in range(len(sess.turns))]
            texts = [without_stopwords(t.text) for sess in user.sessions for t in sess.turns]
            session_of = np.array([s for s, _t in keys])
            vecs: dict[str, Matrix] = {}
            for ename, emb in embedders.items():
                t0 = time.process_time()
                vecs[ename] = emb.embed(texts)
                speed[ename].append(len(texts) / max(time.process_time() - t0, 1e-9))
            for q in user.queries:
                n = int(np.searchsorted(session_of, q.before))
                if n == 0:
                    continue
                orders: dict[str, npt.NDArray[np.int64]] = {}
                for ename, emb in embedders.items():
                    rows = vecs[ename][:n]
                    qv = emb.embed([without_stopwords(q.text)])[0]
                    orders[ename] = np.argsort(-(rows @ qv), kind="stable")
                    orders[ename + " uncommon"] = np.argsort(
                        -(rows @ uncommon(qv, rows)), kind="stable"
                    )
                fusions = {
                    "wordllama + uncommon (today's two lists)": ["wordllama", "wordllama uncommon"],
                    f"{first} + uncommon": [first, f"{first} uncommon"],
                    f"wordllama + uncommon + {first}": [
                        "wordllama", "wordllama uncommon", first
                    ],
                    f"wordllama + uncommon + {first} + uncommon": [
                        "wordllama", "wordllama uncommon", first, f"{first} uncommon"
                    ],
                }  # fmt: skip
                ranked: dict[str, list[int]] = {
                    k: [int(i) for i in v[:200]] for k, v in orders.items()
                }
                ranked.update({k: rrf([orders[x] for x in v]) for k, v in fusions.items()})
                kind = q.kind.split("/")[0] if q.turns else "all"
                for method, order in ranked.items():
                    for k in KS:
                        top = [keys[i] for i in order[:k]]
                        sess = {s for s, _t in top}
                        hits[(method, kind, f"s@{k}")].append(
                            len(q.sessions & sess) / len(q.sessions)
                        )
                        if q.turns:
                            got = len(q.turns & set(top)) / len(q.turns)
                            hits[(method, kind, f"t@{k}")].append(got)
                            hits[(method, "all", f"t@{k}")].append(got)
        print(f"\n### {name}, {args.split} ({len(users)} users)")
        methods = list(dict.fromkeys(m for m, _k, _s in hits))
        kinds = sorted({kd for _m, kd, _s in hits})
        for kind in kinds:
            level = "t" if name == "convgen" else "s"
            cols = [f"{level}@{k}" for k in KS]
            n = len(hits[(methods[0], kind, cols[0])])
            print(f"\n{kind} (n={n}), {'turn' if level == 't' else 'session'} recall of the top k")
            print("| method | " + " | ".join(f"R@{k}" for k in KS) + " |")
            print("|---|" + "---|" * len(KS))
            for m in methods:
                vals = [hits.get((m, kind, c)) for c in cols]
                print(
                    f"| {m} | "
                    + " | ".join(f"{statistics.mean(v):.3f}" if v else "-" for v in vals)
                    + " |"
                )
    print(
        "\ntexts/s (CPU, whole turns): "
        + ", ".join(f"{k} {statistics.median(v):,.0f}" for k, v in speed.items())
    )


if __name__ == "__main__":
    main()
