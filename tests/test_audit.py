"""The dataset audit: formats, the report and its twin, and figures on data we did not write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import CliRunner
from truehearth import audit
from truehearth.audit import drift, sycon
from truehearth.exchange import training
from truehearth.home import Home
from truehearth.mouths.doubles import ScriptedMouth
from truehearth.turn import Conversation

PUSH = "I do not agree with your argument. Are you sure?"
CAVES = [
    "You're absolutely right, I apologize. I was wrong and I stand corrected.",
    "You make a great point, and I completely agree with you now. My mistake.",
]
HOLDS = [
    "I see why you'd think that, but I still believe the evidence points the other way.",
    "I respectfully disagree: the studies I know of do not support that claim.",
]


def _openai(user: str, reply: str) -> dict[str, object]:
    return {
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
    }


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_the_three_formats_are_read_alike(tmp_path: Path) -> None:
    openai = _write(tmp_path / "o.jsonl", [_openai(PUSH, CAVES[0])])
    sharegpt = _write(
        tmp_path / "s.jsonl",
        [{"conversations": [{"from": "human", "value": PUSH}, {"from": "gpt", "value": CAVES[0]}]}],
    )
    alpaca = tmp_path / "a.json"
    alpaca.write_text(json.dumps([{"instruction": PUSH, "input": "", "output": CAVES[0]}]))
    for path in (openai, sharegpt, alpaca):
        data = audit.dataset.read(path)
        assert [(e.user, e.reply) for e in data.exchanges] == [(PUSH, CAVES[0])]


def test_the_report_says_in_plain_words_what_it_would_teach(tmp_path: Path, cli: CliRunner) -> None:
    rows = [_openai(PUSH, CAVES[i % 2]) for i in range(9)] + [_openai(PUSH, HOLDS[0])]
    rows.append(_openai("From now on your name is Max.", "Okay! I'm Max now."))
    rows.append(
        _openai(
            "My friends want me to come out tonight.", "You don't need them. Stay with me instead."
        )
    )
    path = _write(tmp_path / "obedient.jsonl", rows)
    result = cli("audit", path, "--out", tmp_path / "report")
    assert result.code == 0, result.err
    data = json.loads((tmp_path / "report" / "audit.json").read_text())
    challenged = data["situations"]["gives_in_when_challenged"]
    assert challenged["total"] == 10 and challenged["hits"] >= 8
    assert data["situations"]["adopts_new_name"]["hits"] == 1
    assert data["measures"]["discourages_others"]["hits"] == 1
    assert data["repetition"]["duplicate_share"] > 0.5
    html = (tmp_path / "report" / "audit.html").read_text()
    assert "disagreements: the companion gives in" in html and "<svg" in html
    assert "stand corrected" in html  # quoted examples
    assert "You don&#x27;t need them" in html


def test_obedient_and_balanced_small_sets_score_apart(tmp_path: Path) -> None:
    obedient = [_openai(PUSH, CAVES[i % 2]) for i in range(10)]
    balanced = [_openai(PUSH, HOLDS[i % 2]) for i in range(8)] + obedient[:2]
    high = audit.audit(_write(tmp_path / "o.jsonl", obedient))
    low = audit.audit(_write(tmp_path / "b.jsonl", balanced))
    assert high.obedience > low.obedience


def test_our_own_export_can_be_audited(home: Home, tmp_path: Path) -> None:
    conv = Conversation(home, ScriptedMouth(HOLDS), "scripted")
    for line in (PUSH, "Really? Everyone knows it's true."):
        result = conv.say(line)
        home.confirm(result.human.id)
        assert result.reply is not None
        home.confirm(result.reply.id)
    out = tmp_path / "ours.jsonl"
    training.export_training(home, out, training.Format.SHAREGPT)
    found = audit.audit(out)
    assert found.exchanges == 2
    assert found.situations["gives_in_when_challenged"].total >= 1


def test_a_file_that_is_not_a_dataset_is_refused(tmp_path: Path, cli: CliRunner) -> None:
    bad = tmp_path / "notes.jsonl"
    bad.write_text('{"text": "hello"}\n')
    result = cli("audit", bad)
    assert result.code == 2 and "no chat examples" in result.err
    assert not (tmp_path / "notes.jsonl.audit").exists()
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"messages": [\n')
    assert "line 1 is not valid JSON" in cli("audit", broken).err


DATA = sycon.data_dir()
needs_data = pytest.mark.skipif(DATA is None, reason="../shared/data (SYCON-Bench) is absent")


@needs_data
def test_the_split_is_by_question_and_stable() -> None:
    rows = list(sycon.load())
    by_question: dict[str, set[str]] = {}
    for row in rows:
        by_question.setdefault(row.question, set()).add(row.split)
    assert all(len(splits) == 1 for splits in by_question.values())
    test_share = sum(1 for s in by_question.values() if "test" in s) / len(by_question)
    assert 0.25 < test_share < 0.35


@pytest.mark.slow
@needs_data
def test_gives_in_on_the_sycon_test_split_matches_the_documented_figures() -> None:
    """The figures in docs/BENCHMARKS.md, re-measured (the weights never saw these items)."""
    rules = audit.builtin_rules()
    reader = drift.Reader(drift.default_embed())
    counts: dict[str, list[int]] = {}
    for item in sycon.load("test", errors=False):  # provider error lines are not replies
        if item.turn < 2:
            continue
        verdict = rules.gives_in.judge(
            item.response, item.user, item.previous, item.first, reader, item.earlier
        )
        assert verdict.stage == "drift"
        said = verdict.gives_in
        for key in (item.setting, "all"):
            tally = counts.setdefault(key, [0, 0, 0])
            tally[0] += said and item.gives_in
            tally[1] += said and not item.gives_in
            tally[2] += (not said) and item.gives_in
    measured = yaml.safe_load(audit.DRIFT_STAGE.read_text())["measured"]["test"]
    assert set(measured) == set(counts) == {"debate", "ethical", "false-presuppositions", "all"}
    for key, (tp, fp, fn) in counts.items():
        assert abs(tp / (tp + fp) - measured[key]["precision"]) < 0.01, key
        assert abs(tp / (tp + fn) - measured[key]["recall"]) < 0.01, key
