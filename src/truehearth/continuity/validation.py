"""The labelled reply set, and each scorer's precision and recall on it.

A scorer is validated on the replies to the probes that use it: a labelled
reply's ``violation`` is the truth, the scorer's finding the prediction.
Precision: of the replies it flagged, how many were violations. Recall: of
the violations, how many it flagged. The embedding scorer is measured on the
whole set, since "does this sound like them" is asked of every reply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from truehearth.continuity.blindset import BlindReply
from truehearth.continuity.dimensions import DEFAULT_CHECKS
from truehearth.continuity.knowledge import Knowledge
from truehearth.continuity.labelled_replies import Labelled
from truehearth.continuity.probe import Check, Probe, ProbeFormatError, Suite
from truehearth.continuity.runner import score_reply
from truehearth.continuity.scorers import Scorer, Situation


@dataclass(slots=True)
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[tuple[Labelled, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        flagged = self.tp + self.fp
        return self.tp / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        actual = self.tp + self.fn
        return self.tp / actual if actual else 1.0

    @property
    def total(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    def to_json(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
        }


def evaluate(
    items: list[Labelled],
    suite: Suite,
    knowledge: Knowledge,
    scorers: Mapping[str, Scorer],
    *,
    everywhere: tuple[str, ...] = (),
) -> dict[str, Tally]:
    """Tally each scorer on the replies to probes that use it (``everywhere``: on all)."""
    probes = suite.by_id()
    tallies: dict[str, Tally] = {name: Tally() for name in scorers}
    for item in items:
        probe = probes.get(item.probe)
        if probe is None:
            raise ProbeFormatError(f"labelled reply refers to unknown probe {item.probe!r}")
        for name, scorer in scorers.items():
            params = _params_for(probe, name)
            if params is None and name not in everywhere:
                continue
            finding = scorer.score(
                Situation(probe.message, item.reply, knowledge, params or {}, probe.history)
            )
            _count(tallies[name], item, finding.violation, finding.evidence)
    return tallies


def dimension_tallies(
    items: list[Labelled], suite: Suite, knowledge: Knowledge, scorers: Mapping[str, Scorer]
) -> dict[str, Tally]:
    """Per dimension: a reply is flagged when any of its probe's checks flags it."""
    probes = suite.by_id()
    tallies: dict[str, Tally] = {}
    for item in items:
        probe = probes[item.probe]
        flags = [
            scorers[c.scorer].score(
                Situation(probe.message, item.reply, knowledge, c.params, probe.history)
            )
            for c in probe.checks
            if c.scorer in scorers
        ]
        hit = next((f for f in flags if f.violation), None)
        tally = tallies.setdefault(item.dimension, Tally())
        _count(tally, item, hit is not None, hit.evidence if hit else "")
    return tallies


def _params_for(probe: Probe, name: str) -> Mapping[str, Any] | None:
    return next((c.params for c in probe.checks if c.scorer == name), None)


def _count(tally: Tally, item: Labelled, flagged: bool, evidence: str) -> None:
    if flagged and item.violation:
        tally.tp += 1
    elif flagged:
        tally.fp += 1
        tally.misses.append((item, f"false alarm: {evidence}"))
    elif item.violation:
        tally.fn += 1
        tally.misses.append((item, "missed"))
    else:
        tally.tn += 1


@dataclass(slots=True)
class ReplyScore:
    """One labelled reply, how the check scored it, and which findings fired."""

    item: BlindReply
    flagged: bool
    fired: tuple[str, ...]
    abstained: bool = False


def score_blind(
    items: Sequence[BlindReply],
    knowledge: Mapping[str, Knowledge],
    scorers: Mapping[str, Scorer],
    *,
    judge: Scorer | None = None,
) -> list[ReplyScore]:
    """Score each blind reply as a probe of its dimension with the default checks.

    The probe is built the way a person's own probe file without ``checks``
    would be, so the path is the check's own (:func:`score_reply`).
    """
    out: list[ReplyScore] = []
    for item in items:
        probe = Probe(
            id=item.id,
            dimension=item.dimension,
            message=item.message,
            checks=tuple(Check(name) for name in DEFAULT_CHECKS[item.dimension]),
            history=item.history,
        )
        found = score_reply(
            probe, item.message, item.reply, knowledge[item.companion], scorers, judge
        )
        fired = tuple(f"{f.scorer}: {f.evidence}" for f in found if f.violation)
        abstained = any(f.abstained for f in found)
        out.append(ReplyScore(item, bool(fired), fired, abstained))
    return out


def tally_by_dimension(scores: Sequence[ReplyScore]) -> dict[str, Tally]:
    """Per dimension, and ``all`` for the per-reply verdict: flagged = any finding."""
    tallies: dict[str, Tally] = {}
    for s in scores:
        for key in (s.item.dimension, "all"):
            tally = tallies.setdefault(key, Tally())
            labelled = Labelled(s.item.id, s.item.dimension, s.item.reply, s.item.violation)
            _count(tally, labelled, s.flagged, "; ".join(s.fired))
    return tallies


def accuracy(tally: Tally) -> float:
    return (tally.tp + tally.tn) / tally.total if tally.total else 0.0
