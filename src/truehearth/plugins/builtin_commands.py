"""The commands that ship with truehearth, registered like any plugin's.

Each is deferred (:func:`truehearth.cli.lazy.defer`): listed in ``--help`` from
the table in :mod:`truehearth.cli.commands` and imported only when run.
``tests/test_plugins.py`` checks the table against what the modules register.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from truehearth.cli.commands import COMMANDS
from truehearth.cli.lazy import defer_builtins
from truehearth.plugins import hookimpl

if TYPE_CHECKING:
    import typer

__all__ = ["COMMANDS", "register_commands"]


@hookimpl
def register_commands(cli: typer.Typer) -> None:
    defer_builtins()
