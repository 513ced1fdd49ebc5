"""The shared Typer app, consoles and options every command module uses."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

from truehearth.home import Home
from truehearth.paths import HOME_ENV, default_home

app = typer.Typer(
    name="truehearth",
    help="A private, provenance-first home for an AI companion's continuity.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home",
        envvar=HOME_ENV,
        help="The home directory (default: $TRUEHEARTH_HOME or the platform data dir).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def home_path(home: Path | None) -> Path:
    return home if home is not None else default_home()


@contextlib.contextmanager
def opened(home: Path | None) -> Iterator[Home]:
    """Open the chosen home for the length of one command."""
    with Home.open(home_path(home)) as h:
        yield h


def print_json(data: Any) -> None:
    """Machine-readable output: indented JSON on stdout, nothing else."""
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode())
