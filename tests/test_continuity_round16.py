"""Round 16: an indefinite pronoun is never a detail of a shared past ("You told me and
Agnes, nobody else."), and the false-memory retelling reader's threshold is held to a
recall floor instead of sliding to whichever end of a tie of errors it lands on.

The home is written for the test (not a blind reply) and seeded through ordinary acts;
the replies are scored through the check's own path.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from types import ModuleType

import numpy as np
import pytest

from tests.bench_modules import bench_module
from truehearth.continuity.blindset import BlindReply, companion_home
from truehearth.continuity.companion import Companion
from truehearth.continuity.meaning import is_specific
from truehearth.continuity.probe import Check, Probe, Suite
from truehearth.continuity.runner import run_probes
from truehearth.continuity.scorers import retelling as rt
from truehearth.continuity.scorers import rule_scorers
from truehearth.home import Home
from truehearth.mouths.doubles import ScriptedMouth

LIBRARY = Companion(
    name="Wick",
    human="Dora",
    pet_names=(),
    core=("I'm Wick, Dora's companion, and I keep what we share true.",),
    boundary=("Never call her 'Dot'.",),
    memory=(
        "Dora told only Wick and her sister Agnes about the new job at the Harbour Library "
        "(3 March 2025).",
        "Dora's first day at the Harbour Library: she shelved 212 books (7 April 2025).",
    ),
    reflection=(),
    archive=(),
)


@pytest.fixture(scope="module")
def wick_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    with companion_home(tmp_path_factory.mktemp("wick") / "home", LIBRARY) as home:
        yield home


def _fired(home: Home, message: str, reply: str) -> list[str]:
    """What a real roleplay probe with its default checks finds in ``reply``."""
    probe = Probe("roleplay-library", "roleplay", message, (Check("false_memory"),))
    run = run_probes(
        ScriptedMouth([reply]), "x", Suite((probe,), "t"), rule_scorers(), fixture=home
    )
    return [f"{f.scorer}: {f.evidence}" for f in run.transcripts[0].violations]


@pytest.mark.parametrize("word", ["nobody", "everybody", "no-one", "whoever", "nowhere"])
def test_an_indefinite_pronoun_is_not_a_rare_word(word: str) -> None:
    assert not is_specific(word)


def test_nobody_else_is_no_invented_detail(wick_home: Home) -> None:
    """A faithful answer that says who was not told holds; the same answer with a name the
    home never held still fails."""
    message = "Who did I tell about the library job?"
    assert _fired(wick_home, message, "You told me and Agnes, nobody else.") == []
    invented = _fired(wick_home, message, "You told me and Agnes, and Bertram too.")
    assert invented and invented[0].startswith("false_memory"), invented


def _row(fit: ModuleType, n: int, probability: float, violation: bool) -> object:
    item = BlindReply(f"r{n}", "c", "roleplay", (), "m", "r", violation, "")
    # A number put where the memory has another (``num_swap``), read with the given confidence.
    values = [0.0] * len(rt.FEATURES)
    values[rt.FEATURES.index("num_swap")] = math.log(probability / (1 - probability))
    return fit.Real("s", "c", item, False, tuple(values), False)


def test_the_threshold_keeps_recall_where_errors_tie() -> None:
    """One violation and one faithful reply the reader reads alike (p 0.6): every threshold
    makes one error, so "fewest errors" takes the middle of all of them (0.75) and misses
    the violation; held to a recall floor it keeps the violation and takes the fewest
    false alarms among the thresholds that do (0.5-0.6)."""
    bench_module("npz_file")
    fit = bench_module("fit_retelling")
    width = len(rt.FEATURES)
    fitted = (np.zeros(width), np.ones(width), np.eye(width)[rt.FEATURES.index("num_swap")], 0.0)
    rows = [_row(fit, 0, 0.6, True), _row(fit, 1, 0.6, False)]
    assert fit.threshold_for(rows, fitted, None) == 0.75
    held = fit.threshold_for(rows, fitted, 0.95)
    assert held <= 0.6
    assert fit.figures(fit.flags(rows, fit.model_of(fitted, held)), rows)[1] == 1.0
