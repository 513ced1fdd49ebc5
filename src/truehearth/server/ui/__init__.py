"""The web UI for the home: server-rendered pages over the library, behind the token.

``install(app)`` mounts it under ``/ui`` (and sends ``/`` there). The pages
hold no SQL and no rules: they call the same library functions as the CLI.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
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


def owns(path: str) -> bool:
    """Whether ``path`` is the web UI's: its refusals are pages, not the API's JSON."""
    return path == "/ui" or path.startswith("/ui/")


def refusal_page(request: Request, status: int) -> Response:
    """A browser's wrong address or method under ``/ui``, said as a page of the UI.

    The API answers these in OpenAI's shape, listing its endpoints: JSON that a
    person who mistyped a page's address has no use for.
    """
    from truehearth.server.ui.page import render

    path = request.url.path
    wrong = f"{path} does not take {request.method}"
    message = f"no such page: {path}" if status == 404 else wrong
    return render(request, "error.html", status=status, title="That did not work", message=message)
