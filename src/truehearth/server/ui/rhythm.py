"""The rhythm page: the human's own patterns, computed for this request and then forgotten."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from truehearth.home import Home
from truehearth.rhythm import boundary, plots, switch, usage
from truehearth.server.deps import open_home
from truehearth.server.ui.page import PAGES, UIRoute, render

HomeDep = Annotated[Home, Depends(open_home)]
pages = APIRouter(route_class=UIRoute, dependencies=PAGES)


@pages.get("/rhythm", response_class=HTMLResponse)
def rhythm_page(request: Request, h: HomeDep) -> Response:
    """Sessions, hours, streaks and weeks; nothing is computed when rhythm is off."""
    rules = [(r, boundary.paused(h, r.id)) for r in boundary.boundaries(h)]
    if not switch.is_on(h):
        return render(
            request, "rhythm.html", active="rhythm", title="Rhythm", off=True, rules=rules
        )
    found = usage.compute(h)
    charts = {k: Markup(v) for k, v in plots.charts(found).items()}  # drawn here, escaped inside
    return render(
        request,
        "rhythm.html",
        active="rhythm",
        title="Rhythm",
        off=False,
        rhythm=found,
        charts=charts,
        rules=rules,
    )
