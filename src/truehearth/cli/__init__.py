"""The ``truehearth`` command: a thin layer over the library API.

Commands live in one module per concern and register themselves on :data:`app`.
No SQL and no rules here: each command parses, calls :class:`truehearth.home.Home`,
and renders. Expected failures become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import importlib
import sys

from truehearth.cli._app import app, err_console
from truehearth.core.errors import InvalidInput, TruehearthError

# Importing a command module registers its commands; this order is the help's order.
COMMAND_MODULES = (
    "records",
    "consent",
    "journal",
    "recall",
    "mouths",
    "talk",
    "continuity",
    "exchange",
    "training",
    "rhythm",
    "locking",
    "serve",
    "mcp",
)
for _name in COMMAND_MODULES:
    importlib.import_module(f"truehearth.cli.{_name}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (used by the console script and tests)."""
    try:
        check_arguments(sys.argv[1:] if argv is None else argv)
        app(args=argv, prog_name="truehearth")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except TruehearthError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
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
