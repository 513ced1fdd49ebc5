"""The public API: what `import truehearth` offers, and the example docs/API.md shows."""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

import truehearth
from truehearth.home import Home
from truehearth.mouths.doubles import EchoMouth

DOCS = Path(__file__).resolve().parent.parent / "docs" / "API.md"


def _example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    return str(blocks[0])


def test_the_documented_example_runs_and_is_ten_lines() -> None:
    code = _example()
    statements = [line for line in code.splitlines() if line.strip()]
    assert len(statements) <= 10
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOCS), "exec"), {"__name__": "api_example"})
    first, second = out.getvalue().splitlines()
    assert first.startswith("My sister's name is Maya and she paints. | ")
    assert "keyword match" in first
    assert second == "echo: Hello, Ash"


def test_every_exported_name_resolves() -> None:
    for name in truehearth.__all__:
        assert getattr(truehearth, name) is not None, name
    assert set(truehearth.__all__) <= set(dir(truehearth))
    with pytest.raises(AttributeError):
        _ = truehearth.NoSuchThing


def test_errors_are_one_tree() -> None:
    for name in truehearth.__all__:
        value = getattr(truehearth, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, truehearth.TruehearthError), name


def test_version_comes_from_the_package_metadata() -> None:
    assert truehearth.__version__ == importlib.metadata.version("truehearth")


def test_version_on_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "truehearth", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"truehearth {truehearth.__version__}"


def test_import_truehearth_loads_no_submodule_until_asked() -> None:
    code = (
        "import sys, truehearth; "
        "print(sorted(m for m in sys.modules if m.startswith('truehearth.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_recall_facade_passes_the_filters_through(home: Home) -> None:
    plain = home.remember("We planted tulips by the fence in April.")
    hidden = home.remember("We planted tulips by the gate, the wrong story.")
    home.quarantine(hidden.id, "disputed")
    found = [r.record.id for r in home.recall("tulips we planted")]
    assert plain.id in found and hidden.id not in found
    with_hidden = [r.record.id for r in home.recall("tulips we planted", include_quarantined=True)]
    assert hidden.id in with_hidden


def test_conversation_closes_its_mouth(home: Home) -> None:
    mouth = EchoMouth()
    with home.conversation(mouth=mouth) as talk:
        result = talk.say("Good morning")
        assert result.reply is not None and result.reply.text == "echo: Good morning"
    assert mouth.closed
    assert home.record(result.human.id).text == "Good morning"
