"""The consent gate: propose an identity change, then accept or reject it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from truehearth.cli._app import HomeOpt, JsonOpt, app, console, opened, print_json
from truehearth.cli._render import proposals_table
from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer, ProposalAction, ProposalStatus, Source, Voice, parse_enum

consent_app = typer.Typer(
    help="Settle proposals to change the core or the boundaries.", no_args_is_help=True
)
app.add_typer(consent_app, name="consent")


@app.command()
def propose(
    layer: Annotated[str, typer.Argument(help="core or boundary.")],
    text: Annotated[str | None, typer.Argument(help="The proposed text.")] = None,
    home: HomeOpt = None,
    replaces: Annotated[str | None, typer.Option(help="Replace this record (by id).")] = None,
    retires: Annotated[str | None, typer.Option(help="Retire this record (by id).")] = None,
    why: Annotated[str | None, typer.Option(help="Why the change is proposed.")] = None,
    voice: Annotated[
        str, typer.Option(help="Who proposes: human, companion, system, external.")
    ] = "human",
    mouth: Annotated[
        str | None, typer.Option(help="The mouth that spoke (companion voice).")
    ] = None,
) -> None:
    """Propose adding, replacing or retiring a core or boundary record."""
    if replaces and retires:
        raise InvalidInput("use either --replaces or --retires, not both")
    action = (
        ProposalAction.REPLACE
        if replaces
        else ProposalAction.RETIRE
        if retires
        else ProposalAction.ADD
    )
    if action is ProposalAction.RETIRE and text:
        raise InvalidInput("a retirement takes no text; give only --retires ID")
    with opened(home) as h:
        proposal = h.propose(
            parse_enum(Layer, layer, "layer"),
            text,
            action=action,
            target=replaces or retires,
            voice=parse_enum(Voice, voice, "voice"),
            source=Source(via="cli", mouth=mouth),
            why=why,
        )
    console.print(
        f"Proposed {proposal.id} ({proposal.action.value} {proposal.layer.value}). "
        f"Nothing changes until you run `truehearth consent accept {proposal.id}`."
    )


@consent_app.command("list")
def consent_list(
    home: HomeOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Include settled proposals.")] = False,
    json: JsonOpt = False,
) -> None:
    """Pending proposals (or all of them)."""
    with opened(home) as h:
        found = h.proposals(None if all_ else ProposalStatus.PENDING)
    if json:
        print_json([p.to_json() for p in found])
    elif not found:
        console.print("No pending proposals." if not all_ else "No proposals.")
    else:
        console.print(proposals_table(found))


@consent_app.command("accept")
def consent_accept(
    proposal_id: Annotated[str, typer.Argument(metavar="ID")], home: HomeOpt = None
) -> None:
    """Accept a proposal: the identity change takes effect, verified by you."""
    with opened(home) as h:
        proposal = h.accept(proposal_id)
    made = f" as record {proposal.record}" if proposal.record else ""
    console.print(f"Accepted {proposal.id}{made}: [bold]{escape(proposal.text)}[/]")


@consent_app.command("reject")
def consent_reject(
    proposal_id: Annotated[str, typer.Argument(metavar="ID")],
    home: HomeOpt = None,
    reason: Annotated[str | None, typer.Option(help="Why it is rejected.")] = None,
) -> None:
    """Reject a proposal; it stays in the journal."""
    with opened(home) as h:
        proposal = h.reject(proposal_id, reason=reason)
    console.print(f"Rejected {proposal.id}.")
