"""Commands that create, read and change records: init, remember, correct, confirm,
forget, show, list, search, history."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from truehearth.cli._app import (
    HomeOpt,
    JsonOpt,
    app,
    console,
    err_console,
    home_path,
    opened,
    print_json,
    read_secret,
)
from truehearth.cli._render import record_detail, records_table
from truehearth.cli.safe import escape
from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer, Source, Trust, Voice, parse_enum
from truehearth.describe import describe_event, record_status, short
from truehearth.encryption import PASSPHRASE_ENV, Mode
from truehearth.home import Home

LayerOpt = Annotated[
    list[str] | None,
    typer.Option("--layer", "-l", help="Only these layers (repeatable)."),
]


def _layers(values: list[str] | None) -> list[Layer]:
    return [parse_enum(Layer, v, "layer") for v in values or []]


@app.command()
def init(
    home: HomeOpt = None,
    name: Annotated[str, typer.Option("--name", help="The companion's name.")] = "companion",
    encrypt: Annotated[
        bool, typer.Option("--encrypt", help="Encrypt the home under a passphrase (Argon2id).")
    ] = False,
    keyring: Annotated[
        bool, typer.Option("--keyring", help="With --encrypt: keep a random key in the OS keyring.")
    ] = False,
) -> None:
    """Create a new, empty home (with its signing key), optionally encrypted."""
    path = home_path(home)
    if keyring and not encrypt:
        raise InvalidInput("--keyring goes with --encrypt")
    passphrase = None
    if encrypt and not keyring:
        passphrase = os.environ.get(PASSPHRASE_ENV) or read_secret("New passphrase", confirm=True)
    mode: Mode | None = ("keyring" if keyring else "passphrase") if encrypt else None
    with Home.init(path, name, encryption=mode, passphrase=passphrase) as h:
        console.print(f"Created the home of [bold]{escape(h.config.name)}[/] at {h.path}")
        console.print(f"Signing key: {h.config.public_key}")
        if mode == "passphrase":
            console.print("Encrypted. Run `truehearth unlock` to open it for this session.")
        elif mode == "keyring":
            console.print("Encrypted, with its key in the OS keyring.")


@app.command()
def remember(
    text: Annotated[str, typer.Argument(help="What to remember.")],
    home: HomeOpt = None,
    layer: Annotated[
        str, typer.Option("--layer", "-l", help="memory, reflection, note, archive.")
    ] = "memory",
    voice: Annotated[
        str, typer.Option(help="Who said it: human, companion, system, external.")
    ] = "human",
    mouth: Annotated[
        str | None, typer.Option(help="The mouth that spoke (companion voice).")
    ] = None,
    verified: Annotated[
        bool, typer.Option("--verified", help="You confirm it as you write it.")
    ] = False,
    valid_from: Annotated[str | None, typer.Option(help="When it became true (ISO date).")] = None,
    valid_until: Annotated[str | None, typer.Option(help="When it stopped being true.")] = None,
    json: JsonOpt = False,
) -> None:
    """Add a record. Core and boundary are refused: use `propose`."""
    spoke = parse_enum(Voice, voice, "voice")
    if mouth is not None and spoke is not Voice.COMPANION:
        # kept on a human's record, it would say a model spoke the words
        raise InvalidInput("--mouth names the mouth that spoke: it goes with --voice companion")
    with opened(home) as h:
        record = h.remember(
            text,
            layer=parse_enum(Layer, layer, "layer"),
            voice=spoke,
            source=Source(via="cli", mouth=mouth),
            verified=verified,
            valid_from=valid_from,
            valid_until=valid_until,
        )
    if json:
        print_json(record.to_json())
    else:
        console.print(f"Remembered {record.id} ({record.layer.value}, {record.trust.value})")


@app.command()
def correct(
    record_id: Annotated[str, typer.Argument(metavar="ID")],
    text: Annotated[str, typer.Argument(help="The corrected text.")],
    home: HomeOpt = None,
    reason: Annotated[str | None, typer.Option(help="Why it changed.")] = None,
    verified: Annotated[
        bool, typer.Option("--verified", help="You confirm the new version.")
    ] = False,
    valid_from: Annotated[
        str | None, typer.Option(help="When the new version became true.")
    ] = None,
) -> None:
    """Supersede a record with a corrected version; the old one stays in history."""
    with opened(home) as h:
        old = h.record(record_id)
        new = h.correct(
            record_id,
            text,
            reason=reason,
            verified=verified,
            valid_from=valid_from,
            source=Source(via="cli"),
        )
    console.print(f"{new.id} supersedes {new.supersedes} ({new.trust.value})")
    if old.trust is Trust.VERIFIED and new.trust is not Trust.VERIFIED:
        # The README's own example corrects a verified memory: say that the new words
        # are not confirmed yet, rather than let a confirmed memory go quiet unnoticed.
        err_console.print(
            f"note: {old.id} was verified; the correction is {new.trust.value} until you "
            f"confirm it: `truehearth confirm {new.id}` (or correct with --verified)",
            soft_wrap=True,
        )


@app.command()
def confirm(record_id: Annotated[str, typer.Argument(metavar="ID")], home: HomeOpt = None) -> None:
    """Confirm a record as true and ours: it becomes verified."""
    with opened(home) as h:
        record = h.confirm(record_id)
    console.print(f"Confirmed {record.id}: it is now [green]verified[/]")


@app.command()
def forget(
    record_id: Annotated[str, typer.Argument(metavar="ID")],
    home: HomeOpt = None,
    reason: Annotated[str | None, typer.Option(help="Why it is forgotten.")] = None,
) -> None:
    """Hide a record from use. The journal keeps it; `history` still shows it."""
    with opened(home) as h:
        record = h.forget(record_id, reason=reason)
    console.print(
        f"Forgotten {record.id}: it is hidden from recall and prompts, "
        "but kept in the journal (see `truehearth history`)."
    )


@app.command()
def show(
    record_id: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
    home: HomeOpt = None,
    json: JsonOpt = False,
) -> None:
    """Show one record or proposal, or an overview of the home."""
    with opened(home) as h:
        if record_id is None:
            _overview(h, json)
            return
        if record_id.startswith("p"):
            proposal = h.proposal(record_id)
            if json:
                print_json(proposal.to_json())
            else:
                console.print(_proposal_detail(proposal.to_json()))
            return
        record = h.record(record_id)
    if json:
        print_json({**record.to_json(), "role": record.role.value})
    else:
        console.print(record_detail(record))


def _overview(h: Home, json: bool) -> None:
    head = h.head()
    counts = h.counts()
    pending = len(h.proposals())
    data = {
        "name": h.config.name,
        "path": str(h.path),
        "home_id": h.config.home_id,
        "events": head.seq if head else 0,
        "head": head.digest if head else None,
        "records": counts,
        "pending_proposals": pending,
    }
    if json:
        print_json(data)
        return
    console.print(f"[bold]{escape(h.config.name)}[/] — home at {h.path}")
    console.print(f"journal: {data['events']} events, head {data['head']}")
    table = Table("layer", "current records", header_style="bold")
    for layer, n in counts.items():
        table.add_row(layer, str(n))
    console.print(table)
    console.print(f"pending proposals: {pending}")


def _proposal_detail(data: dict[str, object]) -> Table:
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in (
        "id",
        "layer",
        "action",
        "status",
        "voice",
        "target",
        "why",
        "created_at",
        "decided_at",
        "decision_reason",
        "record",
        "text",
    ):
        if data.get(key) is not None:
            table.add_row(key, escape(str(data[key])))
    return table


@app.command(name="list")
def list_records(
    home: HomeOpt = None,
    layer: LayerOpt = None,
    trust: Annotated[list[str] | None, typer.Option("--trust", help="Only these trusts.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include forgotten and superseded.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    offset: Annotated[int, typer.Option(min=0, max=2**62)] = 0,
    json: JsonOpt = False,
) -> None:
    """List records, newest first."""
    with opened(home) as h:
        found = h.records(
            layers=_layers(layer),
            trusts=[parse_enum(Trust, t, "trust") for t in trust or []],
            current_only=not all_,
            limit=limit,
            offset=offset,
        )
    if json:
        print_json([r.to_json() for r in found])
    else:
        console.print(records_table(found))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to look for.")],
    home: HomeOpt = None,
    layer: LayerOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Include forgotten and superseded.")] = False,
    quarantined: Annotated[
        bool, typer.Option("--quarantined", help="Include quarantined.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    json: JsonOpt = False,
) -> None:
    """Full-text search over the home's records."""
    with opened(home) as h:
        hits = h.search(
            query,
            layers=_layers(layer),
            include_hidden=all_,
            include_quarantined=quarantined,
            limit=limit,
        )
    if json:
        print_json([{**r.to_json(), "score": -s} for r, s in hits])
    elif not hits:
        console.print("No records match.")
    else:
        console.print(records_table([r for r, _ in hits], scores=[s for _, s in hits]))


@app.command()
def history(
    record_id: Annotated[str, typer.Argument(metavar="ID")],
    home: HomeOpt = None,
    json: JsonOpt = False,
) -> None:
    """Every version of a record: who made it, when and why."""
    with opened(home) as h:
        versions = h.history(record_id)
    if json:
        print_json(
            [
                {
                    "seq": v.event.seq,
                    "at": v.event.at,
                    "kind": v.event.kind,
                    "actor": v.event.actor,
                    "payload": v.event.payload,
                    "record": v.record.to_json() if v.record else None,
                }
                for v in versions
            ]
        )
        return
    table = Table(
        "seq", "at", "actor", "event", "record", "trust", "status", "text", header_style="bold"
    )
    for v in versions:
        rec = v.record
        table.add_row(
            str(v.event.seq),
            v.event.at[:19].replace("T", " "),
            v.event.actor,
            escape(describe_event(v.event)),
            rec.id if rec else "-",
            rec.trust.value if rec else "-",
            record_status(rec) if rec else "-",
            escape(short(rec.text, 60)) if rec else "(removed by rollback)",
        )
    console.print(table)
