"""Every refusal of the OpenAI-compatible proxy, in OpenAI's error shape, as its client sees it.

A frontend shows ``error.type`` and ``error.message`` to its user, and programs
branch on ``type``, ``code`` and ``param``. The type is one of OpenAI's (never a
Python class name), the code says what happened in a word, the param names the
field at fault where there is one, and nothing reaches the journal.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from tests.loopback import serving
from truehearth.core.errors import InvalidInput
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.keys import ensure_token
from truehearth.mouths import registry
from truehearth.mouths.errors import MouthUnavailable
from truehearth.server.app import create_app
from truehearth.server.deps import library_error_body
from truehearth.server.settings import ServerSettings

OPENAI_TYPES = {
    "invalid_request_error",
    "authentication_error",
    "permission_error",
    "not_found_error",
    "conflict_error",
    "rate_limit_error",
    "server_error",
}
SAID = [{"role": "user", "content": "Do you remember the river?"}]


@pytest.fixture
def server(home: Home) -> Iterator[tuple[str, str]]:
    home.accept(home.propose(Layer.CORE, "My name is Ash.").id)
    registry.add(home, "echo", "echo")
    token = ensure_token(home.path)
    app = create_app(ServerSettings(home=home.path, token=token, max_body_bytes=64_000))
    with serving(app) as url:
        yield url, token


def _events(home: Home) -> int:
    with Home.open(home.path) as h:
        return sum(1 for _ in h.iter_events())


def _client(server: tuple[str, str], token: str | None = None) -> openai.OpenAI:
    url, good = server
    return openai.OpenAI(base_url=url + "/v1", api_key=token or good, max_retries=0)


def _shape(error: openai.APIStatusError) -> dict[str, Any]:
    body = error.body
    assert isinstance(body, dict), body
    assert set(body) == {"message", "type", "code", "param"}, body
    assert body["type"] in OPENAI_TYPES, body
    assert body["message"] and "\n" not in body["message"], body
    return body


CHATS: list[
    tuple[str, dict[str, Any], type[openai.APIStatusError], tuple[str, str, str | None]]
] = [
    (
        "unknown model",
        {"model": "gpt-9", "messages": SAID},
        openai.NotFoundError,
        ("not_found_error", "model_not_found", "model"),
    ),
    (
        "unknown model, streamed",
        {"model": "gpt-9", "messages": SAID, "stream": True},
        openai.NotFoundError,
        ("not_found_error", "model_not_found", "model"),
    ),
    (
        "empty model",
        {"model": "", "messages": SAID},
        openai.NotFoundError,
        ("not_found_error", "model_not_found", "model"),
    ),
    (
        "no messages",
        {"model": "echo", "messages": []},
        openai.BadRequestError,
        ("invalid_request_error", "invalid_value", "messages"),
    ),
    (
        "an empty message",
        {"model": "echo", "messages": [{"role": "user", "content": ""}]},
        openai.BadRequestError,
        ("invalid_request_error", "invalid_value", "messages"),
    ),
    (
        "only a system message",
        {"model": "echo", "messages": [{"role": "system", "content": "Be a pirate."}]},
        openai.BadRequestError,
        ("invalid_request_error", "invalid_value", "messages"),
    ),
    (
        "a NUL byte",
        {"model": "echo", "messages": [{"role": "user", "content": "a\x00b"}]},
        openai.BadRequestError,
        ("invalid_request_error", "invalid_input", None),
    ),
    (
        "a bad role",
        {"model": "echo", "messages": [{"role": "wizard", "content": "x"}]},
        openai.BadRequestError,
        ("invalid_request_error", "invalid_value", "messages.0.role"),
    ),
    (
        "a negative temperature",
        {"model": "echo", "messages": SAID, "temperature": -5},
        openai.BadRequestError,
        ("invalid_request_error", "invalid_value", "temperature"),
    ),
    (
        "n=2",
        {"model": "echo", "messages": SAID, "n": 2},
        openai.BadRequestError,
        ("invalid_request_error", "unsupported_parameter", "n"),
    ),
]


@pytest.mark.parametrize(
    ("asked", "raised", "expected"), [c[1:] for c in CHATS], ids=[c[0] for c in CHATS]
)
def test_a_refused_chat_is_in_openai_shape(
    server: tuple[str, str],
    home: Home,
    asked: dict[str, Any],
    raised: type[openai.APIStatusError],
    expected: tuple[str, str, str | None],
) -> None:
    before = _events(home)
    with _client(server) as client, pytest.raises(raised) as caught:
        client.chat.completions.create(**asked)
    body = _shape(caught.value)
    assert (body["type"], body["code"], body["param"]) == expected, body
    assert _events(home) == before


def test_a_wrong_key_is_an_authentication_error(server: tuple[str, str]) -> None:
    client = _client(server, token="not-the-token")
    with client, pytest.raises(openai.AuthenticationError) as caught:
        client.models.list()
    body = _shape(caught.value)
    assert (body["type"], body["code"]) == ("authentication_error", "invalid_api_key")


def test_a_model_is_retrieved_by_name_or_not_found(server: tuple[str, str]) -> None:
    with _client(server) as client:
        assert client.models.retrieve("echo").id == "echo"
        with pytest.raises(openai.NotFoundError) as caught:
            client.models.retrieve("gpt-9")
    body = _shape(caught.value)
    assert (body["code"], body["param"]) == ("model_not_found", "model")


RAW: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    ("no such path", "GET", "/v1/nope", {}, 404, "unknown_url"),
    ("wrong method", "GET", "/v1/chat/completions", {}, 405, "method_not_allowed"),
    (
        "not UTF-8",
        "POST",
        "/v1/chat/completions",
        {"content": b'{"model":"\xff"}'},
        400,
        "invalid_json",
    ),
    (
        "truncated JSON",
        "POST",
        "/v1/chat/completions",
        {"content": b'{"model":'},
        400,
        "invalid_json",
    ),
    ("a list", "POST", "/v1/chat/completions", {"json": []}, 400, "invalid_json"),
    ("a form", "POST", "/v1/chat/completions", {"data": {"model": "echo"}}, 400, "invalid_json"),
    (
        "too large",
        "POST",
        "/v1/chat/completions",
        {"json": {"model": "echo", "messages": [{"role": "user", "content": "x" * 70_000}]}},
        413,
        "request_too_large",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "sent", "status", "code"), [r[1:] for r in RAW], ids=[r[0] for r in RAW]
)
def test_a_request_refused_before_any_handler_is_in_openai_shape(
    server: tuple[str, str],
    home: Home,
    method: str,
    path: str,
    sent: dict[str, Any],
    status: int,
    code: str,
) -> None:
    """What no typed client sends, but a hand-written frontend or curl does."""
    url, token = server
    before = _events(home)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if "data" in sent:
        del headers["Content-Type"]
    answer = httpx.request(method, url + path, headers=headers, timeout=30, **sent)
    assert answer.status_code == status
    error = answer.json()["error"]
    assert set(error) == {"message", "type", "code", "param"}
    assert error["type"] in OPENAI_TYPES and error["code"] == code, error
    assert "There was an error" not in error["message"] and error["message"] != "Not Found"
    assert _events(home) == before


@pytest.mark.parametrize(
    ("exc", "kind", "code"),
    [
        (InvalidInput("x"), "invalid_request_error", "invalid_input"),
        (MouthUnavailable("the mouth's server is down"), "server_error", "mouth_unavailable"),
    ],
)
def test_a_library_error_never_names_a_python_class_as_its_type(
    exc: Exception, kind: str, code: str
) -> None:
    """The streamed path writes this body into the event stream when a mouth fails mid-reply."""
    assert isinstance(exc, InvalidInput | MouthUnavailable)
    error = library_error_body(exc)["error"]
    assert (error["type"], error["code"]) == (kind, code)
