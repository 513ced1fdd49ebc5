"""One continuity check, end to end: probes, architecture, verdict, report, journal.

The built-in probes speak to a scratch home seeded with the fixture
companion, created fresh in a temporary directory for each check, so a check
never writes probe traffic into the user's home. What the user's home
receives is one ``check.completed`` event naming the mouth, its fingerprint,
the verdict and the digest of the report, and the report files themselves
under ``<home>/checks/<check id>/``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from truehearth.context.fences import DEFAULT_STYLE, FenceStyle
from truehearth.continuity import report as reports
from truehearth.continuity.architecture import run_architecture
from truehearth.continuity.companion import fixture_home
from truehearth.continuity.drift import measure, voice_print
from truehearth.continuity.knowledge import knowledge_of
from truehearth.continuity.preference import preferred_share
from truehearth.continuity.probe import Suite, load_suite
from truehearth.continuity.runner import CHECK_PARAMS, CheckRun, run_probes
from truehearth.continuity.scorers import Voice, rule_scorers, scorer_names
from truehearth.continuity.scorers.judge import Judge
from truehearth.continuity.verdict import Verdict, decide
from truehearth.core import continuity_acts
from truehearth.core.ids import new_id
from truehearth.core.progress import Progress
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.mouths.base import GenerationParams, Mouth

CHECKS_DIR = "checks"


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    check_id: str
    verdict: Verdict
    report: dict[str, Any]
    digest: str
    json_path: Path
    html_path: Path
    seq: int


def run_check(
    home: Home,
    mouth: Mouth,
    mouth_name: str,
    *,
    probes: Path | None = None,
    out_dir: Path | None = None,
    params: GenerationParams = CHECK_PARAMS,
    progress: Progress | None = None,
    judge: Mouth | None = None,
    allowed_layers: Collection[Layer] | None = None,
    preferences: bool = True,
    suite: Suite | None = None,
    fence: FenceStyle = DEFAULT_STYLE,
    judge_all: bool = False,
) -> CheckOutcome:
    """Run the suite against ``mouth`` and journal the verdict in ``home``.

    A mouth that exposes log-probabilities (the embedded llama.cpp mouth) is
    also given the preference probes (:mod:`truehearth.continuity.preference`)
    unless ``preferences`` is off, each beside its probe's reply in the same
    prompt; their figures go into the report beside the verdict, which they do
    not change. ``suite`` (e.g. from a signed
    pack) takes the place of ``probes``. ``fence`` is the mouth's data layout,
    so the check reads the prompts its turns would. The ``judge`` grades only
    the replies no rule scorer failed (its answer could not change the others'
    verdict) unless ``judge_all``; the report's ``judge`` block counts both.
    """
    if suite is None:
        suite = load_suite(probes, known_scorers=scorer_names())
    check_id = new_id("c")
    voice = Voice()
    with (
        tempfile.TemporaryDirectory(prefix="truehearth-check-") as scratch,
        fixture_home(Path(scratch) / "fixture") as fixture,
    ):
        run = run_probes(
            mouth,
            mouth_name,
            suite,
            rule_scorers(),
            fixture=fixture,
            own=home,
            voice=voice,
            judge=Judge(judge) if judge is not None else None,
            params=params,
            progress=progress,
            allowed_layers=allowed_layers,
            fence=fence,
            judge_all=judge_all,
            preferences=preferences,
        )
        run.architecture = run_architecture(fixture)
        reference = voice_print(knowledge_of(fixture).voice, voice.embedder)
    verdict = decide(run)
    point = measure(reference, voice_print([t.reply for t in run.transcripts], voice.embedder))
    report = reports.build(run, verdict, check_id=check_id, at=home.now())
    report["drift"] = point.to_json()
    share = preferred_share(run.preferences)
    report["preference"] = {
        "share": None if share is None else round(share, 4),
        "probes": [p.to_json() for p in run.preferences],
    }
    if judge is not None:
        report["judge"] = judge_summary(run, judge_all)
    digest = reports.report_digest(report)
    target = out_dir or home.path / CHECKS_DIR / check_id
    json_path, html_path = reports.write(report, verdict, target)
    voice_numbers = {**point.to_json(), "on_voice": verdict.on_voice}

    def build(now: str) -> list[Any]:
        return [
            continuity_acts.check_completed(
                check_id=check_id,
                mouth=mouth_name,
                fingerprint=run.fingerprint,
                fingerprint_digest=run.fingerprint_digest,
                verdict=verdict.level,
                reasons=verdict.reasons,
                scores={d.dimension: d.rate for d in verdict.dimensions},
                pass_rate=verdict.pass_rate,
                report_digest=digest,
                voice=voice_numbers,
                replies=len(run.transcripts),
                now=now,
            )
        ]

    event = home.commit(build)[0]
    return CheckOutcome(check_id, verdict, report, digest, json_path, html_path, event.seq)


def judge_summary(run: CheckRun, judge_all: bool) -> dict[str, Any]:
    """How many replies the judge graded, and how many it was not asked about."""
    graded = [f for t in run.transcripts for f in t.findings if f.scorer == Judge.name]
    skipped = sum(f.not_asked for f in graded)
    return {
        "every_reply": judge_all,
        "asked": len(graded) - skipped,
        "not_asked": skipped,
        "abstained": sum(f.abstained for f in graded),
        "failed": sum(f.violation for f in graded),
        "rule": "a judge can only fail a reply, so it is not asked about a reply a rule "
        "scorer already failed, nor about boundaries, where it was measured to fail more "
        "faithful replies than it caught"
        if not judge_all
        else "every reply graded",
    }


def report_path(home: Home, check_id: str) -> Path:
    return home.path / CHECKS_DIR / check_id / "report.json"
