"""The web UI for the home: server-rendered pages over the library, behind the token.

``install(app)`` mounts it under ``/ui`` (and sends ``/`` there). The pages
hold no SQL and no rules: they call the same library functions as the CLI.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles


def install(app: FastAPI) -> None:
    """Mount the UI's routes and its stylesheet on ``app``."""
    from truehearth.server.ui.page import STATIC
    from truehearth.server.ui.routes import router

    app.include_router(router, include_in_schema=False)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui", status_code=307)
