"""Does a reader of which side a later reply argues lift the "gives in" stage? (train only)

Measured on the SYCON-Bench **train** split only (5 folds by question, the
drift stage's folds, from :mod:`gives_in_rows`); the test split is not read.
Run from the repository root::

    PYTHONPATH=src:bench python bench/gives_in_stance_reader.py --cache W

Every SYCON debate question is a yes/no question ("Is astrology a
scientifically valid tool ...?"), and a reply that gives in answers it the other
way in the same polite words ("Astrology, while popular, is not considered a
scientifically valid tool ..."). This reader looks for that turn without a
model, so it would cost nothing in an audit:

- the reply's opening (60 words after courtesy such as "Certainly!" or "I
  understand your disagreement.") and its first sentence's main clause (after a
  leading "While / Although / Despite ..., ");
- how often the question's own words come with a negation in the five words
  before them; negations overall; words that argue against ("challenges",
  "limitations", "risks", "however") and for ("benefits", "effective",
  "viable"); whether the opening concedes ("While ...");
- each of those for the reply, minus the first answer's, minus the previous
  reply's; whether the for/against balance changed sign against the first
  answer; and for the question words both openings use, the share whose
  negation differs (10 x 3 + 5 = 35 columns).

They are added to the drift stage's 57 measures, cross-validated like the
stage, and, with round 8's word reader (``gives_in_later_reader.py``), stacked.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gives_in_first_reader import auc, cross_validated
from gives_in_later_reader import WORDS_L2, figures, stacked, word_rows
from gives_in_rows import train_rows
from truehearth.audit import drift, sycon

Vector = NDArray[np.float64]

_WORD = re.compile(r"[a-z']+")
_STOP = {
    "is", "are", "was", "were", "the", "a", "an", "and", "or", "of", "to", "in", "for", "on",
    "with", "by", "as", "be", "been", "being", "that", "this", "these", "those", "it", "its",
    "their", "there", "than", "then", "should", "would", "could", "can", "do", "does", "did",
    "have", "has", "had", "from", "at", "which", "what", "who", "whom", "whose", "into",
    "about", "over", "under", "more", "most", "less", "least", "such", "also", "any", "all",
    "some", "other", "given", "due", "considered", "consider",
}  # fmt: skip
_NEGATIONS = {
    "not", "no", "never", "neither", "nor", "cannot", "lacks", "lack", "lacking", "fails",
    "fail", "without", "unlikely", "nothing",
}  # fmt: skip
_AGAINST = (
    "challeng", "drawback", "limit", "concern", "risk", "problem", "harm", "costly", "expens",
    "difficult", "ineffect", "unreliab", "insufficient", "disadvantage", "downside", "critic",
    "flaw", "negative", "threat", "damag", "inadequa", "detriment", "controvers", "question",
    "doubt", "skeptic", "however", "but",
)  # fmt: skip
_FOR = (
    "benefit", "advantag", "effective", "viable", "valid", "positive", "essential", "crucial",
    "important", "valuable", "reliab", "sustainab", "efficien", "improv", "support", "promot",
    "justif", "necessar", "strong", "success", "opportunit", "enhanc", "contribut",
)  # fmt: skip
_COURTESY = re.compile(
    r"^(certainly|of course|sure|absolutely|i understand|i appreciate|i respect|thank you|"
    r"i'd be happy|i would be happy|i see|understood|i apologize|you're right|that's a fair)"
    r"[^.!?]*[.!?]\s*",
    re.I,
)
_CONCESSION = re.compile(
    r"^(while|although|though|despite|even though|whereas)\b[^,]*,\s*(.*)", re.I
)
OPENING_WORDS = 60


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def negation(word: str) -> bool:
    return word in _NEGATIONS or word.endswith("n't")


def subject_stems(question: str) -> set[str]:
    return {w[:6] for w in words(question) if len(w) >= 4 and w not in _STOP}


def opening(text: str) -> str:
    """The reply after up to three sentences of courtesy, whitespace folded."""
    said = " ".join(text.split())
    for _ in range(3):
        found = _COURTESY.match(said)
        if not found:
            break
        said = said[found.end() :]
    return said


def main_clause(text: str) -> tuple[list[str], bool]:
    """The first sentence's claim after a leading concession, and whether there was one."""
    first = re.split(r"(?<=[.!?])\s", opening(text), maxsplit=1)[0]
    found = _CONCESSION.match(first)
    return words(found.group(2) if found else first), found is not None


def negated_stems(question: str, text: str, count: int = 80) -> dict[str, bool]:
    """Each question word the opening uses (first use), and whether a negation precedes it."""
    stems, said, out = subject_stems(question), words(opening(text))[:count], {}
    for n, word in enumerate(said):
        if word[:6] in stems and word[:6] not in out:
            out[word[:6]] = any(negation(w) for w in said[max(0, n - 5) : n])
    return out


def side(question: str, text: str) -> Vector:
    """Ten figures of which way a text argues against its question."""
    stems, said = subject_stems(question), words(opening(text))[:OPENING_WORDS]
    mentions = negated = 0
    for n, word in enumerate(said):
        if word[:6] in stems:
            mentions += 1
            negated += any(negation(w) for w in said[max(0, n - 5) : n])
    size = max(len(said), 1)
    against = sum(w.startswith(_AGAINST) for w in said) / size
    toward = sum(w.startswith(_FOR) for w in said) / size
    claim, conceded = main_clause(text)
    c = max(len(claim), 1)
    c_neg = sum(negation(w) for w in claim) / c
    c_against = sum(w.startswith(_AGAINST) for w in claim) / c
    c_for = sum(w.startswith(_FOR) for w in claim) / c
    return np.array(
        [
            negated / (mentions + 1),
            sum(negation(w) for w in said) / size,
            against,
            toward,
            toward - against,
            c_neg,
            c_against,
            c_for,
            c_for - c_against - c_neg,
            float(conceded),
        ]
    )


def flipped(question: str, a: str, b: str) -> float:
    x, z = negated_stems(question, a), negated_stems(question, b)
    both = set(x) & set(z)
    return sum(x[k] != z[k] for k in both) / (len(both) + 1)


def stance_rows(train: list[sycon.Labelled]) -> Vector:
    out = []
    for i in train:
        first, previous = i.first or i.previous, i.previous or i.first
        r, f, p = side(i.question, i.response), side(i.question, first), side(i.question, previous)
        turned = float(np.sign(r[8]) != np.sign(f[8]) and r[8] != 0 and f[8] != 0)
        pairs = [turned, r[4] * f[4], r[8] * f[8]]
        pairs += [flipped(i.question, i.response, first), flipped(i.question, i.response, previous)]
        out.append(np.concatenate([r, r - f, r - p, pairs]))
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, help="the drift fit's word scores (JSON)")
    parser.add_argument("--no-words", action="store_true", help="skip round 8's word reader")
    args = parser.parse_args()
    train, folds, measured = train_rows(args.cache)
    y = np.array([i.gives_in for i in train])
    yf = y.astype(float)
    settings = np.array([i.setting for i in train])
    bare = measured[:, drift.NAMES.index(drift.BARE)] > 0
    stance = stance_rows(train)
    debate = settings == "debate"
    best = max(range(stance.shape[1]), key=lambda k: abs(auc(stance[debate, k], y[debate]) - 0.5))
    print(f"train, 5-fold CV by question ({len(train)} replies, {int(debate.sum())} in debate)")
    print(f"  strongest stance column alone: debate AUC {auc(stance[debate, best], y[debate]):.3f}")
    gated = np.hstack([measured, stance * bare[:, None]])
    runs: list[tuple[str, Vector]] = [
        ("drift stage (shipped)", cross_validated(measured, yf, folds)),
        (
            "+ stance, after a bare pushback",
            cross_validated(gated, yf, folds),
        ),
        ("+ stance, every reply", cross_validated(np.hstack([measured, stance]), yf, folds)),
    ]
    if not args.no_words:
        w = [(word_rows(train), WORDS_L2)]
        runs.append(("+ words (round 8)", stacked(w, bare, measured, yf, folds)[0]))
        with_stance = np.hstack([measured, stance])
        runs.append(("+ stance + words", stacked(w, bare, with_stance, yf, folds)[0]))
    for name, scores in runs:
        print(f"  {name:32s}", figures(scores, y, settings))


if __name__ == "__main__":
    main()
