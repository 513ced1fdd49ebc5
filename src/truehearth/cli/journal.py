"""Commands over the journal itself: log, verify, rollback."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from truehearth.cli._app import HomeOpt, JsonOpt, app, console, err_console, opened, print_json
from truehearth.cli._render import events_table
from truehearth.core.errors import ChainBroken, InvalidInput
from truehearth.describe import describe_event


@app.command()
def log(
    home: HomeOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=10_000, help="Events per page.")
    ] = 20,
    before: Annotated[
        int | None, typer.Option(help="Show events before this seq (next page).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Page through the journal, newest first."""
    with opened(home) as h:
        events = h.log(limit=limit, before=before)
    if json:
        print_json([e.to_json() for e in events])
        return
    console.print(events_table(events))
    if events and events[-1].seq > 1:
        console.print(f"[dim]older: truehearth log --before {events[-1].seq}[/]")


@app.command()
def verify(
    home: HomeOpt = None,
    quick: Annotated[bool, typer.Option("--quick", help="Check the hash chain only.")] = False,
    json: JsonOpt = False,
) -> None:
    """Re-hash the whole journal and check the stored state against it."""
    with opened(home) as h:
        report = h.verify(deep=not quick)
    chain = report.chain
    if json:
        print_json(
            {
                "ok": report.ok,
                "events": chain.events,
                "head": chain.head.digest if chain.head else None,
                "broken_at": chain.broken_at,
                "problem": chain.problem or report.state_problem,
                "state_checked": report.state_ok is not None,
            }
        )
    if report.ok:
        if not json:
            head = chain.head.digest if chain.head else "-"
            console.print(f"[green]ok[/]: {chain.events} events verify; head {head}")
        return
    if not chain.ok:
        raise ChainBroken(f"journal broken at event {chain.broken_at}: {chain.problem}")
    raise ChainBroken(f"journal verifies, but {report.state_problem}")


@app.command()
def rollback(
    to: Annotated[int, typer.Option("--to", help="The event to return to (its seq).")],
    home: HomeOpt = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Bring the home back to its state right after an event, by appending events."""
    with opened(home) as h:
        target = h.event(to)
        if not yes:
            if not sys.stdin.isatty():
                raise InvalidInput(
                    "rollback needs confirmation: run it in a terminal or pass --yes"
                )
            err_console.print(
                f"Roll back to event {target.seq}: {describe_event(target)} ({target.at})?"
            )
            if not typer.confirm("History is kept; the state returns to that point. Continue?"):
                raise typer.Abort()
        event = h.rollback(to)
    if event is None:
        console.print(f"Nothing to do: the home is already in the state of event {to}.")
    else:
        console.print(
            f"Rolled back to event {to} with event {event.seq} "
            f"({event.payload['changed']} entities restored). Nothing was deleted."
        )
