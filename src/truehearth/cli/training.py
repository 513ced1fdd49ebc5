"""`export training` and `verify-training`: fine-tuning data from confirmed turns only."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from truehearth.cli import bars
from truehearth.cli._app import HomeOpt, JsonOpt, app, console, opened, print_json
from truehearth.cli._render import counted
from truehearth.cli.exchange import export_app
from truehearth.cli.safe import escape
from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer, parse_enum
from truehearth.exchange import training


@export_app.command("training")
def export_training(
    out: Annotated[Path, typer.Argument(help="Where to write the examples (.jsonl).")],
    fmt: Annotated[
        str, typer.Option("--format", help="openai, sharegpt or alpaca (JSON Lines).")
    ] = "openai",
    home: HomeOpt = None,
    exclude_layer: Annotated[
        list[str] | None, typer.Option("--exclude-layer", help="Leave out a layer (repeatable).")
    ] = None,
    exclude_session: Annotated[
        list[str] | None,
        typer.Option("--exclude-session", help="Leave out a session (repeatable)."),
    ] = None,
    since: Annotated[str | None, typer.Option(help="Only turns on or after this date.")] = None,
    until: Annotated[str | None, typer.Option(help="Only turns on or before this date.")] = None,
    include_untrusted: Annotated[
        bool,
        typer.Option("--include-untrusted", help="Also unconfirmed turns (the manifest says so)."),
    ] = False,
    include_quarantined: Annotated[
        bool,
        typer.Option(
            "--include-quarantined", help="Also quarantined turns (the manifest says so)."
        ),
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Chat examples from confirmed turns, with a signed manifest; the export is journaled."""
    chosen = parse_enum(training.Format, fmt, "format")
    first, last = _day(since, "--since"), _day(until, "--until")
    if first is not None and last is not None and last < first:
        # said as such, not as "nothing to export" after every turn was read
        raise InvalidInput(f"--until {last} is before --since {first}; nothing could match")
    if any(not s.strip() for s in exclude_session or ()):
        raise InvalidInput("--exclude-session is empty; name a session (see `truehearth log`)")
    selection = training.Selection(
        exclude_layers=frozenset(parse_enum(Layer, x, "layer") for x in exclude_layer or ()),
        exclude_sessions=frozenset(s.strip() for s in exclude_session or ()),
        since=first,
        until=last,
        include_untrusted=include_untrusted,
        include_quarantined=include_quarantined,
    )
    with opened(home) as h, bars.bar("exporting turns", quiet=json) as tick:
        manifest = training.export_training(h, out, chosen, selection, progress=tick)
    if json:
        print_json({k: v for k, v in manifest.items() if k != "records"})
        return
    info, trust = manifest["file"], manifest["trust"]
    console.print(
        f"Wrote {escape(str(out))}: {counted(info['examples'], info['format'] + ' example')} "
        f"from {counted(len(manifest['records']), 'record')} ({trust['verified']:,} verified, "
        f"{trust['untrusted']:,} unconfirmed, {trust['quarantined']:,} quarantined), "
        f"and its signed manifest {escape(out.name + training.MANIFEST_SUFFIX)}."
    )


def _day(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        raise InvalidInput(f"{what} must be a date like 2026-03-01, not {value!r}") from None


@app.command("verify-training")
def verify_training(
    path: Annotated[Path, typer.Argument(help="The exported examples file.")],
    home: HomeOpt = None,
    against_home: Annotated[
        bool,
        typer.Option("--against-home", help="Also check the records against this home."),
    ] = False,
    key: Annotated[
        str | None, typer.Option(help="Require this signer public key (base64).")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Check a training export against its signed manifest; any change fails."""
    if not path.is_file():
        raise InvalidInput(f"no training export at {path}")
    if against_home:
        with opened(home) as h:
            report = training.verify_export(path, expected_key=key, home=h)
    else:
        report = training.verify_export(path, expected_key=key)
    if json:
        print_json(report.to_json())
    elif report.ok and report.manifest is not None:
        info, trust = report.manifest["file"], report.manifest["trust"]
        console.print(
            f"OK: {counted(info['examples'], info['format'] + ' example')}, signed by "
            f"{report.manifest['home']['public_key'][:16]}...; {trust['untrusted']:,} unconfirmed "
            f"and {trust['quarantined']:,} quarantined records were let in."
        )
    if not report.ok:
        raise training.ExportInvalid(f"training export does not verify: {report.problem}")
