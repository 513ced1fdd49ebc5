"""Fit, on tuning data only, a threshold for reading topic boundaries by meaning (e5).

    PYTHONPATH=src:bench .venv/bin/python -u bench/fit_topic_meaning.py [--cache FILE]

For every tune reply (the first set's tune split, the second to fourth sets, and the
sets read for the rules: fifth to seventh and any later in ``RULES_TUNE_DIRS``), the
check's own verdict today, and the highest e5 cosine between a sentence of the reply
and a topic boundary of its home the human has not raised. Never the frozen test
split, never a held-out set. Prints, per set and threshold, what adding "a sentence
this close to a kept-out topic crosses it" would do to the per-reply verdict and to
boundaries P/R, so a threshold is adopted only where it helps across sets.

Measured in round 10 (docs/CONTINUITY.md): e5 closeness ranks boundary violations
above holding replies only weakly (AUC 0.64 over six tuning sets) and the ones the check
misses not at all, so no threshold was adopted; this stays to reproduce that.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from continuity_blind import knowledge_for
from truehearth.continuity.blindset import RULES_TUNE_DIRS, load_set, load_sets
from truehearth.continuity.meaning import sentences
from truehearth.continuity.scorers import Situation, rule_scorers
from truehearth.continuity.scorers.boundary import _rules
from truehearth.continuity.scorers.markers import unquoted
from truehearth.continuity.scorers.text import norm
from truehearth.continuity.scorers.topic_raised import raised_by_human as _raised_by_human
from truehearth.continuity.validation import score_blind
from truehearth.recall.embedders import Vectors

# e5 reads a sentence whole where wordllama (meaning.best_similarity) averages its words:
# wordllama averages word vectors, so "did the préfecture ever answer about your titre de
# séjour?" is far from a boundary kept around "her visa situation" unless they share a
# word. e5 (multilingual-e5-small, the process's one instance: :mod:`truehearth.e5`) reads
# the sentence as a whole. It is optional (the ``meaning`` extra): without it these
# answer ``None`` and the callers keep their word-based reading.

CLAUSE_WORDS = 40  # a sentence is read by its first 40 words: e5's cost grows with length


def e5_closeness(texts: Sequence[str], targets: Sequence[str]) -> Vectors | None:
    """Cosine of each text (row) against each target (column), as e5 queries; ``None``
    without the extra. Targets (a home's boundaries and memories) recur across replies,
    so their vectors are kept."""
    from truehearth import e5

    model = e5.shared()
    if model is None:
        return None
    import numpy as np

    if not texts or not targets:
        return np.zeros((len(texts), len(targets)), dtype=np.float32)
    rows = model.query([" ".join(t.split()[:CLAUSE_WORDS]) for t in texts])
    columns = np.vstack([_e5_target(t) for t in targets])
    out: Vectors = rows @ columns.T
    return out


@lru_cache(maxsize=1024)
def _e5_target(text: str) -> Vectors:
    from truehearth import e5

    model = e5.shared()
    assert model is not None  # only called after e5_closeness found the model
    row: Vectors = model.query(text)[0]
    return row


def topic_closeness(s: Situation) -> tuple[float, str, str, list[tuple[float, float, float]]]:
    """The highest e5 cosine between a sentence of the reply (quotes blanked) and a topic
    boundary of the home the human has not raised: ``(cosine, sentence, topic, per
    rule)``, where each rule gives (reply to topic, reply to the boundary's text, the
    human's closest sentence to the topic). ``(0, "", "", [])`` without e5 or a topic."""
    human = norm(s.human_said)
    rules = [r for r in _rules(s) if r.is_topic and not _raised_by_human(human, r)]
    said = sentences(unquoted(s.reply)) or [s.reply]
    theirs = sentences(s.human_said) or [s.human_said or "."]
    if not rules:
        return 0.0, "", "", []
    to_topic = e5_closeness(said, [r.topic for r in rules])
    to_text = e5_closeness(said, [r.text for r in rules])
    from_human = e5_closeness(theirs, [r.topic for r in rules])
    if to_topic is None or to_text is None or from_human is None:
        return 0.0, "", "", []
    per_rule = [
        (float(to_topic[:, j].max()), float(to_text[:, j].max()), float(from_human[:, j].max()))
        for j in range(len(rules))
    ]
    i, j = divmod(int(to_topic.argmax()), len(rules))
    return float(to_topic[i, j]), said[i], rules[j].topic, per_rule


def rows(cache: Path | None, only: set[str] | None = None) -> list[dict[str, object]]:
    """Every tune reply's row; with ``cache`` (a folder), each set's rows are kept there
    as they are computed and read back on the next run."""
    sets = load_sets() + [load_set(d, frozen=False, name=d.name) for d in RULES_TUNE_DIRS]
    scorers = rule_scorers()
    out: list[dict[str, object]] = []
    for blind in sets:
        if only is not None and blind.name not in only:
            continue
        kept = cache / f"{blind.name}.json" if cache else None
        if kept and kept.is_file():
            out += json.loads(kept.read_text())
            continue
        first = len(out)
        knowledge = knowledge_for(blind.companions)
        started = time.perf_counter()
        scores = score_blind(blind.tune, knowledge, scorers)
        scored = time.perf_counter() - started
        started = time.perf_counter()
        for s in scores:
            i = s.item
            sit = Situation(i.message, i.reply, knowledge[i.companion], {}, i.history)
            value, sentence, topic, per_rule = topic_closeness(sit)
            out.append(
                {
                    "set": blind.name,
                    "id": i.id,
                    "dimension": i.dimension,
                    "violation": i.violation,
                    "flagged": s.flagged,
                    "boundary": any(f.startswith("boundary:") for f in s.fired),
                    "e5": value,
                    "sentence": sentence,
                    "topic": topic,
                    "rules": per_rule,
                }
            )
        meaning = time.perf_counter() - started
        print(
            f"{blind.name}: {len(scores)} replies, check {scored:.1f} s, "
            f"e5 topics {meaning:.1f} s ({1000 * meaning / max(len(scores), 1):.0f} ms/reply)",
            flush=True,
        )
        if kept:
            kept.write_text(json.dumps(out[first:]))
    return out


def evaluate(data: list[dict[str, object]], threshold: float | None) -> dict[str, str]:
    cells: dict[str, str] = {}
    for name in [*sorted({str(r["set"]) for r in data}), "all"]:
        part = [r for r in data if name in ("all", r["set"])]
        tp = fp = fn = tn = 0
        btp = bfp = bfn = 0
        for r in part:
            extra = threshold is not None and float(r["e5"]) >= threshold  # type: ignore[arg-type]
            flagged = bool(r["flagged"]) or extra
            v = bool(r["violation"])
            tp += flagged and v
            fp += flagged and not v
            fn += not flagged and v
            tn += not flagged and not v
            if r["dimension"] == "boundaries":
                btp += flagged and v
                bfp += flagged and not v
                bfn += not flagged and v
        acc = (tp + tn) / max(len(part), 1)
        bp = btp / max(btp + bfp, 1)
        br = btp / max(btp + bfn, 1)
        cells[name] = f"{acc:.3f} b{bp:.2f}/{br:.2f}"
    return cells


def auc(data: list[dict[str, object]], key: str) -> str:
    """How well the closeness ranks boundary violations above holding replies (0.5: not
    at all), over replies in homes with a topic boundary the human had not raised; and
    the same over only the violations the check misses today."""

    def value(r: dict[str, object]) -> float:
        rules = r["rules"]
        assert isinstance(rules, list)
        if key == "topic":
            return float(max(x[0] for x in rules))
        if key == "text":
            return float(max(x[1] for x in rules))
        return float(max(x[0] - x[2] for x in rules))  # beyond what the human's words already were

    have = [r for r in data if r["rules"]]
    bad = [value(r) for r in have if r["dimension"] == "boundaries" and r["violation"]]
    missed = [
        value(r)
        for r in have
        if r["dimension"] == "boundaries" and r["violation"] and not r["flagged"]
    ]
    good = [value(r) for r in have if not r["violation"]]

    def area(pos: list[float]) -> float:
        if not pos or not good:
            return float("nan")
        wins = sum((p > g) + 0.5 * (p == g) for p in pos for g in good)
        return wins / (len(pos) * len(good))

    return f"{area(bad):.2f} ({len(bad)}), missed {area(missed):.2f} ({len(missed)})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--sets", default="", help="comma-separated set names (default: all)")
    args = parser.parse_args()
    if args.cache:
        args.cache.mkdir(parents=True, exist_ok=True)
    data = rows(args.cache, set(args.sets.split(",")) if args.sets else None)
    names = [*sorted({str(r["set"]) for r in data}), "all"]
    print("| AUC: violations vs holding replies | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for key in ("topic", "text", "delta"):
        cells = [auc([r for r in data if n in ("all", r["set"])], key) for n in names]
        print(f"| {key} | " + " | ".join(cells) + " |")
    print()
    print("| threshold | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for t in (None, 0.80, 0.82, 0.84, 0.85, 0.86, 0.87, 0.88, 0.89, 0.90, 0.92):
        by_set = evaluate(data, t)
        label = "today" if t is None else f"{t:.2f}"
        print(f"| {label} | " + " | ".join(by_set[n] for n in names) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
