"""What a chat request to the proxy may hold, and what it is refused before any turn.

The request's shape (OpenAI's ``/v1/chat/completions`` body, as far as the
proxy reads it) and the refusals that need no home: what the proxy does not do
(``n > 1``, tools, log-probabilities), a last message of only pictures, a
session header the journal cannot keep. Each refusal is a 400 in OpenAI's
shape naming the field at fault, before anything is journaled.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field

from truehearth.server.deps import error_body

SESSION_HEADER = "X-Truehearth-Session"


def _encodable(value: str) -> str:
    """Refuse text that cannot be stored as UTF-8 (a lone surrogate such as ``\\ud800``)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (it holds a lone surrogate)") from None
    return value


Text = Annotated[str, AfterValidator(_encodable)]
MAX_SEED = 2**32 - 1  # llama.cpp and most servers take a 32-bit seed


class ContentPart(BaseModel):
    type: Text
    text: Text | None = None


class ChatMessage(BaseModel):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: Text | list[ContentPart] | None = None
    name: Text | None = None

    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text or "" for part in self.content if part.type == "text")


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatRequest(BaseModel):
    model: Text = Field(max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=2000)
    stream: bool = False
    max_tokens: int | None = Field(default=None, ge=1, le=32_768)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=32_768)
    temperature: float | None = Field(default=None, ge=0, le=2, allow_inf_nan=False)
    top_p: float | None = Field(default=None, gt=0, le=1, allow_inf_nan=False)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED)
    stop: Text | list[Text] | None = None
    user: Text | None = Field(default=None, max_length=200)
    n: int | None = Field(default=None, ge=1, le=128)
    tools: list[Any] | None = None
    functions: list[Any] | None = None
    tool_choice: Any = None
    function_call: Any = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    stream_options: StreamOptions | None = None


def unsupported(body: ChatRequest) -> JSONResponse | None:
    """Say so, in OpenAI's shape, when the request wants what the proxy does not do."""
    if body.n is not None and body.n > 1:
        param, why = "n", "n > 1 is not supported: the home journals one reply per turn; use n=1"
    elif body.tools or body.functions:
        param, why = (
            "tools",
            "tools and functions are not supported by this proxy; send the chat only",
        )
    elif body.logprobs or body.top_logprobs:
        param = "logprobs" if body.logprobs else "top_logprobs"
        why = f"{param} is not supported: the proxy's mouths give no token log-probabilities"
    elif body.tool_choice not in (None, "none") or body.function_call not in (None, "none"):
        param = "tool_choice" if body.tool_choice not in (None, "none") else "function_call"
        why = f"{param} is not supported: this proxy calls no tools; send the chat only"
    elif (only := _without_text(body)) is not None:
        at, kinds = only
        param = f"messages.{at}.content"
        why = (
            f"the message holds only {kinds} and no text: this proxy reads text only "
            "(say in words what it shows)"
        )
    else:
        return None
    content = error_body(why)
    content["error"].update(param=param, code="unsupported_parameter")
    return JSONResponse(status_code=400, content=content)


MAX_SESSION = 100
_SESSION = re.compile(r"[\x20-\x7e]+")


def bad_session(header: str | None) -> JSONResponse | None:
    """Refuse a session header the journal should not keep as an id.

    It names the session in the journal, ``truehearth log`` and the web UI; it
    was cut to its first 100 characters (two long ids alike there became one
    session) and control characters went into the journal as they came.
    """
    given = (header or "").strip()
    if not given:
        return None
    if len(given) > MAX_SESSION:
        why = f"{SESSION_HEADER} is {len(given)} characters; the limit is {MAX_SESSION}"
    elif not _SESSION.fullmatch(given):
        why = f"{SESSION_HEADER} may hold printable ASCII only (letters, digits, - _ . : ...)"
    else:
        return None
    content = error_body(why)
    content["error"].update(param=SESSION_HEADER, code="invalid_value")
    return JSONResponse(status_code=400, content=content)


def _without_text(body: ChatRequest) -> tuple[int, str] | None:
    """The last message, when it is parts none of which is text (a picture, a sound).

    Read as text it is empty, and an empty send asks the companion to speak on:
    the human who sent a picture would get a reply to something else.
    """
    at = len(body.messages) - 1
    content = body.messages[at].content
    if not isinstance(content, list) or not content or body.messages[at].role != "user":
        return None
    if any(part.type == "text" for part in content):
        return None
    return at, ", ".join(dict.fromkeys(part.type for part in content))
