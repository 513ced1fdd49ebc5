"""The ``truehearth`` command: a thin layer over the library API.

Commands live in one module per concern and register themselves on :data:`app`
when imported; the root group imports a module only when one of its commands
runs (:mod:`truehearth.cli.lazy`), and plugins add theirs through
:mod:`truehearth.plugins`.
No SQL and no rules here: each command parses, calls :class:`truehearth.home.Home`,
and renders. Expected failures become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import errno
import functools
import sys
from typing import TYPE_CHECKING, Any

from truehearth.core.errors import InvalidInput, TruehearthError

if TYPE_CHECKING:
    from truehearth.cli.lazy import LazyGroup


def __getattr__(name: str) -> Any:
    """``truehearth.cli.app``, the Typer app, imported only when asked for."""
    if name == "app":
        from truehearth.cli._app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _plugins_added() -> None:
    """Let every plugin add its commands, once per process (built-ins are deferred)."""
    from truehearth import plugins
    from truehearth.cli._app import app

    plugins.add_commands(app)


def root(*, with_plugins: bool = True) -> LazyGroup:
    """The ``truehearth`` command group, with every plugin's commands unless told not to."""
    import typer

    from truehearth.cli import _app
    from truehearth.cli.lazy import LazyGroup

    if with_plugins:
        _plugins_added()
    else:
        _builtins_deferred()
    from truehearth.cli.coercion import plain_conversions

    group = typer.main.get_command(_app.app)
    if not isinstance(group, LazyGroup):  # pragma: no cover - app is built with cls=LazyGroup
        raise TypeError("the truehearth app must be a LazyGroup")
    plain_conversions(group)
    return group


@functools.cache
def _builtins_deferred() -> None:
    """The built-in commands alone, without reading which plugins are installed."""
    from truehearth.cli.lazy import defer_builtins

    defer_builtins()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (used by the console script and tests).

    Two shortcuts keep the start fast: the root help is printed from the
    command table when no plugin can add to it (:mod:`truehearth.cli.quickhelp`),
    and a built-in command runs without loading the plugins (a plugin cannot
    replace a built-in command, so it has nothing to add there).
    """
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        check_arguments(args)
        from truehearth.cli import quickhelp

        if quickhelp.applies(args):
            return quickhelp.show(args)
        from truehearth.cli.commands import NAMES

        builtin = bool(args) and args[0] in NAMES
        # Not standalone: click's own usage errors come back here to be said in one line.
        code = root(with_plugins=not builtin).main(
            args=argv, prog_name="truehearth", standalone_mode=False
        )
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except TruehearthError as exc:
        _error(f"[bold red]error:[/] {_escape(str(exc))}")
        return exc.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except OSError as exc:  # a path the user gave that cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        _error(f"[bold red]error:[/] {_escape(where + (exc.strerror or str(exc)))}")
        return 2 if exc.errno in _WRONG_PATH else 1
    except Exception as exc:
        handled = _click_error(exc)
        if handled is None:
            raise
        return handled
    return code if isinstance(code, int) else 0


# A path that names nothing usable is wrong input (exit 2); a full or failing disk is not.
_WRONG_PATH = frozenset(
    {
        errno.ENOENT,
        errno.EACCES,
        errno.EPERM,
        errno.EISDIR,
        errno.ENOTDIR,
        errno.ENAMETOOLONG,
        errno.ELOOP,
    }
)


def _click_error(exc: Exception) -> int | None:
    """Say a usage mistake (unknown option, bad value, missing argument) in one line.

    Returns the exit code, or ``None`` for an exception that is not click's.
    A group called without a command has already printed its help.
    """
    from typer._click.exceptions import (
        ClickException,
        NoArgsIsHelpError,
        NoSuchOption,
        UsageError,
    )
    from typer.exceptions import Abort

    if isinstance(exc, Abort):
        _error("[bold red]error:[/] aborted")
        return 1
    if not isinstance(exc, ClickException):
        return None
    if isinstance(exc, NoArgsIsHelpError):
        if message := exc.format_message():
            _error(_escape(message))
        return exc.exit_code
    if isinstance(exc, NoSuchOption) and exc.option_name == "--home":
        _error(f"[bold red]error:[/] {_escape(_home_misplaced(exc.ctx))}")
        return exc.exit_code
    line = " ".join(exc.format_message().split()).rstrip(".")
    if isinstance(exc, UsageError) and exc.ctx is not None:
        line += f" (see `{exc.ctx.command_path} --help`)"
    _error(f"[bold red]error:[/] {_escape(line)}")
    return exc.exit_code


def _home_misplaced(ctx: Any) -> str:
    """What to say about a ``--home`` given where no home is read.

    Every command that reads a home takes ``--home`` after its name; the few
    that read none (:data:`truehearth.cli.commands.NO_HOME`) say why, so the
    human knows nothing was read or written there.
    """
    from truehearth.cli.commands import NO_HOME

    path = ctx.command_path if ctx is not None else "truehearth"
    if ctx is None or hasattr(ctx.command, "list_commands"):  # a group: before its command
        return f"--home goes after the command: {path} COMMAND --home DIR"
    name = path.removeprefix("truehearth").strip()
    why = NO_HOME.get(name, "it reads and writes no home")
    return f"`{path}` does not use a home ({why}); drop --home"


def _escape(text: str) -> str:
    from truehearth.cli.safe import escape

    return escape(text)


def _error(markup: str) -> None:
    from truehearth.cli._app import err_console

    err_console.print(markup, soft_wrap=True)


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
