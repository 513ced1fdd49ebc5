"""Progress bars for long commands, drawn from the library's one callback shape.

Every long library call takes a :data:`truehearth.core.progress.Progress`
callback; :func:`bar` is the one place that turns it into a rich bar, so
indexing, importing, exporting, auditing and the check all look alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress

from truehearth.cli._app import err_console
from truehearth.cli.safe import escape
from truehearth.core.progress import Progress


@contextmanager
def bar(
    label: str,
    *,
    as_bytes: bool = False,
    quiet: bool = False,
    console: Console | None = None,
) -> Iterator[Progress]:
    """A transient bar (on stderr unless told) that the yielded callback moves.

    The library reports the total with each step (``None`` while unknown: the
    bar then pulses). ``quiet`` (e.g. with ``--json``) draws nothing, and neither does a
    bar whose console is not a terminal: rich would leave a blank line there, which a
    script reading stderr takes for a message.
    """
    count: ProgressColumn = DownloadColumn() if as_bytes else MofNCompleteColumn()
    columns = (
        TextColumn(f"[bold]{escape(label)}[/] {{task.description}}"),
        BarColumn(),
        count,
        TimeElapsedColumn(),
    )
    target = console or err_console
    shown = RichProgress(
        *columns, console=target, transient=True, disable=quiet or not target.is_terminal
    )
    with shown:
        task = shown.add_task("", total=None)

        def tick(done: int, total: int | None, what: str) -> None:
            shown.update(task, completed=done, total=total, description=escape(what))

        yield tick
