"""UI pages over who may speak: mouths and their standing, the continuity check, drift,
and the human's blind recognition test.

The check itself runs from the CLI (it takes minutes with a real model); the
UI shows what it journaled and the report it wrote, checking that the report
on disk is the one the journal names. The blind test is stateless between
its steps: the page carries the mouth, the seed and the check it was drawn
from, and each step draws the same shuffled replies again, refusing if a new
check ran in between.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from truehearth.continuity import recognize as blind
from truehearth.continuity.check import report_path
from truehearth.continuity.drift import checks, drift_alert
from truehearth.continuity.plots import drift_chart
from truehearth.continuity.report import report_digest
from truehearth.core.errors import InvalidInput, NotFound
from truehearth.core.records import Voice
from truehearth.core.vocabulary import VERDICTS, Standing
from truehearth.home import Home
from truehearth.mouths import registry
from truehearth.server.deps import open_home
from truehearth.server.ui.page import ACTIONS, PAGES, SECURITY_HEADERS, UIRoute, render, see_other

HomeDep = Annotated[Home, Depends(open_home)]
PER_SOURCE = 6

# The check's own HTML report is shown as it was written, in a sandbox: it may
# style itself inline but can run nothing and reach nothing.
REPORT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"

pages = APIRouter(route_class=UIRoute, dependencies=PAGES)
actions = APIRouter(route_class=UIRoute, dependencies=ACTIONS)


async def form_fields(request: Request) -> dict[str, str]:
    """Every field of a posted form (the blind test's marks are named per reply)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_fields)]


# -- mouths ----------------------------------------------------------------------


@pages.get("/mouths", response_class=HTMLResponse)
def mouths_page(request: Request, h: HomeDep) -> Response:
    rows = []
    for m in registry.mouths(h):
        automatic, human, effective = blind.standing_verdict(h, m.name)
        rows.append({"entry": m, "automatic": automatic, "human": human, "effective": effective})
    return render(
        request,
        "mouths.html",
        active="mouths",
        title="Mouths",
        mouths=rows,
        standings=[s.value for s in Standing],
    )


@actions.post("/mouths/{name}/standing")
def set_standing(
    name: str,
    h: HomeDep,
    standing: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """The human decides a mouth's standing, citing its latest check if there is one."""
    history = checks(h, name)
    cited = str(history[-1]["report_digest"]) if history else None
    registry.set_mouth_standing(h, name, standing, Voice.HUMAN, reason, cited)
    return see_other("/ui/mouths?done=standing")


# -- continuity ------------------------------------------------------------------


@pages.get("/continuity", response_class=HTMLResponse)
def continuity_page(request: Request, h: HomeDep) -> Response:
    history = checks(h)
    series: dict[str, list[tuple[str, float]]] = {}
    rows = []
    for c in history:
        similarity = (c.get("voice") or {}).get("similarity")
        if similarity is not None:
            series.setdefault(str(c["mouth"]), []).append((str(c["at"])[:16], float(similarity)))
        rate = c.get("pass_rate")
        rows.append(
            {
                **c,
                "similarity": "-" if similarity is None else f"{float(similarity):.2f}",
                "pass_rate": "-" if rate is None else f"{float(rate):.0%}",
            }
        )
    mouths = sorted({str(c["mouth"]) for c in history})
    alerts = [a for a in (drift_alert(h, m) for m in mouths) if a is not None]
    return render(
        request,
        "continuity.html",
        active="continuity",
        title="Continuity",
        checks=list(reversed(rows)),
        chart=Markup(drift_chart(series)),  # built by us, every label escaped
        alerts=alerts,
    )


def _check(h: Home, check_id: str) -> dict[str, Any]:
    found = next((c for c in checks(h) if c.get("id") == check_id), None)
    if found is None:
        raise NotFound(f"no check {check_id!r} in this home's journal")
    return found


@pages.get("/checks/{check_id}", response_class=HTMLResponse)
def check_page(request: Request, check_id: str, h: HomeDep) -> Response:
    """The JSON twin of a check's report, rendered, after checking it is the journaled one."""
    check = _check(h, check_id)
    path = report_path(h, check_id)
    report: dict[str, Any] | None = None
    problem = None
    try:
        report = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        problem = f"the report of this check is missing or unreadable at {path}"
    if report is not None and report_digest(report) != check.get("report_digest"):
        report, problem = None, f"the report at {path} is not the one this check journaled"
    worst = [report["transcripts"][i] for i in report["worst"]] if report else []
    return render(
        request,
        "check.html",
        active="continuity",
        title=f"Check {check_id}",
        check=check,
        report=report,
        worst=worst,
        problem=problem,
        pct=lambda v: f"{float(v):.0%}",
    )


@pages.get("/checks/{check_id}/report.html", response_class=HTMLResponse)
def check_report_html(check_id: str, h: HomeDep) -> Response:
    _check(h, check_id)
    path = report_path(h, check_id).with_name("report.html")
    try:
        html = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise NotFound(f"the HTML report of check {check_id} is not readable") from None
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": REPORT_CSP}
    return HTMLResponse(html, headers=headers)


# -- the blind recognition test --------------------------------------------------


def _draw(h: Home, fields: dict[str, str]) -> tuple[str, str, str, list[blind.BlindItem]]:
    """The same shuffled replies the first step showed, or a clear refusal."""
    mouth, against = fields.get("mouth", "").strip(), fields.get("against", blind.ARCHIVE)
    seed = fields.get("seed", "")
    if not mouth or not seed.isdigit():
        raise InvalidInput("the blind test lost its place; start it again")
    check_id, sources = blind.sources_for(h, mouth, against)
    if check_id != fields.get("check_id"):
        raise InvalidInput("a new check of this mouth ran since the test began; start again")
    items = blind.blind_items(sources, per_source=PER_SOURCE, seed=int(seed))
    return mouth, against, check_id, items


def _marks(fields: dict[str, str], items: list[blind.BlindItem]) -> list[str]:
    missing = [str(i.number) for i in items if not fields.get(f"mark{i.number}")]
    if missing:
        raise InvalidInput(f"mark every reply first (missing: {', '.join(missing)})")
    return [blind.parse_answer(fields[f"mark{i.number}"]) for i in items]


@pages.get("/recognize", response_class=HTMLResponse)
def recognize_page(
    request: Request, h: HomeDep, mouth: str = "", against: str = blind.ARCHIVE
) -> Response:
    checked = sorted({str(c["mouth"]) for c in checks(h)})
    items: list[blind.BlindItem] = []
    carry: dict[str, str] = {}
    if mouth == against:
        raise InvalidInput("compare the mouth with the verified voice or with another mouth")
    if mouth:
        seed = str(secrets.randbelow(1_000_000_000))
        check_id, sources = blind.sources_for(h, mouth, against)
        items = blind.blind_items(sources, per_source=PER_SOURCE, seed=int(seed))
        carry = {"mouth": mouth, "against": against, "seed": seed, "check_id": check_id}
    return render(
        request,
        "recognize.html",
        active="recognize",
        title="Blind test",
        checked=checked,
        mouth=mouth,
        against=against,
        items=items,
        carry=carry,
    )


@actions.post("/recognize/marks", response_class=HTMLResponse)
def recognize_marks(request: Request, h: HomeDep, fields: FormDep) -> Response:
    """Step two: the marks are in; the human gives the verdict (the marks only suggest)."""
    mouth, _, check_id, items = _draw(h, fields)
    marks = _marks(fields, items)
    mine = [a for i, a in zip(items, marks, strict=True) if i.source == f"mouth:{mouth}"]
    automatic = next((c["verdict"] for c in checks(h, mouth) if c["id"] == check_id), None)
    carry = {k: fields[k] for k in ("mouth", "against", "seed", "check_id")}
    carry |= {f"mark{i.number}": m for i, m in zip(items, marks, strict=True)}
    return render(
        request,
        "recognize_verdict.html",
        active="recognize",
        title="Your verdict",
        mouth=mouth,
        carry=carry,
        mine_them=sum(a == "them" for a in mine),
        mine_total=len(mine),
        suggestion=blind.suggest(items, marks, mouth),
        automatic=automatic,
        verdicts=VERDICTS,
    )


@actions.post("/recognize/record", response_class=HTMLResponse)
def recognize_record(request: Request, h: HomeDep, fields: FormDep) -> Response:
    """Step three: journal the marks and the human's verdict, then reveal the sources."""
    mouth, against, check_id, items = _draw(h, fields)
    marks = _marks(fields, items)
    result = blind.record(
        h,
        mouth=mouth,
        against=against,
        check_id=check_id,
        items=items,
        answers=marks,
        verdict=fields.get("verdict", "").strip(),
    )
    return render(
        request,
        "recognize_done.html",
        active="recognize",
        title="Recorded",
        result=result,
        reveal=list(zip(items, marks, strict=True)),
    )
