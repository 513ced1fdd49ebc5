"""``truehearth --help`` printed from the command table, without the CLI framework.

The root help lists the commands and their one line of help, which are data
(:mod:`truehearth.cli.commands`). Printing it through typer means importing
typer, pydantic (for its parameters) and rich's markdown and traceback
renderers: most of a second on these machines, for a fixed text. So when only
the built-in commands exist, the root help is drawn here, in the same layout as
typer's (usage, about, an options panel and a commands panel). When a plugin
may add commands (:func:`truehearth.cli.sniff.declared`), the command line
takes its ordinary path and typer lists them all.

Only the stdlib is imported here, and only :mod:`os` and :mod:`sys` at that.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, TextIO

from truehearth.cli.commands import ABOUT, COMMANDS

if TYPE_CHECKING:
    from collections.abc import Sequence

USAGE = "Usage: truehearth [OPTIONS] COMMAND [ARGS]..."
OPTIONS = (
    ("--version", "Print the installed version and exit."),
    ("--help", "Show this message and exit."),
)
HELP = "--help"


def applies(args: list[str]) -> bool:
    """True for ``truehearth`` and ``truehearth --help`` when no plugin can add commands."""
    if args not in ([], [HELP]):
        return False
    from truehearth.cli.sniff import declared

    return not declared()


def show(args: list[str], out: TextIO | None = None) -> int:
    """Print the root help; the exit code is typer's (2 with no arguments, else 0)."""
    stream = out if out is not None else sys.stdout
    stream.write(render(_width(stream), _styled(stream)))
    stream.flush()
    return 0 if args else 2


def render(width: int, styled: bool = False) -> str:
    """The root help as text, ``width`` columns wide."""
    width = max(width, 40)
    lines = ["", f" {_bold(USAGE, styled)}", "", f" {ABOUT}", ""]
    lines += _panel("Options", OPTIONS, width, styled)
    lines += _panel("Commands", [(name, about) for name, _m, about in COMMANDS], width, styled)
    return "\n".join(lines) + "\n"


def _panel(title: str, rows: Sequence[tuple[str, str]], width: int, styled: bool) -> list[str]:
    """A rounded box of ``name  description`` rows, descriptions wrapped to fit."""
    names = max(len(name) for name, _ in rows) + 2
    text_width = max(width - 4 - names, 10)  # the box's inside is "│ " ... " │"
    side = _dim("│", styled)
    out = [_dim(f"╭─ {title} " + "─" * max(width - len(title) - 5, 0) + "╮", styled)]
    for name, text in rows:
        for number, piece in enumerate(_wrap(text, text_width)):
            cell = (name if number == 0 else "").ljust(names)
            label = _bold(cell, styled, cyan=True) if number == 0 else cell
            out.append(f"{side} {label}{piece.ljust(text_width)} {side}")
    out.append(_dim("╰" + "─" * (width - 2) + "╯", styled))
    return out


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap (textwrap would be the only import that is not free)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def _width(stream: TextIO) -> int:
    """The terminal's width, as rich finds it: ``$COLUMNS``, the tty, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80


def _styled(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ


def _bold(text: str, styled: bool, *, cyan: bool = False) -> str:
    if not styled:
        return text
    return f"\x1b[1;36m{text}\x1b[0m" if cyan else f"\x1b[1m{text}\x1b[0m"


def _dim(text: str, styled: bool) -> str:
    return f"\x1b[2m{text}\x1b[0m" if styled else text
