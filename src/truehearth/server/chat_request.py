"""What a chat request to the proxy may hold, and what it is refused before any turn.

The request's shape (OpenAI's ``/v1/chat/completions`` body, as far as the
proxy reads it) and the refusals that need no home: what the proxy does not do
(``n > 1``, more than four ``stop`` sequences, tools, log-probabilities, an
answer in JSON or sound, a tool result to answer), a last message of only pictures, a
session header the journal cannot keep. Each refusal is a 400 in OpenAI's
shape naming the field at fault, before anything is journaled.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from truehearth.server.deps import error_body

SESSION_HEADER = "X-Truehearth-Session"


def _encodable(value: str) -> str:
    """Refuse text that cannot be stored as UTF-8 (a lone surrogate such as ``\\ud800``)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (it holds a lone surrogate)") from None
    return value


def _a_number(value: object) -> object:
    """Refuse a number sent as text or as true/false, as OpenAI does.

    Pydantic's lax mode read ``"100"`` as 100 and ``true`` as 1: a frontend's
    mistake that would pass unnoticed and be journaled as a parameter used.
    """
    if isinstance(value, str | bool):
        sent = "text" if isinstance(value, str) else "true/false"
        raise ValueError(f"must be a number, not {sent}")
    return value


Text = Annotated[str, AfterValidator(_encodable)]
Int = Annotated[int, BeforeValidator(_a_number)]
Float = Annotated[float, BeforeValidator(_a_number)]
MAX_SEED = 2**32 - 1  # llama.cpp and most servers take a 32-bit seed
MAX_STOP = 4
"""OpenAI's limit: a mouth that is OpenAI itself would refuse more, after the turn began."""


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
    include_usage: StrictBool = False


class ChatRequest(BaseModel):
    """The body as the proxy reads it; other OpenAI parameters are accepted and set aside.

    Frontends send sampling knobs with every request (SillyTavern:
    ``frequency_penalty``, ``presence_penalty``, ``logit_bias``; Ollama-minded
    ones ``top_k``, ``min_p``, ``repeat_penalty``). Refusing them would break
    those frontends; the mouths honour only the fields named here, so the
    others (:func:`ignored_parameters`) are said back in the reply, not dropped
    silently. What would change the *shape* of the answer is refused
    (:func:`unsupported`).
    """

    model_config = ConfigDict(extra="allow")

    model: Text = Field(max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=2000)
    stream: StrictBool = False  # "yes" was read as true
    max_tokens: Int | None = Field(default=None, ge=1, le=32_768)
    max_completion_tokens: Int | None = Field(default=None, ge=1, le=32_768)
    temperature: Float | None = Field(default=None, ge=0, le=2, allow_inf_nan=False)
    top_p: Float | None = Field(default=None, gt=0, le=1, allow_inf_nan=False)
    seed: Int | None = Field(default=None, ge=0, le=MAX_SEED)
    stop: Text | list[Text] | None = None
    user: Text | None = Field(default=None, max_length=200)
    n: Int | None = Field(default=None, ge=1, le=128)
    tools: list[Any] | None = None
    functions: list[Any] | None = None
    tool_choice: Any = None
    function_call: Any = None
    logprobs: StrictBool | None = None
    top_logprobs: Int | None = Field(default=None, ge=0, le=20)
    stream_options: StreamOptions | None = None
    response_format: Any = None
    modalities: Any = None
    audio: Any = None


NEUTRAL: dict[str, object] = {"repetition_penalty": 1, "repeat_penalty": 1}
"""Values of set-aside parameters that ask for nothing (besides null, 0, false and empty)."""


def ignored_parameters(body: ChatRequest) -> list[str]:
    """The parameters the request sets that no mouth here honours (said back, not dropped).

    A parameter at its neutral value (``frequency_penalty: 0``, ``logit_bias:
    {}``, which SillyTavern always sends) asks for nothing, so it is not listed.
    """
    extra = body.model_extra or {}
    return sorted(
        name
        for name, value in extra.items()
        if value not in (None, 0, False, "", [], {}) and NEUTRAL.get(name) != value
    )


def unsupported(body: ChatRequest) -> JSONResponse | None:
    """Say so, in OpenAI's shape, when the request wants what the proxy does not do."""
    if body.n is not None and body.n > 1:
        param, why = "n", "n > 1 is not supported: the home journals one reply per turn; use n=1"
    elif isinstance(body.stop, list) and len(body.stop) > MAX_STOP:
        param = "stop"
        why = f"stop holds {len(body.stop)} sequences; at most {MAX_STOP} are allowed"
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
    elif (shape := _answer_shape(body)) is not None:
        param, why = shape
    elif body.messages[-1].role == "tool":
        param = f"messages.{len(body.messages) - 1}.role"
        why = (
            "the last message is a tool result: this proxy calls no tools, so there is "
            "nothing to answer; send the human's message"
        )
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


def _answer_shape(body: ChatRequest) -> tuple[str, str] | None:
    """A request for an answer that is not a chat reply in text (JSON, sound)."""
    kind = body.response_format.get("type") if isinstance(body.response_format, dict) else None
    if body.response_format is not None and kind != "text":
        return (
            "response_format",
            f"response_format {kind or body.response_format!r} is not supported: the "
            "companion answers in plain text (leave it out, or use type 'text')",
        )
    if body.audio is not None or (
        isinstance(body.modalities, list) and any(m != "text" for m in body.modalities)
    ):
        param = "audio" if body.audio is not None else "modalities"
        return param, f"{param}: this proxy answers in text only"
    return None


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
