"""The import graph, read from the code's own imports: no cycles, and the rooms in their order."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from tests.bench_modules import bench_module

DOC = Path(__file__).resolve().parent.parent / "docs" / "ARCHITECTURE.md"


def _graph_module() -> ModuleType:
    return bench_module("import_graph")


def test_no_module_imports_itself_back() -> None:
    ig = _graph_module()
    assert ig.cycles(ig.build()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    ig = _graph_module()
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert ig.cycles(graph) == [["a", "b", "c"]]


def test_the_inner_rooms_never_import_the_outer_ones() -> None:
    ig = _graph_module()
    rooms = ig.areas(ig.build())
    assert rooms["core"] == set()
    assert rooms["store"] <= {"core", "extras"}
    assert rooms["extras"] <= {"core"}
    assert "home" not in rooms["recall"] and "server" not in rooms["recall"]
    for inner in ("core", "store", "recall", "context", "mouths", "home", "exchange"):
        assert not rooms[inner] & {"cli", "server", "continuity"}, inner


def test_the_written_graph_matches_the_code() -> None:
    ig = _graph_module()
    assert ig.markdown(ig.build()) in DOC.read_text(encoding="utf-8"), (
        "the rooms import each other differently now: run "
        "`python bench/import_graph.py --write` and review docs/ARCHITECTURE.md"
    )


MAX_LINES = 800
"""A module should read top to bottom in a few minutes (docs/ARCHITECTURE.md); past this
many lines it holds more than one concept, and the next feature belongs in a module of its
own."""


def test_no_module_outgrows_one_reading() -> None:
    src = Path(__file__).resolve().parent.parent / "src" / "truehearth"
    sizes = {
        path.relative_to(src).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in src.rglob("*.py")
    }
    assert len(sizes) > 100
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
