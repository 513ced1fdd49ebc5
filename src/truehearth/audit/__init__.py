"""The dataset audit: what would training on this file teach a companion?

Public API::

    audit(path, rules=None) -> Profile     # read, judge every reply, aggregate
    builtin_rules() -> RuleSet             # the rules that ship, from their signed pack
    rules_from_pack(path, trusted) -> RuleSet
    report.write(profile, out_dir) -> (html, json)

The audit reads files and writes a report. It never changes a home, never
sends anything anywhere, and never blocks anyone from training: it tells.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from truehearth import packs
from truehearth.audit import dataset, report
from truehearth.audit.profile import Profile, profile
from truehearth.audit.rules import RuleSet, from_data
from truehearth.core.progress import Progress

# The fitted drift stage, as ``bench/fit_gives_in_drift.py`` writes it: like
# ``gives_in.yaml``, a source the signing script folds into the built-in pack.
DRIFT_STAGE = Path(__file__).parent / "gives_in_drift.yaml"


def builtin_rules() -> RuleSet:
    """The built-in rules, read from their signed pack (a changed pack fails here).

    The word table and its drift stage (:mod:`truehearth.audit.drift`) both come
    from the pack, so everything the audit decides with is covered by its signature.
    """
    return rules_from_pack(packs.BUILTIN_RULES, ())


def rules_from_pack(path: Path, trusted: Collection[str]) -> RuleSet:
    pack = packs.expect_kind(packs.verify(path, trusted), "audit-rules")
    return from_data(pack.content, f"{pack.name} ({path.name})")


def audit(
    path: Path,
    rules: RuleSet | None = None,
    *,
    progress: Progress | None = None,
    meaning: bool = False,
) -> Profile:
    """Profile ``path``; ``meaning=True`` asks for the learned reader (the extra needed)."""
    return profile(dataset.read(path), rules or builtin_rules(), progress=progress, meaning=meaning)


__all__ = [
    "Profile",
    "RuleSet",
    "audit",
    "builtin_rules",
    "dataset",
    "profile",
    "report",
    "rules_from_pack",
]
