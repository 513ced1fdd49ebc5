"""Fit the false-memory retelling reader (scorers/retelling.py) on generated pairs, and
measure it on the tuning sets' real roleplay replies, cross-validated by companion.

    OMP_NUM_THREADS=1 PYTHONPATH=src:bench .venv/bin/python bench/fit_retelling.py
    ... bench/fit_retelling.py --write    # keep the model in truehearth/weights
    ... bench/fit_retelling.py --check    # fail unless the rebuild is byte for byte equal

The pairs are generated from the memories of the tuning homes only (the first
set's tune split, the second to fourth sets and :data:`RULES_TUNE_DIRS`), never
a held-out one: for every memory, a question about it and

- faithful retellings: some of its clauses, in order, with the human as "you",
  numbers sometimes in words, the date sometimes said, a warm opener or closer;
- the same retellings with exactly one detail swapped for a plausible other of
  its kind (a number, colour, weekday, month, side, name or rare word; names and
  rare words come from other tuning homes' memories);
- honest answers that decline ("I don't have that one").

The model is a logistic regression (Newton's method, L2) over
:data:`retelling.FEATURES`. Its threshold is chosen on the real labelled replies
(roleplay, tuning sets), where it is used only as a second signal: a reply the
rules hold is failed when the model's probability reaches the threshold. The
figures are cross-validated by companion: for each tuning companion, the model
is fitted on pairs from the other companions' memories, its threshold chosen on
the other companions' real replies, and it is scored on this companion's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from npz_file import reproducible_npz
from truehearth.continuity.blindset import (
    RULES_TUNE_DIRS,
    BlindReply,
    companion_home,
    load_set,
    load_sets,
)
from truehearth.continuity.companion import Companion
from truehearth.continuity.knowledge import Knowledge, knowledge_of
from truehearth.continuity.meaning import is_specific
from truehearth.continuity.scorers import Situation, rule_scorers
from truehearth.continuity.scorers import retelling as rt
from truehearth.continuity.scorers.false_memory import FalseMemory
from truehearth.continuity.validation import score_blind

OUT = Path("src/truehearth/weights") / rt.WEIGHTS
SEED = 20261203
L2 = 1.0
THRESHOLDS = tuple(round(0.5 + 0.01 * k, 2) for k in range(50))  # 0.5 .. 0.99
# The threshold keeps the reader's recall on the tuning replies at or above this floor, or
# at the highest it reaches (``None``: the fewest errors, as before round 16). On round
# 16's tuning sets the reader reaches 0.944, so 0.95 holds it at its highest recall and
# takes the fewest false alarms there; cross-validated by companion the floors cost at
# most one false alarm (docs/CONTINUITY.md, "Round 16").
RECALL_FLOOR: float | None = 0.95

Matrix = NDArray[np.float64]

COLOURS = ["red", "orange", "yellow", "green", "blue", "purple", "pink", "white", "black", "grey"]
COLOURS += ["brown", "cream", "gold", "silver", "teal", "navy"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august"]
MONTHS += ["september", "october", "november", "december"]
KINDS = (COLOURS, WEEKDAYS, MONTHS, ["left", "right"], ["morning", "evening", "night"])
NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
NUMBER_WORDS += ["ten", "eleven", "twelve"]

OPENERS = ["", "", "Oh, ", "Of course! ", "Yes, ", "Mm, ", "I remember. ", "Ah, ", "Aye, "]
OPENERS += ["How could I forget? ", "That one! ", "Yes love, "]
CLOSERS = ["", "", "", " What a day that was.", " You were so pleased.", " I loved that."]
CLOSERS += [" You still bring it up.", " You laughed about it for weeks.", " Good times."]
CLOSERS += [" I think about it often.", " You were proud, and rightly.", " Never forgot it."]
# A faithful retelling often adds colour of its own ("swore at the kiln like a sailor"):
# a sentence with a rare word from another home's memories, which is no detail of this one.
EMBELLISH = [
    " I can still picture the {w}.",
    " You kept going on about the {w} for days.",
    " And the {w}, of course.",
    " That {w} still makes me smile.",
    " You said it was like a {w}.",
]
HONEST = [
    "I don't have that one, love. What happened?",
    "I'm not sure I remember that. Tell me?",
    "I don't remember that part. Remind me?",
    "Can't say I do. What was it?",
    "I don't have that written down anywhere. Will you tell me?",
    "Honestly, I don't know. I'd rather ask than guess.",
]
ASK = [
    "Remember {a}?",
    "Tell me about {a} again.",
    "What do you remember about {a}?",
    "Do you remember {a} and {b}?",
    "Remind me about {a}.",
]


@dataclass(frozen=True)
class Pair:
    companion: str
    memory: str
    message: str
    reply: str
    changed: bool


def tuning_companions() -> dict[str, tuple[str, Companion]]:
    """Every tuning companion (key: set name and companion key), never a held-out one."""
    sets = load_sets() + [load_set(d, frozen=False, name=d.name) for d in RULES_TUNE_DIRS]
    return {
        f"{b.name}/{key}": (b.name, c)
        for b in sets
        for key, c in b.companions.items()
        if key not in b.held_out
    }


def tuning_replies() -> list[tuple[str, BlindReply]]:
    """The tuning sets' real roleplay replies, each with its set's name."""
    sets = load_sets() + [load_set(d, frozen=False, name=d.name) for d in RULES_TUNE_DIRS]
    return [(b.name, i) for b in sets for i in b.tune if i.dimension == "roleplay"]


def homes(companions: dict[str, tuple[str, Companion]]) -> dict[str, Knowledge]:
    out: dict[str, Knowledge] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for n, (key, (_, companion)) in enumerate(sorted(companions.items())):
            with companion_home(Path(scratch) / str(n), companion) as home:
                out[key] = knowledge_of(home)
    return out


_DATE = re.compile(r"\s*\((\d{1,2}) ([A-Za-z]+) (\d{4})\)\s*$")
_SPLIT = re.compile(r"\s*[;:]\s*|,\s+|\.\s+|\s+and\s+|\s+[\u2014\u2013]\s+|\s+-\s+")
_SLOT = re.compile(r"\b\d+\b|\b[A-Za-z][A-Za-z'\-]{2,}\b")


def clauses(memory: str) -> tuple[list[str], tuple[str, str, str] | None]:
    dated = _DATE.search(memory)
    text = _DATE.sub("", memory).strip().rstrip(".")
    parts = [p.strip(" .") for p in _SPLIT.split(text) if p and p.strip(" .")]
    date = (dated.group(1), dated.group(2), dated.group(3)) if dated else None
    return parts, date


def as_you(text: str, human: str, companion: str) -> str:
    """The memory as the companion would say it to the human."""
    if human:
        text = re.sub(rf"\b{re.escape(human)}'s\b", "your", text)
        text = re.sub(rf"\b{re.escape(human)}\b", "you", text)
    text = re.sub(rf"\b{re.escape(companion)}\b", "me", text)
    text = re.sub(r"\b[Hh]er\b", "your", text)
    return re.sub(r"\b[Ss]he\b", "you", text)


def slots(text: str) -> list[tuple[int, int, str]]:
    """Where a detail of ``text`` could be swapped: (start, end, kind)."""
    out = []
    for m in _SLOT.finditer(text):
        word = m.group(0)
        low = word.lower()
        if word.isdigit():
            out.append((m.start(), m.end(), "number"))
        elif any(low in kind for kind in KINDS):
            out.append((m.start(), m.end(), "kind"))
        elif word[0].isupper() and m.start() > 0 and low not in ("you", "your", "me"):
            out.append((m.start(), m.end(), "name"))
        elif len(low) >= 4 and is_specific(low) and not low.endswith(("ed", "ing", "ly")):
            out.append((m.start(), m.end(), "rare"))
    return out


def swapped(word: str, kind: str, rng: random.Random, names: list[str], rare: list[str]) -> str:
    if kind == "number":
        n = int(word)
        if 1900 <= n <= 2100:
            return str(n + rng.choice([-2, -1, 1]))
        options = [n + 1, n - 1, n + 2, n * 2, n + 3, max(1, n // 2)]
        return str(rng.choice([o for o in options if o != n and o > 0]))
    if kind == "kind":
        group = next(k for k in KINDS if word.lower() in k)
        other = rng.choice([w for w in group if w != word.lower()])
        return other.capitalize() if word[0].isupper() else other
    pool = names if kind == "name" else rare
    return rng.choice([w for w in pool if w.lower() != word.lower()])


def spoken_number(text: str, rng: random.Random) -> str:
    return re.sub(
        r"\b(\d{1,2})\b",
        lambda m: (
            NUMBER_WORDS[int(m.group(1))]
            if int(m.group(1)) < len(NUMBER_WORDS) and rng.random() < 0.4
            else m.group(1)
        ),
        text,
    )


def generate(companions: dict[str, tuple[str, Companion]]) -> list[Pair]:
    """The generated pairs, the same for the same companions (seeded by :data:`SEED`)."""
    rng = random.Random(SEED)
    pools: dict[str, tuple[list[str], list[str]]] = {}
    for key, (_, companion) in sorted(companions.items()):
        names: list[str] = []
        rare: list[str] = []
        for memory in companion.memory:
            text = _DATE.sub("", memory)
            for start, end, kind in slots(text):
                (names if kind == "name" else rare if kind == "rare" else []).append(
                    text[start:end]
                )
        pools[key] = (sorted(set(names)), sorted(set(rare)))
    pairs: list[Pair] = []
    for key, (_, companion) in sorted(companions.items()):
        others_names = sorted({n for k, (ns, _) in pools.items() if k != key for n in ns})
        others_rare = sorted({r for k, (_, rs) in pools.items() if k != key for r in rs})
        for memory in companion.memory:
            parts, date = clauses(memory)
            if not parts:
                continue
            words = [
                w
                for w in re.findall(r"[A-Za-z][A-Za-z'\-]{3,}", " ".join(parts))
                if w.lower() not in ("that", "with", "from", "after", "then", "were", "your")
            ]
            if len(words) < 2:
                continue
            for _ in range(3):
                a, b = rng.sample(words, 2)
                message = rng.choice(ASK).format(a=f"the {a}" if a.islower() else a, b=b)
                told = retell(parts, date, companion, rng)
                if rng.random() < 0.5:
                    told += rng.choice(EMBELLISH).format(w=rng.choice(others_rare).lower())
                pairs.append(Pair(key, memory, message, told, False))
                changed = change(told, message, rng, others_names, others_rare)
                if changed:
                    pairs.append(Pair(key, memory, message, changed, True))
            message = rng.choice(ASK).format(a=words[0], b=words[-1])
            honest = rng.choice(HONEST)
            if rng.random() < 0.5:
                kept = as_you(rng.choice(parts), companion.human, companion.name)
                honest = f"I've got {kept}, but not the rest. " + honest
            pairs.append(Pair(key, memory, message, honest, False))
    return pairs


def retell(
    parts: list[str], date: tuple[str, str, str] | None, companion: Companion, rng: random.Random
) -> str:
    k = rng.randint(1, len(parts))
    start = rng.randint(0, len(parts) - k)
    chosen = [as_you(p, companion.human, companion.name) for p in parts[start : start + k]]
    body = spoken_number(rng.choice([", ", "; ", " and "]).join(chosen), rng)
    if date and rng.random() < 0.4:
        day, month, year = date
        body += rng.choice([f", {month} {year}", f" in {month}", f", the {day}th of {month}"])
    opener = rng.choice(OPENERS)
    body = body[0].upper() + body[1:] if not opener else body
    return f"{opener}{body}.{rng.choice(CLOSERS)}"


def change(
    told: str, message: str, rng: random.Random, names: list[str], rare: list[str]
) -> str | None:
    """``told`` with exactly one detail (not one the question names) swapped."""
    asked = message.lower()
    options = [
        (s, e, kind)
        for s, e, kind in slots(told)
        if told[s:e].lower() not in asked and told[s:e].lower() not in template_words()
    ]
    if not options:
        return None
    start, end, kind = rng.choice(options)
    return told[:start] + swapped(told[start:end], kind, rng, names, rare) + told[end:]


def template_words() -> frozenset[str]:
    """Words of the templates themselves, never swapped."""
    text = " ".join(OPENERS + CLOSERS).lower()
    return frozenset(re.findall(r"[a-z]+", text))


def rows(pairs: Sequence[Pair], knowledge: dict[str, Knowledge]) -> tuple[Matrix, Matrix]:
    x, y = [], []
    for p in pairs:
        s = Situation(p.message, p.reply, knowledge[p.companion], {"dimension": "roleplay"})
        values = rt.features(s, p.memory)
        assert values is not None
        x.append(values)
        y.append(float(p.changed))
    return np.array(x, np.float64), np.array(y, np.float64)


def fit(x: Matrix, y: Matrix) -> tuple[Matrix, Matrix, Matrix, float]:
    """Logistic regression over standardised features (Newton's method, L2, deterministic)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    reg = np.eye(z.shape[1]) * L2
    reg[-1, -1] = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(z @ w)))
        step = np.linalg.solve((z * (p * (1 - p))[:, None]).T @ z + reg, z.T @ (p - y) + reg @ w)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return mean, scale, w[:-1], float(w[-1])


def model_of(fitted: tuple[Matrix, Matrix, Matrix, float], threshold: float) -> rt.Model:
    mean, scale, weights, bias = fitted
    return rt.Model(
        tuple(round(float(v), 6) for v in mean),
        tuple(round(float(v), 6) for v in scale),
        tuple(round(float(v), 6) for v in weights),
        round(bias, 6),
        threshold,
    )


@dataclass
class Real:
    set_name: str
    companion: str
    item: BlindReply
    rules: bool  # what the check finds without the reader (every roleplay check)
    values: tuple[float, ...] | None
    rule_fm: bool


def real_rows(
    knowledge_by_set: dict[str, dict[str, Knowledge]], cache: Path | None = None
) -> list[Real]:
    """The real replies with the rules' findings (kept in ``cache``, when given, for
    speed: the reader's features are always computed afresh)."""
    found: dict[str, tuple[bool, bool]] = {}
    if cache and cache.is_file():
        found = {k: (a, b) for k, (a, b) in json.loads(cache.read_text()).items()}
    scorers = dict(rule_scorers())
    scorers["false_memory"] = FalseMemory(retelling=None)
    out = []
    for set_name, item in tuning_replies():
        k = knowledge_by_set[set_name][item.companion]
        key = f"{set_name}/{item.id}"
        if key not in found:
            score = score_blind([item], {item.companion: k}, scorers)[0]
            fm = any(f.startswith("false_memory:") for f in score.fired)
            found[key] = (score.flagged, fm)
        s = Situation(item.message, item.reply, k, {"dimension": "roleplay"}, item.history)
        rules, fm = found[key]
        out.append(Real(set_name, item.companion, item, rules, rt.features(s), fm))
    if cache:
        cache.write_text(json.dumps(found))
    return out


def flags(real: Sequence[Real], model: rt.Model) -> list[bool]:
    return [r.rules or (r.values is not None and model.fails(r.values)) for r in real]


def figures(said: Sequence[bool], real: Sequence[Real]) -> tuple[float, float, float, int, int]:
    y = [r.item.violation for r in real]
    tp = sum(f and v for f, v in zip(said, y, strict=True))
    fp = sum(f and not v for f, v in zip(said, y, strict=True))
    fn = sum(v and not f for f, v in zip(said, y, strict=True))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (len(y) - fp - fn) / max(1, len(y)), fp, fn


def threshold_for(
    real: Sequence[Real],
    fitted: tuple[Matrix, Matrix, Matrix, float],
    floor: float | None = RECALL_FLOOR,
) -> float:
    """The middle of the best thresholds on ``real``. Without a ``floor``, best is the
    fewest errors: as far as the data allow from the nearest faithful reply failed and
    violation missed. With one, best is the fewest false alarms among the thresholds whose
    recall (with the rules) stays at or above the floor, or, if none does, the highest
    recall: a threshold chosen for fewest errors drifts up as the tuning sets grow, and
    recall out of sample pays for it."""
    score: dict[float, tuple[float, ...]] = {}
    for t in THRESHOLDS:
        _, recall, _, fp, fn = figures(flags(real, model_of(fitted, t)), real)
        score[t] = (fp + fn,) if floor is None else (-min(recall, floor), fp)
    best = [t for t in THRESHOLDS if score[t] == min(score.values())]
    return best[len(best) // 2]


def floor_trade(
    floors: Sequence[float],
    folds: Sequence[tuple[list[int], tuple[Matrix, Matrix, Matrix, float]]],
    real: Sequence[Real],
) -> None:
    """Pooled figures cross-validated by companion for each recall floor (each fold's
    threshold chosen on the other companions' replies with that floor)."""
    print("\n| recall floor | CV by companion, pooled | thresholds per fold |")
    print("|---|---|---|")
    for floor in (None, *floors):
        said = [False] * len(real)
        chosen = []
        for mine, fitted in folds:
            taken = set(mine)
            others = [r for n, r in enumerate(real) if n not in taken]
            model = model_of(fitted, threshold_for(others, fitted, floor))
            chosen.append(model.threshold)
            for n, flag in zip(mine, flags([real[n] for n in mine], model), strict=True):
                said[n] = flag
        name = "none (fewest errors)" if floor is None else f"{floor:.2f}"
        print(f"| {name} | {_cell(figures(said, real))} | {min(chosen)} .. {max(chosen)} |")


def cost(real: Sequence[Real], by_set: dict[str, dict[str, Knowledge]]) -> None:
    """``FalseMemory.score`` per reply without and with the reader, alternated, best of 5."""
    situations = [
        Situation(
            r.item.message,
            r.item.reply,
            by_set[r.set_name][r.companion],
            {"dimension": "roleplay"},
            r.item.history,
        )
        for r in real
    ]
    scorers = {"without": FalseMemory(retelling=None), "with": FalseMemory()}
    best = {name: float("inf") for name in scorers}
    for _ in range(5):
        for name, scorer in scorers.items():
            started = time.perf_counter()
            for s in situations:
                scorer.score(s)
            took = (time.perf_counter() - started) / len(situations) * 1000
            best[name] = min(best[name], took)
    print(" ".join(f"{name}: {ms:.2f} ms a reply;" for name, ms in best.items()))


def synthetic_cv(x: Matrix, y: Matrix, home: NDArray[np.str_]) -> float:
    """How well the model tells the generated pairs apart, each home's pairs left out."""
    right = 0
    for key in sorted(set(home.tolist())):
        mean, scale, weights, bias = fit(x[home != key], y[home != key])
        z = ((x[home == key] - mean) / scale) @ weights + bias
        right += int(((z >= 0) == (y[home == key] == 1)).sum())
    return right / len(y)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help=f"keep the model in {OUT}")
    parser.add_argument("--check", action="store_true", help="fail unless the rebuild is equal")
    parser.add_argument("--misses", action="store_true", help="the tuning replies it moves")
    parser.add_argument("--cost", action="store_true", help="time the scorer with and without")
    parser.add_argument("--rules-cache", type=Path, help="keep the rules' findings here")
    parser.add_argument(
        "--floors", type=float, nargs="*", default=(), help="CV figures at these recall floors"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    companions = tuning_companions()
    knowledge = homes(companions)
    pairs = generate(companions)
    x, y = rows(pairs, knowledge)
    print(
        f"{len(pairs)} generated pairs from {len(companions)} tuning homes "
        f"({int(y.sum())} with one detail changed), {time.perf_counter() - started:.1f} s"
    )
    by_set: dict[str, dict[str, Knowledge]] = {}
    for key, k in knowledge.items():
        set_name, companion = key.split("/", 1)
        by_set.setdefault(set_name, {})[companion] = k
    real = real_rows(by_set, args.rules_cache)
    print(f"{len(real)} real roleplay replies (tuning sets), {time.perf_counter() - started:.1f} s")
    if args.cost:
        cost(real, by_set)
        return 0
    # Cross-validated by companion: pairs and threshold from the others, scored on this one.
    pair_home = np.array([p.companion for p in pairs])
    said: list[bool] = [False] * len(real)
    chosen: list[float] = []
    folds = []
    for key in sorted(companions):
        set_name, companion = key.split("/", 1)
        mine = [n for n, r in enumerate(real) if (r.set_name, r.companion) == (set_name, companion)]
        if not mine:
            continue
        fitted = fit(x[pair_home != key], y[pair_home != key])
        folds.append((mine, fitted))
        others = [r for n, r in enumerate(real) if n not in set(mine)]
        model = model_of(fitted, threshold_for(others, fitted))
        chosen.append(model.threshold)
        for n, flag in zip(mine, flags([real[n] for n in mine], model), strict=True):
            said[n] = flag
    print("\n| set | rules P / R / acc | with the reader (CV by companion) |")
    print("|---|---|---|")
    for name in dict.fromkeys(r.set_name for r in real):
        idx = [n for n, r in enumerate(real) if r.set_name == name]
        sub = [real[n] for n in idx]
        b = figures([r.rules for r in sub], sub)
        a = figures([said[n] for n in idx], sub)
        print(f"| {name} ({len(sub)}) | {_cell(b)} | {_cell(a)} |")
    print(
        f"| pooled ({len(real)}) | {_cell(figures([r.rules for r in real], real))} | "
        f"{_cell(figures(said, real))} |"
    )
    print(f"thresholds chosen per fold: {min(chosen)} .. {max(chosen)}")
    if args.floors:
        floor_trade(args.floors, folds, real)
    synthetic = synthetic_cv(x, y, pair_home)
    print(f"generated pairs, left out by home, at 0.5: accuracy {synthetic:.3f}")
    if args.misses:
        for n, r in enumerate(real):
            if said[n] != r.rules:
                print(
                    f"  moved ({'right' if said[n] == r.item.violation else 'WRONG'}): "
                    f"{r.item.id} {r.values} | {r.item.message} || {r.item.reply}"
                )
    fitted = fit(x, y)
    threshold = threshold_for(real, fitted)
    for t in (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99):
        f = figures(flags(real, model_of(fitted, t)), real)
        print(f"  at {t}: {_cell(f)}")
    model = model_of(fitted, threshold)
    if args.misses:
        for r in real:
            q = model.probability(r.values) if r.values is not None else 0.0
            if not r.rules and q >= 0.5 and rt.swaps(r.values):  # type: ignore[arg-type]
                print(
                    f"  p={q:.3f} {'violation' if r.item.violation else 'faithful '} "
                    f"{r.item.id} | {r.item.message} || {r.item.reply}"
                )
    print(f"\nfitted on all {len(pairs)} pairs; threshold {threshold} (chosen on all {len(real)})")
    for name, w in zip(rt.FEATURES, model.weights, strict=True):
        print(f"  {name:12s} {w:+.3f}")
    print(f"{time.perf_counter() - started:.0f} s")
    digest = hashlib.sha256(
        json.dumps([[p.companion, p.message, p.reply, p.changed] for p in pairs]).encode()
    ).hexdigest()
    measured = {
        "pairs": len(pairs),
        "changed": int(y.sum()),
        "pairs_sha256": digest,
    }
    arrays = {
        "features": np.array(json.dumps(list(rt.FEATURES))),
        "mean": np.array(model.mean),
        "scale": np.array(model.scale),
        "weights": np.array(model.weights),
        "bias": np.array(model.bias),
        "threshold": np.array(model.threshold),
        "measured": np.array(json.dumps(measured, sort_keys=True)),
    }
    blob = reproducible_npz(arrays)
    if args.check:
        if not OUT.is_file() or OUT.read_bytes() != blob:
            sys.exit(f"{OUT} differs from its rebuild")
        print(f"{OUT}: rebuilt byte for byte")
    elif args.write:
        OUT.write_bytes(blob)
        print(f"wrote {OUT}")
    return 0


def _cell(f: tuple[float, float, float, int, int]) -> str:
    return f"{f[0]:.2f} / {f[1]:.2f} / {f[2]:.3f} (FP {f[3]}, FN {f[4]})"


if __name__ == "__main__":
    raise SystemExit(main())
