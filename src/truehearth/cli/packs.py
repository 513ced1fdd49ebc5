"""`packs`: check, sign and trust shareable probe suites and audit rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from truehearth import pack_trust, packs
from truehearth.cli._app import HomeOpt, JsonOpt, app, console, home_path, opened, print_json
from truehearth.cli.safe import escape
from truehearth.homedir import KEYS_DIR
from truehearth.keys import load_private
from truehearth.scratch import existing_folder

packs_app = typer.Typer(help="Signed packs of probes and audit rules.", no_args_is_help=True)
app.add_typer(packs_app, name="packs")

PackArg = Annotated[Path, typer.Argument(help="The pack file (.pack.yaml).")]


@packs_app.command("verify")
def verify(
    path: PackArg,
    home: HomeOpt = None,
    trust_key: Annotated[
        list[str] | None, typer.Option(help="Also trust this author key for this run.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Check a pack's signature and whether you trust its author; a bad signature fails."""
    packs.read(path)  # a file that is no pack is said before any home is opened
    trusted = pack_trust.trusted_at(home_path(home), trust_key or ())
    pack = packs.verify(path, trusted, require_trust=False)
    if json:
        print_json(pack.to_json())
        return
    console.print(
        f"signature OK: {escape(pack.name)} v{pack.version} ({pack.kind}) by "
        f"{escape(pack.author)} {pack.key[:16]}..."
    )
    if pack.trusted_because:
        console.print(f"trusted: {pack.trusted_because}")
    else:
        console.print(
            "[yellow]not trusted yet[/]: read it, then `truehearth packs trust "
            f"{pack.key} --name NAME` if you want to use it"
        )


@packs_app.command("sign")
def sign(
    path: PackArg,
    out: Annotated[Path, typer.Argument(help="Where to write the signed pack.")],
    author: Annotated[str, typer.Option(help="Your name as the pack's author.")],
    home: HomeOpt = None,
) -> None:
    """Sign a pack you wrote with this home's key (so others can check it came from you)."""
    existing_folder(out.absolute().parent, out.name)  # before the pack is read and signed
    data = packs.read_unsigned(path)
    with opened(home) as h:
        body = packs.sign(data, load_private(h.path / KEYS_DIR), author)
    packs.write(out, body)
    console.print(f"signed {escape(str(out))} with key {body['author']['key'][:16]}...")


@packs_app.command("trust")
def trust(
    key: Annotated[str, typer.Argument(help="The author's public key (base64).")],
    name: Annotated[str, typer.Option(help="Whose key this is, in your words.")],
    home: HomeOpt = None,
) -> None:
    """Trust packs signed by this key from now on (journaled)."""
    with opened(home) as h:
        pack_trust.trust(h, key, name)
    console.print(f"trusting packs signed by {escape(key[:16])}... ({escape(name)})")
    retired = packs.retired_keys().get(key.strip())
    if retired is not None:  # trusted on purpose, never silently: say what was chosen
        console.print(
            f"[yellow]note[/]: truehearth retired this key on {retired.retired} "
            f"({escape(retired.why)}); you now vouch for what it signs yourself"
        )


@packs_app.command("distrust")
def distrust(
    key: Annotated[str, typer.Argument(help="The author's public key (base64).")],
    home: HomeOpt = None,
) -> None:
    """Stop trusting packs signed by this key (journaled)."""
    with opened(home) as h:
        pack_trust.distrust(h, key)
    console.print(f"no longer trusting {escape(key[:16])}...")
