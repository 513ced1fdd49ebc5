"""`rhythm`: your own patterns of use (for your eyes only), and the opt-in rhythm boundary."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from truehearth.cli._app import HomeOpt, JsonOpt, console, opened, print_json
from truehearth.cli._app import app as root
from truehearth.cli.safe import escape
from truehearth.rhythm import boundary, switch, usage

rhythm_app = typer.Typer(
    help="Your own patterns of use, computed on the spot and never stored or sent.",
    invoke_without_command=True,
)
boundary_app = typer.Typer(
    help="A rhythm boundary: your words, applied when it is time to rest.", no_args_is_help=True
)
root.add_typer(rhythm_app, name="rhythm")
rhythm_app.add_typer(boundary_app, name="boundary")
_BLOCKS = " ▁▂▃▄▅▆▇█"


@rhythm_app.callback()
def show(ctx: typer.Context, home: HomeOpt = None, json: JsonOpt = False) -> None:
    """Sessions per day, session length, hours of use, streaks and weekly change."""
    if ctx.invoked_subcommand is not None:
        return
    with opened(home) as h:
        found = usage.compute(h)
    if json:
        print_json(found.to_json())
        return
    for sentence in found.sentences():
        console.print(f"- {escape(sentence)}")
    console.print(
        f"sessions per day, last {len(found.days)} days: {_spark([n for _, n, _ in found.days])}"
    )
    console.print(f"messages by hour, 00-23:            {_spark(found.hours)}")
    table = Table("week of", "sessions", "minutes", "avg minutes", "late night")
    for w in found.weeks:
        table.add_row(
            w.start.isoformat(),
            str(w.sessions),
            f"{w.minutes:.0f}",
            f"{w.average:.0f}",
            f"{w.late_share * 100:.0f} %",
        )
    console.print(table)
    console.print("[dim]computed now from your journal; nothing was stored or sent[/]")


def _spark(values: list[int]) -> str:
    top = max(values) if values else 0
    if not top:
        return "(none)"
    return "".join(_BLOCKS[min(8, round(v / top * 8))] for v in values)


@rhythm_app.command("off")
def off(home: HomeOpt = None) -> None:
    """Switch rhythm off: nothing is computed until you switch it on (journaled)."""
    with opened(home) as h:
        changed = switch.switch(h, False)
    already = "" if changed else " (it already was; nothing changed)"
    console.print(f"Rhythm is off{already}: nothing about your use will be computed.")


@rhythm_app.command("on")
def on(home: HomeOpt = None) -> None:
    """Switch rhythm back on (journaled)."""
    with opened(home) as h:
        changed = switch.switch(h, True)
    already = "" if changed else " (it already was; nothing changed)"
    console.print(
        f"Rhythm is on{already}: `truehearth rhythm` computes your patterns when you ask."
    )


@boundary_app.command("set")
def set_boundary(
    words: Annotated[str, typer.Argument(help="Your own words, e.g. 'remind me to rest'.")],
    after_minutes: Annotated[
        int | None, typer.Option(help="Applies after this many minutes in a session.")
    ] = None,
    after_time: Annotated[
        str | None, typer.Option(help="Applies after this time of day (HH:MM).")
    ] = None,
    until: Annotated[str, typer.Option(help="...until this time of day (HH:MM).")] = "05:00",
    fade: Annotated[
        bool, typer.Option("--fade", help="Shorter replies that point toward your own life.")
    ] = False,
    home: HomeOpt = None,
    json: JsonOpt = False,
) -> None:
    """Propose a rhythm boundary; it applies once you accept it (`truehearth consent accept ID`)."""
    rule = boundary.Rule(after_minutes, after_time, until, fade)
    with opened(home) as h:
        proposal = boundary.propose(h, words, rule)
    if json:
        print_json(proposal.to_json())
        return
    fading = ", fading" if rule.fade else ""
    console.print(
        f"Proposed {proposal.id}: {escape(proposal.text)} ({_when(rule)}{fading}). "
        f"Accept it with `truehearth consent accept {proposal.id}`.",
        soft_wrap=True,
    )


def _when(rule: boundary.Rule) -> str:
    """When a rule applies, in words: "after 45 min or 23:00-05:00"."""
    parts = (
        f"after {rule.after_minutes} min" if rule.after_minutes else "",
        f"{rule.after_time}-{rule.until_time}" if rule.after_time else "",
    )
    return " or ".join(part for part in parts if part)


@boundary_app.command("list")
def list_boundaries(home: HomeOpt = None, json: JsonOpt = False) -> None:
    """Your rhythm boundaries and whether each is paused."""
    with opened(home) as h:
        rows = [(r, boundary.paused(h, r.id)) for r in boundary.boundaries(h)]
    if json:
        print_json([{**r.to_json(), "paused": p} for r, p in rows])
        return
    if not rows:
        console.print("No rhythm boundary.")
        return
    table = Table("id", "your words", "when", "fade", "paused")
    for r, p in rows:
        rule = boundary.Rule.from_json(r.meta["rhythm"])
        table.add_row(
            r.id, escape(r.text), _when(rule), "yes" if rule.fade else "no", "yes" if p else "no"
        )
    console.print(table)


@boundary_app.command("pause")
def pause(
    record: Annotated[str, typer.Argument(help="The boundary's id.")], home: HomeOpt = None
) -> None:
    """Pause a rhythm boundary (journaled; only you can)."""
    with opened(home) as h:
        r = boundary.set_paused(h, record, True)
    console.print(f"Paused {r.id}.")


@boundary_app.command("resume")
def resume(
    record: Annotated[str, typer.Argument(help="The boundary's id.")], home: HomeOpt = None
) -> None:
    """Resume a paused rhythm boundary (journaled)."""
    with opened(home) as h:
        r = boundary.set_paused(h, record, False)
    console.print(f"Resumed {r.id}.")


@boundary_app.command("remove")
def remove(
    record: Annotated[str, typer.Argument(help="The boundary's id.")], home: HomeOpt = None
) -> None:
    """Remove a rhythm boundary through the consent gate (your act, journaled)."""
    with opened(home) as h:
        proposal = boundary.remove(h, record)
    console.print(f"Removed: {proposal.target} retired by {proposal.id}.")
