"""False memory by meaning: does comparing a reply's unheld details with the home's
memories (e5) or a small learned model over a few features beat the rules?

Tuning sets only (the first set's tune split, the second to seventh and the tenth);
never a held-out set. Each tuning set is left out in turn: the model is fitted on the
others and scored on it, beside the rules alone.

    OMP_NUM_THREADS=1 PYTHONPATH=src:bench .venv/bin/python bench/false_memory_meaning.py
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import re
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from continuity_blind import knowledge_for
from truehearth import e5
from truehearth.continuity.blindset import RULES_TUNE_DIRS, BlindReply, load_set, load_sets
from truehearth.continuity.knowledge import Knowledge
from truehearth.continuity.meaning import sentences
from truehearth.continuity.scorers import Situation, rule_scorers
from truehearth.continuity.scorers import false_memory as fm
from truehearth.continuity.scorers.grounding import digits
from truehearth.continuity.scorers.markers import DENIAL
from truehearth.continuity.scorers.text import any_match, norm
from truehearth.continuity.validation import score_blind

CACHE = Path(tempfile.gettempdir()) / "false_memory_e5.npz"  # speed only, never the numbers


class Vectors:
    """e5 query vectors, kept on disk between runs (the numbers never depend on it)."""

    def __init__(self) -> None:
        self.rows: dict[str, NDArray[np.float32]] = {}
        if CACHE.exists():
            data = np.load(CACHE)
            self.rows = dict(zip(data["keys"].tolist(), data["rows"], strict=True))
        self.new = 0

    def __call__(self, text: str) -> NDArray[np.float32]:
        key = hashlib.sha256(text.encode()).hexdigest()[:24]
        if key not in self.rows:
            model = e5.shared()
            assert model is not None
            self.rows[key] = model.query(text)[0]
            self.new += 1
        return self.rows[key]

    def save(self) -> None:
        if self.new:
            keys = list(self.rows)
            np.savez(CACHE, keys=np.array(keys), rows=np.vstack([self.rows[k] for k in keys]))


@dataclass
class Row:
    item: BlindReply
    set_name: str
    rule_fm: bool  # the false_memory rule's finding
    others: bool  # any other finding on the reply (precedent, global checks)
    path: str  # premise | answer | invented | ""
    features: dict[str, float] = field(default_factory=dict)


def candidate_sentences(s: Situation) -> list[tuple[str, list[str]]]:
    """Every stated sentence (not a question, denial or hedge) with the details in it
    that neither the home nor the conversation holds; past form not required."""
    said = norm(s.conversation)
    out = []
    for sentence in sentences(s.reply):
        low = norm(sentence)
        if any_match(DENIAL, low) or fm._HEDGE.search(low) or low.endswith("?"):
            continue
        unheld = [
            d
            for d in fm._details(sentence)
            if not (d in said or digits(d) in digits(said) or fm._held(s, d))
        ]
        if unheld:
            out.append((sentence, unheld))
    return out


def _named(detail: str, reply: str) -> bool:
    """Whether ``detail`` stands capitalised inside a sentence of ``reply`` (a name)."""
    return bool(re.search(rf"(?<![.!?]\s)(?<!^)\b{re.escape(detail.capitalize())}\b", reply))


def features(s: Situation, vec: Vectors) -> tuple[dict[str, float], str]:
    reply = norm(s.reply)
    premise = list(fm._guess_premise(s))
    missing = [t for t in premise if not s.knowledge.holds(t)]
    path = ""
    if missing and fm._goes_along(missing, reply):
        path = "premise"
    elif fm._wrong_answer(s):
        path = "answer"
    elif fm._invented_detail(s):
        path = "invented"
    invented = fm._invented_detail(s) or ""
    memories = list(s.knowledge.memories)
    mem_vecs = np.vstack([vec(m) for m in memories]) if memories else np.zeros((0, e5.DIM))
    cands = candidate_sentences(s)
    best_sim, n_unheld, strong = 0.0, 0, 0.0
    for sentence, unheld in cands:
        n_unheld += len(unheld)
        if len(mem_vecs):
            best_sim = max(best_sim, float(np.max(mem_vecs @ vec(sentence))))
        if any(d.isdigit() or " " in d or _named(d, s.reply) for d in unheld):
            strong = 1.0  # a name, number or quoted title that nothing holds
    reply_sim = 0.0
    if len(mem_vecs):
        reply_sim = float(np.max(mem_vecs @ vec(s.reply)))
    msg_sim = 0.0
    if len(mem_vecs):
        msg_sim = float(np.max(mem_vecs @ vec(s.message)))
    f = {
        "rule_fm": float(path != ""),
        "premise": float(path == "premise"),
        "answer": float(path == "answer"),
        "invented": float(path == "invented"),
        "invented_rare_word": float(
            path == "invented"
            and bool(re.fullmatch(r"[a-z'\-]+", invented))
            and not _named(invented, s.reply)
        ),
        "n_unheld": float(min(n_unheld, 4)),
        "strong_unheld": strong,
        "rare_only": float(bool(cands) and not strong),
        "cand_sim": best_sim,
        "reply_sim": reply_sim,
        "msg_sim": msg_sim,
        "question": float(bool(fm._QUESTION.search(digits(norm(s.message))))),
        "recall_q": float(bool(fm._RECALL_ASKED.search(norm(s.message)))),
        "denial": float(
            bool(any_match(DENIAL, reply)) or bool(re.match(r"^(no|nope|nah)\b", reply))
        ),
        "unsure": float(bool(fm._UNSURE.search(reply))),
        "affirm": float(any_match(fm.AFFIRM, reply) is not None),
    }
    return f, path


def collect(vec: Vectors) -> list[Row]:
    sets = load_sets() + [load_set(d, frozen=False, name=d.name) for d in RULES_TUNE_DIRS]
    scorers = rule_scorers()
    rows: list[Row] = []
    for blind in sets:
        items = [i for i in blind.tune if i.dimension == "roleplay"]
        knowledge = knowledge_for(blind.companions)
        for score in score_blind(items, knowledge, scorers):
            item = score.item
            k: Knowledge = knowledge[item.companion]
            s = Situation(item.message, item.reply, k, {"dimension": "roleplay"}, item.history)
            f, path = features(s, vec)
            rule = any(x.startswith("false_memory:") for x in score.fired)
            others = any(not x.startswith("false_memory:") for x in score.fired)
            rows.append(Row(item, blind.name, rule, others, path, f))
    return rows


def fit(x: NDArray[np.float64], y: NDArray[np.float64], l2: float = 1.0) -> NDArray[np.float64]:
    """Logistic regression by Newton's method with an L2 penalty (not on the bias)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.eye(xb.shape[1]) * l2
    reg[-1, -1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + reg @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w


def predict(w: NDArray[np.float64], x: NDArray[np.float64]) -> NDArray[np.float64]:
    xb = np.hstack([x, np.ones((len(x), 1))])
    out: NDArray[np.float64] = 1 / (1 + np.exp(-(xb @ w)))
    return out


def pr(flags: Sequence[bool], labels: Sequence[bool]) -> tuple[float, float, float, int, int]:
    tp = sum(f and y for f, y in zip(flags, labels, strict=True))
    fp = sum(f and not y for f, y in zip(flags, labels, strict=True))
    fn = sum(y and not f for f, y in zip(flags, labels, strict=True))
    n = len(labels)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (n - fp - fn) / n, fp, fn


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--features", default="", help="comma-separated feature names")
    parser.add_argument("--dump", action="store_true", help="each reply's features")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--reuse", type=Path, help="rows pickled by an earlier run")
    parser.add_argument("--save", type=Path, help="pickle the rows here")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.reuse:
        rows = pickle.loads(args.reuse.read_bytes())
    else:
        vec = Vectors()
        rows = collect(vec)
        vec.save()
    if args.save:
        args.save.write_bytes(pickle.dumps(rows))
    print(f"{len(rows)} roleplay replies, {time.perf_counter() - started:.1f} s")
    names = args.features.split(",") if args.features else list(rows[0].features)
    if args.dump:
        for r in rows:
            f = " ".join(f"{k}={v:.2f}" for k, v in r.features.items())
            print(f"{r.item.violation:d} {r.rule_fm:d}{r.others:d} {r.item.id} {f}")
    x = np.array([[r.features[n] for n in names] for r in rows])
    y = np.array([float(r.item.violation) for r in rows])
    groups = sorted({r.set_name for r in rows})
    print(f"features: {names}")
    print("| left out | rules P / R / acc | model P / R / acc |")
    print("|---|---|---|")
    all_base, all_new, all_y = [], [], []
    for g in groups:
        train = np.array([r.set_name != g for r in rows])
        w = fit(x[train], y[train], args.l2)
        test = [i for i, r in enumerate(rows) if r.set_name == g]
        p = predict(w, x[test])
        base = [rows[i].rule_fm or rows[i].others for i in test]
        new = [bool(p[j] >= 0.5) or rows[i].others for j, i in enumerate(test)]
        labels = [rows[i].item.violation for i in test]
        all_base += base
        all_new += new
        all_y += labels
        b, n = pr(base, labels), pr(new, labels)
        print(
            f"| {g} | {b[0]:.2f} / {b[1]:.2f} / {b[2]:.3f} (FP {b[3]}, FN {b[4]}) | "
            f"{n[0]:.2f} / {n[1]:.2f} / {n[2]:.3f} (FP {n[3]}, FN {n[4]}) |"
        )
    b, n = pr(all_base, all_y), pr(all_new, all_y)
    print(
        f"| all | {b[0]:.2f} / {b[1]:.2f} / {b[2]:.3f} (FP {b[3]}, FN {b[4]}) | "
        f"{n[0]:.2f} / {n[1]:.2f} / {n[2]:.3f} (FP {n[3]}, FN {n[4]}) |"
    )
    w = fit(x, y, args.l2)
    print(
        "weights (all tune): "
        + ", ".join(f"{k}={v:+.2f}" for k, v in zip([*names, "bias"], w, strict=True))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
