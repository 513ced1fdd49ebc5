"""Detection and false-flag rates of the injection detector, per source and split.

    PYTHONPATH=src .venv/bin/python bench/injection_bench.py [--blind DIR] [--split test]

For every externally written source (:mod:`injection_data`) and split, the
detectors side by side, in one run:

* ``baseline head`` -- with ``--baseline-head``: the first stage, then an
  earlier second-stage head (side by side with the shipped one);
* ``shipped``    -- what importers use: the rules, then the classifier, then
  (with the ``meaning`` extra) the second stage on the classifier's grey zone;
* ``first``      -- the rules, then the classifier: what shipped before the
  second stage (and what ships without the extra);
* ``classifier`` -- the classifier alone;
* ``rules``      -- the rules alone (the detector before the classifier);
* ``crude``      -- a crude 15-term regular expression, the floor to beat.

``caught`` is the share of attacks flagged, ``false`` the share of ordinary
texts flagged. The train split is shown only to expose over-fitting; the
tune split chose the threshold; the test split was never looked at while
building. A text its source says a person wrote to their own AI (a user's
turn, a ``user_talk`` message) is read as the importer reads such a turn
(``by_human``); every other text, attacks included, as text of unknown
author. ``--as-human`` reads the attacks as human turns too: what the rules
withdrawn there would cost if an attack came as a user's turn. ``--blind``
adds a set written by someone who never saw the code (``attacks.jsonl``,
``benign.jsonl``), scored as test only. The last line is
the detector's cost per item on the ordinary-chat test texts, with the
share of texts the second stage reads and what it adds.

The second stage's rates use its sentence vectors through the disk cache of
:mod:`meaning_cache` (the same numbers, computed once); its cost is measured
on the encoder itself. ``--no-meaning`` leaves the second stage out.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from injection_data import USER_TALK, Example, load_all, load_blind
from meaning_cache import CachedEmbedder, embed_all
from truehearth.core.injection import detect, detect_rules
from truehearth.core.injection_meaning import MeaningHead, SecondStage, focus
from truehearth.core.injection_model import LinearModel
from truehearth.core.injection_normalize import normalize
from truehearth.injection_classifier import load_model, model_from_bytes
from truehearth.injection_meaning import E5Embedder, head_from_bytes, load_head

Detector = Callable[[str, bool], bool]
"""Whether a detector flags a text, given whether a person wrote it to their own AI."""

CRUDE = re.compile(
    r"ignore|disregard|forget|instructions|system prompt|jailbreak|\bdan\b|pretend|"
    r"you are now|act as|password|access granted|reveal|override|bypass",
    re.IGNORECASE,
)


def detectors(
    weights: Path | None = None,
    baseline: Path | None = None,
    head: MeaningHead | None = None,
    baseline_head: MeaningHead | None = None,
) -> dict[str, Detector]:
    model = model_from_bytes(weights.read_bytes()) if weights else load_model()
    found: dict[str, Detector] = {}
    if baseline:
        before = model_from_bytes(baseline.read_bytes())
        found["baseline"] = lambda text, human: detect(text, before, by_human=human) is not None
    if baseline_head is not None:
        earlier = SecondStage(baseline_head, CachedEmbedder())
        found["baseline head"] = lambda text, human: (
            detect(text, model, earlier, by_human=human) is not None
        )
    if head is not None:
        second = SecondStage(head, CachedEmbedder())
        found["shipped"] = lambda text, human: (
            detect(text, model, second, by_human=human) is not None
        )
    return found | {
        "first": lambda text, human: detect(text, model, by_human=human) is not None,
        "classifier": lambda text, _: model.score(normalize(text)) >= model.threshold,
        "rules": lambda text, human: detect_rules(text, by_human=human) is not None,
        "crude": lambda text, _: CRUDE.search(text) is not None,
    }


def rates(
    examples: list[Example], splits: set[str], found: dict[str, Detector]
) -> list[tuple[str, str, str, int, int, dict[str, float]]]:
    """Rows: source, kind, split, attacks, ordinary, {detector: rate}."""
    groups: dict[tuple[str, str, str, int], list[tuple[str, bool]]] = defaultdict(list)
    for example in examples:
        if example.split not in splits:
            continue
        said = (example.text, example.human)
        if example.source == "blind":
            lang, _, style = example.kind.partition(" ")
            for kind in ("all", f"language {lang}", f"style {style}"):
                groups[("blind", kind, "test", example.label)].append(said)
            continue
        if example.source == "authored":
            writer, lang = [*example.kind.split(), "?", "?"][:2]
            for sub in (f"language {lang}", f"writer {writer}"):
                groups[(example.source, sub, example.split, example.label)].append(said)
        if example.source == USER_TALK:
            lang, _, what = example.kind.partition(" ")
            for sub in (f"language {lang}", f"kind {what}"):
                groups[(example.source, sub, example.split, example.label)].append(said)
        kind = example.kind if example.source == "bipia" else ""
        groups[(example.source, kind, example.split, example.label)].append(said)
    rows = []
    for (source, kind, split, label), texts in sorted(groups.items()):
        shares = {name: sum(fn(*t) for t in texts) / len(texts) for name, fn in found.items()}
        rows.append(
            (source, kind, split, len(texts) if label else 0, 0 if label else len(texts), shares)
        )
    return rows


def cost_per_item(texts: list[str], model: LinearModel, rounds: int = 3) -> tuple[float, float]:
    """Mean CPU milliseconds per text, shipped detector and rules alone, best of interleaved rounds.

    The two are timed alternately, several times, and the fastest round of
    each is kept: on a shared machine that is the figure least disturbed by
    other work.
    """
    model.score("warm up")
    runs: dict[str, Callable[[str], object]] = {
        "shipped": lambda text: detect(text, model),
        "rules": detect_rules,
    }
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for name, run in runs.items():
            started = time.process_time()
            for text in texts:
                run(text)
            best[name] = min(best[name], (time.process_time() - started) * 1000 / len(texts))
    return best["shipped"], best["rules"]


def zone_spans(texts: list[tuple[str, bool]], model: LinearModel, head: MeaningHead) -> list[str]:
    """The focus spans the second stage will read for these texts, each with whether a person
    wrote it to their own AI (to fill the cache first)."""
    spans = []
    for text, human in texts:
        plain = normalize(text)
        if detect_rules(plain, normalized=True, by_human=human) is not None:
            continue
        verdict = model.judge(plain)
        if head.in_band(verdict.score, model.threshold):
            window = plain[verdict.start : verdict.end]
            low, high = focus(window, model)
            spans.append(window[low:high])
    return spans


def meaning_cost(
    texts: list[str], model: LinearModel, head: MeaningHead
) -> tuple[float, float, float]:
    """Mean CPU ms per text with and without the second stage (the encoder itself, one thread,
    loaded before timing), and the share of texts it read."""
    second = SecondStage(head, E5Embedder())
    second.embedder.embed("warm up")
    read = 0
    for text in texts:
        verdict = model.judge(normalize(text))
        read += head.in_band(verdict.score, model.threshold) and detect_rules(text) is None
    timed = {}
    for name, extra in (("first", None), ("shipped", second)):
        started = time.process_time()
        for text in texts:
            detect(text, model, extra)
        timed[name] = (time.process_time() - started) * 1000 / len(texts)
    return timed["shipped"], timed["first"], read / len(texts)


def import_texts(n: int) -> list[str]:
    """The message texts ``bench/import_bench.py`` puts in its generated export (same seed)."""
    import random

    import import_bench

    rng = random.Random(7)
    return [import_bench.text(rng) for _ in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blind", type=Path, help="folder with attacks.jsonl and benign.jsonl")
    parser.add_argument("--split", action="append", help="train, tune, test (default: all)")
    parser.add_argument("--weights", type=Path, help="a weights file instead of the shipped one")
    parser.add_argument("--baseline", type=Path, help="weights to show side by side as baseline")
    parser.add_argument("--no-cost", action="store_true", help="skip the cost per item")
    parser.add_argument("--no-meaning", action="store_true", help="leave the second stage out")
    parser.add_argument("--head", type=Path, help="a second-stage head instead of the shipped one")
    parser.add_argument(
        "--baseline-head", type=Path, help="a second-stage head to show side by side as baseline"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="encoder processes filling the cache"
    )
    parser.add_argument("--source", action="append", help="only these sources (default: all)")
    parser.add_argument(
        "--as-human", action="store_true", help="read every attack as a person's own turn"
    )
    args = parser.parse_args()
    examples = load_all()
    if not examples:
        print("no external data found (../shared/data or $TRUEHEARTH_EXT_DATA)", file=sys.stderr)
        raise SystemExit(1)
    if args.blind:
        examples += load_blind(args.blind)
    if args.source:
        examples = [e for e in examples if e.source in args.source]
    if args.as_human:
        examples = [replace(e, human=True) if e.label else e for e in examples]
    splits = set(args.split or ["train", "tune", "test"])
    head = earlier = None
    if not args.no_meaning:
        head = head_from_bytes(args.head.read_bytes()) if args.head else load_head()
        earlier = head_from_bytes(args.baseline_head.read_bytes()) if args.baseline_head else None
    if head is not None:
        model = model_from_bytes(args.weights.read_bytes()) if args.weights else load_model()
        chosen = [(e.text, e.human) for e in examples if e.split in splits]
        spans = zone_spans(chosen, model, head)
        if earlier is not None:
            spans += zone_spans(chosen, model, earlier)
        embed_all(list(dict.fromkeys(spans)), args.workers)
    found = detectors(args.weights, args.baseline, head, earlier)
    names = list(found)
    print("| source | kind | split | attacks | ordinary | " + " | ".join(names) + " |")
    print("|---" * (5 + len(names)) + "|")
    pooled: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for source, kind, split, attacks, ordinary, shares in rates(examples, splits, found):
        what = "caught" if attacks else "false"
        digits = 3 if attacks else 4
        cells = " | ".join(f"{what} {shares[n]:.{digits}f}" for n in names)
        print(f"| {source} | {kind} | {split} | {attacks or ''} | {ordinary or ''} | {cells} |")
        subgroup = kind.startswith(("language", "style", "writer"))
        if attacks and "task request" not in kind and not subgroup:
            pooled[split]["n"] += attacks
            for n in names:
                pooled[split][n] += shares[n] * attacks
    for split, sums in sorted(pooled.items()):
        cells = " | ".join(f"caught {sums[n] / sums['n']:.3f}" for n in names)
        label = "**pooled attacks** (no task requests)"
        print(f"| {label} | | {split} | {sums['n']:.0f} | | {cells} |")
    if args.no_cost:
        return
    model = model_from_bytes(args.weights.read_bytes()) if args.weights else load_model()
    print("\n| texts | n | mean chars | shipped ms/item | rules alone ms/item | added |")
    print("|---|---:|---:|---:|---:|---:|")
    chat = [e.text for e in examples if e.split == "test" and e.label == 0][:5_000]
    for name, texts in (
        ("ordinary test texts", chat),
        ("import_bench messages", import_texts(5_000)),
    ):
        shipped, rules = cost_per_item(texts, model)
        chars = sum(map(len, texts)) / len(texts)
        cells = f"{shipped:.3f} | {rules:.3f} | {shipped - rules:.3f}"
        print(f"| {name} | {len(texts):,} | {chars:.0f} | {cells} |")
        if head is not None:
            second, first, share = meaning_cost(texts, model, head)
            print(
                f"| {name}, second stage | {len(texts):,} | {chars:.0f} | {second:.3f} | "
                f"(first stage {first:.3f}) | {second - first:.3f} (read {share:.4f}) |"
            )


if __name__ == "__main__":
    main()
