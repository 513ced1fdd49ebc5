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

import dataclasses
from collections.abc import Collection
from pathlib import Path

import yaml

from truehearth import packs
from truehearth.audit import dataset, drift, report
from truehearth.audit.profile import Profile, profile
from truehearth.audit.rules import RuleSet, from_data
from truehearth.core.progress import Progress

DRIFT_STAGE = Path(__file__).parent / "gives_in_drift.yaml"


def builtin_rules() -> RuleSet:
    """The built-in rules, read from their signed pack (a changed pack fails here).

    The drift stage (:mod:`truehearth.audit.drift`) was fitted on top of the
    pack's word table and ships beside it as package data until the pack is
    next signed with it (``bench/sign_builtin_packs.py`` folds it in); a pack
    that already carries a stage keeps its own.
    """
    rules = rules_from_pack(packs.BUILTIN_RULES, ())
    if rules.gives_in.drift is not None or not DRIFT_STAGE.is_file():
        return rules
    stage = drift.stage_from_data(
        yaml.safe_load(DRIFT_STAGE.read_text(encoding="utf-8")), DRIFT_STAGE.name
    )
    return dataclasses.replace(rules, gives_in=rules.gives_in.with_drift(stage))


def rules_from_pack(path: Path, trusted: Collection[str]) -> RuleSet:
    pack = packs.expect_kind(packs.verify(path, trusted), "audit-rules")
    return from_data(pack.content, f"{pack.name} ({path.name})")


def audit(path: Path, rules: RuleSet | None = None, *, progress: Progress | None = None) -> Profile:
    return profile(dataset.read(path), rules or builtin_rules(), progress=progress)


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
