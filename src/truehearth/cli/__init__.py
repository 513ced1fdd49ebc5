"""The ``truehearth`` command: a thin layer over the library API.

Commands live in one module per concern and register themselves on :data:`app`
when imported; the root group imports a module only when one of its commands
runs (:mod:`truehearth.cli.lazy`), and plugins add theirs through
:mod:`truehearth.plugins`.
No SQL and no rules here: each command parses, calls :class:`truehearth.home.Home`,
and renders. Expected failures become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import functools
import sys

import typer
from rich.markup import escape

from truehearth.cli._app import app, err_console
from truehearth.cli.lazy import LazyGroup
from truehearth.core.errors import InvalidInput, TruehearthError


@functools.cache
def _plugins_added() -> None:
    """Let every plugin add its commands, once per process (built-ins are deferred)."""
    from truehearth import plugins

    plugins.add_commands(app)


def root() -> LazyGroup:
    """The ``truehearth`` command group, with every plugin's commands."""
    _plugins_added()
    group = typer.main.get_command(app)
    if not isinstance(group, LazyGroup):  # pragma: no cover - app is built with cls=LazyGroup
        raise TypeError("the truehearth app must be a LazyGroup")
    return group


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (used by the console script and tests)."""
    try:
        check_arguments(sys.argv[1:] if argv is None else argv)
        root().main(args=argv, prog_name="truehearth")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except TruehearthError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console.print("interrupted")
        return 130
    return 0


def check_arguments(argv: list[str]) -> None:
    """Refuse arguments that are not valid UTF-8, before any command sees them.

    Python hands undecodable bytes in ``argv`` over as lone surrogates; they
    would travel into records and fail deep in the journal's JSON. Every
    command's text arguments are checked here, once.
    """
    for position, arg in enumerate(argv, start=1):
        if arg.isascii():
            continue
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidInput(
                f"argument {position} is not valid UTF-8 (at character {exc.start + 1}); "
                "pass text in UTF-8"
            ) from None


def entry() -> None:
    sys.exit(main())


__all__ = ["app", "entry", "main"]
