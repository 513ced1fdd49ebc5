"""Commands that load when they are run, so ``truehearth --help`` imports almost nothing.

Each command module registers its commands on the shared Typer app when it is
imported, and importing one means importing the library behind it (the home,
numpy, the server...). The root group therefore knows every command by name,
module and one line of help (:func:`defer`), lists them from that table, and
imports a module only when one of its commands is about to run.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from typer import _click
from typer.core import TyperCommand, TyperGroup

from truehearth.cli.commands import COMMANDS
from truehearth.extras import needed_for

# command name -> (module that registers it, one line of help), in help order
DEFERRED: dict[str, tuple[str, str]] = {}
# The Typer app the command modules register on (set by truehearth.cli._app).
_registry: list[typer.Typer] = []


def registers_on(app: typer.Typer) -> None:
    """Name the app that command modules add their commands to."""
    _registry[:] = [app]


def defer(name: str, module: str, about: str) -> None:
    """Make ``name`` a command of ``truehearth`` that ``module`` registers when imported.

    ``module`` may name several modules, separated by spaces: a command group
    whose subcommands are registered by more than one module needs them all.
    """
    if name in DEFERRED and DEFERRED[name][0] != module:
        raise ValueError(f"the command {name!r} is deferred to two modules")
    DEFERRED[name] = (module, about)


def defer_builtins() -> None:
    """Defer every command that ships with truehearth (:mod:`truehearth.cli.commands`)."""
    for name, module, about in COMMANDS:
        defer(name, " ".join(f"truehearth.cli.{m}" for m in module.split()), about)


class LazyGroup(TyperGroup):
    """The root command group: deferred commands are listed from the table, loaded on use."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*DEFERRED, *(n for n in self.commands if n not in DEFERRED)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        found = self.commands.get(cmd_name)
        if found is not None or cmd_name not in DEFERRED:
            return found
        # Only listed (help, suggestions): a stand-in with the command's one line.
        about = DEFERRED[cmd_name][1]
        return TyperCommand(name=cmd_name, help=about, short_help=about, callback=None)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        if args and args[0] in DEFERRED and not self._loaded(args[0]):
            self.load(args[0])
        return super().resolve_command(ctx, args)

    def _loaded(self, name: str) -> bool:
        """Taken, and from all its modules: a group built after only one of them was
        imported (``import`` loads the module ``export`` shares) lacks the others'
        subcommands. Only a process that runs several commands (the tests) meets it."""
        return name in self.commands and all(m in sys.modules for m in DEFERRED[name][0].split())

    def load(self, name: str) -> _click.Command:
        """Import the module behind ``name`` and take its real command."""
        with needed_for(f"`truehearth {name}`"):
            for module in DEFERRED[name][0].split():
                importlib.import_module(module)
        built: Any = typer.main.get_command(_registry[0])
        command: _click.Command = built.commands[name]
        from truehearth.cli.coercion import plain_conversions

        plain_conversions(command)
        self.commands[name] = command
        return command
