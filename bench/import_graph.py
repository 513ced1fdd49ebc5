"""The package's import graph, read from the code's own import statements.

Counts every import that runs: module-level and function-level ones (a
deferred import is still a dependency), but not those under ``if
TYPE_CHECKING:`` (annotations only, never executed). An ``import a.b.c``
is an edge to ``a.b.c`` alone: a package's ``__init__`` re-exporting its own
submodules is not a cycle.

    python bench/import_graph.py            # the layer table and any cycles, as Markdown
    python bench/import_graph.py --write    # and put the table into docs/ARCHITECTURE.md
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "truehearth"
DOC = ROOT.parent.parent / "docs" / "ARCHITECTURE.md"

Graph = dict[str, set[str]]


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _type_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements that execute (skipping ``if TYPE_CHECKING:`` bodies)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_only(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def build(root: Path = ROOT) -> Graph:
    """Module -> the package modules it imports."""
    mods = modules(root)
    graph: Graph = {name: set() for name in mods}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join([*parts, *([base] if base else [])])
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names
                ]
            graph[name].update(t for t in targets if t in mods and t != name)
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def area(module: str) -> str:
    """The top-level room of a module: ``truehearth.recall.db`` -> ``recall``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(package)"


def areas(graph: Graph) -> dict[str, set[str]]:
    """Room -> the other rooms it imports."""
    out: dict[str, set[str]] = {}
    for module, targets in graph.items():
        mine = area(module)
        out.setdefault(mine, set()).update(area(t) for t in targets if area(t) != mine)
    return out


def markdown(graph: Graph) -> str:
    """The room table of docs/ARCHITECTURE.md (a test checks the file still says this)."""
    rooms = areas(graph)
    lines = ["| module or package | imports (inside truehearth) |", "|---|---|"]
    for room in sorted(rooms):
        lines.append(f"| `{room}` | {', '.join(f'`{r}`' for r in sorted(rooms[room])) or '-'} |")
    return "\n".join(lines)


def summary(graph: Graph) -> str:
    found = cycles(graph)
    lines = [
        f"{len(graph)} modules, {sum(len(t) for t in graph.values())} import edges, "
        f"{len(found)} module cycles."
    ]
    lines += [f"- cycle: {', '.join(group)}" for group in found]
    return "\n".join(lines)


def write(graph: Graph, doc: Path = DOC) -> None:
    """Replace the room table and the figures line of docs/ARCHITECTURE.md."""
    text = doc.read_text(encoding="utf-8")
    start = text.index("## Rooms\n\n") + len("## Rooms\n\n")
    end = text.index("\n\nAt the time of writing")
    line_end = text.index("\n", end + 2)
    figures = "At the time of writing: " + summary(graph).splitlines()[0]
    doc.write_text(
        text[:start] + markdown(graph) + "\n\n" + figures + text[line_end:], encoding="utf-8"
    )


if __name__ == "__main__":
    built = build()
    if "--write" in sys.argv:
        write(built)
    print(markdown(built))
    print()
    print(summary(built))
