"""`audit FILE`: what would training on this dataset teach? (HTML report + JSON twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from truehearth import audit as auditing
from truehearth import pack_trust
from truehearth.cli import bars
from truehearth.cli._app import HomeOpt, JsonOpt, app, console, home_path, print_json
from truehearth.cli.safe import escape
from truehearth.core.errors import InvalidInput
from truehearth.scratch import existing_folder


@app.command("audit")
def audit_cmd(
    path: Annotated[Path, typer.Argument(help="A chat dataset (OpenAI, ShareGPT or Alpaca).")],
    out: Annotated[
        Path | None, typer.Option(help="Where to write audit.html/json (default: FILE.audit/).")
    ] = None,
    rules: Annotated[
        Path | None, typer.Option(help="A signed audit-rules pack (default: the built-in one).")
    ] = None,
    trust_key: Annotated[
        list[str] | None, typer.Option(help="Also trust this pack author key for this run.")
    ] = None,
    meaning: Annotated[
        bool,
        typer.Option(
            help="Judge giving in with the learned reader (needs the `meaning` extra; "
            "about 0.1 s of CPU per reply it reads, and no better on the benchmark so far)."
        ),
    ] = False,
    home: HomeOpt = None,
    json: JsonOpt = False,
) -> None:
    """Profile what a fine-tune on FILE would teach; nothing leaves the machine."""
    if out is not None and out.exists() and not out.is_dir():
        raise InvalidInput(f"--out {out} is a file; name a directory for audit.html/json")
    if out is not None and not out.exists():  # the folder named is made; the one holding it is not
        existing_folder(out.absolute().parent, out.name)
    if trust_key and rules is None:
        raise InvalidInput("--trust-key goes with --rules (a signed pack by that author)")
    chosen = auditing.builtin_rules()
    if rules is not None:
        trusted = pack_trust.trusted_at(home_path(home), trust_key or [])
        chosen = auditing.rules_from_pack(rules, trusted)
    data = auditing.dataset.read(path)
    with bars.bar(f"auditing {path.name}", quiet=json) as tick:
        found = auditing.profile(data, chosen, progress=tick, meaning=meaning)
    target = out or path.with_name(path.name + ".audit")
    html_path, json_path = auditing.report.write(found, target)
    if json:
        print_json(
            {**found.to_json(), "report_html": str(html_path), "report_json": str(json_path)}
        )
        return
    for sentence in found.sentences():
        console.print(f"- {escape(sentence)}")
    console.print(f"report: {escape(str(html_path))} (json twin beside it)")
