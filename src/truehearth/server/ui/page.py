"""How a UI page is made: templates, the session, CSRF checks and errors as HTML.

Every page is rendered server-side from a Jinja2 template with autoescaping
on, because most of what the UI shows (imported transcripts, mouth replies,
proposals written by a companion) is text someone else wrote and must be
treated as hostile. For the same reason every value a template shows has its
bidi embeddings, overrides and isolates named (``<U+202E>``), not obeyed, as
the command line shows them (:mod:`truehearth.core.bidi`): an archive cannot
reorder what the page shows. Only what the human just typed, shown again in
its own form field (``|verbatim``), keeps them, so sending it again sends the
same text. Library errors become a page with their one-line message
and the status the API would give; nothing is changed when they happen,
because the library's writes are transactional.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from fastapi import Depends, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from truehearth.core import bidi
from truehearth.core.errors import TruehearthError
from truehearth.describe import provenance, short
from truehearth.server.auth import SESSION_COOKIE, is_authorized, tokens_of
from truehearth.server.deps import status_for
from truehearth.server.ui import csrf

_HERE = Path(__file__).parent
TEMPLATES = _HERE / "templates"
STATIC = _HERE / "static"

# The UI's own pages load nothing but their own stylesheet: no scripts, no
# frames, no foreign origins, forms that post only back here.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make Chromium send Origin: null
    "Cache-Control": "no-store",
}

NAV = (
    ("journal", "/ui", "Journal"),
    ("identity", "/ui/identity", "Core & consent"),
    ("memory", "/ui/memory", "Memory"),
    ("review", "/ui/review", "Review imports"),
    ("mouths", "/ui/mouths", "Mouths"),
    ("continuity", "/ui/continuity", "Continuity"),
    ("recognize", "/ui/recognize", "Blind test"),
    ("rhythm", "/ui/rhythm", "Rhythm"),
    ("chats", "/ui/chats", "Frontend chats"),
)

# After a form is handled the browser is sent to a page with ``?done=<code>``;
# only these fixed texts can appear, so a crafted link cannot put words here.
NOTICES = {
    "accepted": "Accepted: the change is now part of the verified identity.",
    "rejected": "Rejected: the proposal stays in the journal, nothing else changed.",
    "proposed": "Proposed: it takes effect only when you accept it below.",
    "confirmed": "Confirmed: the record is now verified.",
    "forgotten": "Forgotten: it no longer enters any context; its history is kept.",
    "decided": "Decided: the item is out of the review queue.",
    "standing": "Standing changed by your decision.",
}


class Verbatim(str):
    """Text the human typed, shown back in its form field exactly (``|verbatim``)."""

    __slots__ = ()


def _shown(value: Any) -> Any:
    """Every ``{{ value }}`` on its way out: bidi controls named, before autoescaping.

    Markup (HTML this package built, its text escaped inside) gets the name
    already escaped, so no tag is opened.
    """
    if isinstance(value, Verbatim):
        return value
    if isinstance(value, Markup) or hasattr(value, "__html__"):
        html = str(value.__html__())
        return Markup(bidi.CONTROLS.sub(lambda m: str(escape(bidi.name_of(m.group()))), html))
    if isinstance(value, str):
        return bidi.named(value)
    return value


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=_shown,
)
_env.filters["verbatim"] = lambda value: Verbatim(value) if isinstance(value, str) else value


class LoginRequired(Exception):
    """The request has no valid session: send the browser to the login page."""


class Forbidden(Exception):
    """A state-changing request without a valid CSRF token or from a foreign origin."""


def render(
    request: Request, name: str, *, status: int = 200, active: str = "", **context: Any
) -> HTMLResponse:
    """Render ``templates/<name>`` with the layout's shared context."""
    secret = csrf_secret(request)
    logged_in = is_authorized(request)

    def csrf_input() -> Markup:
        # Only a logged-in browser gets tokens; each form gets a fresh one.
        if not logged_in:
            return Markup("")
        return Markup('<input type="hidden" name="{}" value="{}">').format(
            csrf.FIELD, csrf.issue(secret)
        )

    context.setdefault("title", "truehearth")
    context.setdefault("notice", NOTICES.get(request.query_params.get("done", "")))
    html = _env.get_template(name).render(
        nav=NAV,
        active=active,
        csrf_input=csrf_input,
        logged_in=logged_in,
        short=short,
        prov=provenance,
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def see_other(url: str) -> RedirectResponse:
    """Post/redirect/get: after a form is handled, the browser loads a page with GET."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def require_session(request: Request) -> None:
    """Every UI page but the login page needs the session cookie (or the bearer header)."""
    if not is_authorized(request):
        raise LoginRequired


def csrf_secret(request: Request) -> str:
    """Form tokens are bound to the home's token and to this browser session."""
    return tokens_of(request).current() + ":" + request.cookies.get(SESSION_COOKIE, "")


def _same_origin(request: Request) -> bool:
    """A browser's Origin (or Referer) header, when sent, must name this server."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed:
        return True
    if claimed == "null":
        return False
    origin = urlsplit(claimed)
    return (origin.scheme, origin.netloc) == (request.url.scheme, request.url.netloc)


def check_csrf(request: Request, csrf_token: Annotated[str, Form(alias=csrf.FIELD)] = "") -> None:
    """Refuse (403) a form post without a valid token bound to this session."""
    if not _same_origin(request) or not csrf.valid(csrf_secret(request), csrf_token):
        raise Forbidden


# Dependencies of the two kinds of UI route: pages need the session; actions
# (state-changing posts) need the session and a valid CSRF token.
PAGES = [Depends(require_session)]
ACTIONS = [Depends(require_session), Depends(check_csrf)]


def safe_next(target: str | None) -> str:
    """Only redirect within the UI after login (no open redirect)."""
    if target and target.startswith("/ui") and not target.startswith("//"):
        return target
    return "/ui"


def _error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(request, "error.html", status=status, title=title, message=message)


def _utf8_form(request: Request, body: bytes) -> bool:
    """Whether every field of a posted form decodes as UTF-8.

    Starlette decodes a form leniently: bytes that are not UTF-8 (``%FF``, an
    encoded surrogate) become U+FFFD, so a proposal for the core would be
    journaled as replacement marks nobody wrote. The body is read here first
    (Starlette keeps it, so the form is parsed from the same bytes).
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return True
    for field in body.split(b"&"):
        for part in field.split(b"=", 1):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return False
    return True


class UIRoute(APIRoute):
    """A route whose failures are HTML pages (or a redirect to log in), not JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def ui_handler(request: Request) -> Response:
            if request.method == "POST" and not _utf8_form(request, await request.body()):
                return _error_page(
                    request,
                    400,
                    "That did not work",
                    "the form's text is not UTF-8 (its bytes would be replaced by marks "
                    "that mean nothing); send it from this home's page in a current browser",
                )
            try:
                return await handler(request)
            except LoginRequired:
                if request.method != "GET":
                    return _error_page(request, 401, "Not logged in", "log in first")
                path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return see_other("/ui/login?next=" + quote(path, safe=""))
            except Forbidden:
                return _error_page(
                    request,
                    403,
                    "Refused",
                    "this form was not sent from a page of this home (missing or stale CSRF "
                    "token); reload the page and try again",
                )
            except TruehearthError as exc:
                return _error_page(request, status_for(exc), "That did not work", str(exc))
            except RequestValidationError as exc:
                where = ", ".join(str(e.get("loc", ("?",))[-1]) for e in exc.errors())
                return _error_page(request, 400, "That did not work", f"bad or missing: {where}")

        return ui_handler
