"""The OpenAI-compatible continuity proxy: ``/v1/models`` and ``/v1/chat/completions``.

Any frontend that speaks the OpenAI API (SillyTavern, Open WebUI, ...) points
here. The proxy does not forward the frontend's prompt: it takes the human's
last message and the conversation so far, assembles the context *from the
home* (verified identity as instructions, everything else fenced), calls the
chosen mouth under its egress policy, and journals both sides. System messages
sent by the frontend are not obeyed (only the verified core and boundaries
are instructions); the response says how many were set aside.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Annotated, Any, Literal

import anyio
import orjson
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import AfterValidator, BaseModel, Field

from truehearth.core.errors import InvalidInput, TruehearthError
from truehearth.home import Home
from truehearth.mouths import registry
from truehearth.mouths.base import GenerationParams, Message
from truehearth.server.deps import error_body, open_home, pool_of, settings_of
from truehearth.turn import Conversation, TurnResult


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: str | None = None
    param: str | None = None


class ErrorBody(BaseModel):
    """Errors come in the shape OpenAI clients expect."""

    error: ErrorDetail


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Refused input (empty message, context too small...)"},
    401: {"description": "Missing or wrong bearer token"},
    403: {"model": ErrorBody, "description": "Refused by the egress policy or a consent gate"},
    404: {"model": ErrorBody, "description": "Unknown model (mouth)"},
    409: {"model": ErrorBody, "description": "The home fails verification: it will not talk"},
    413: {"model": ErrorBody, "description": "Request body too large"},
    502: {"model": ErrorBody, "description": "The mouth failed or misbehaved"},
    503: {
        "model": ErrorBody,
        "description": "The home is busy with another writer (see Retry-After)",
    },
}

router = APIRouter(prefix="/v1", tags=["openai"], responses=_ERRORS)

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


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "truehearth"
    standing: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


@router.get("/models")
def list_models(home: Annotated[Home, Depends(open_home)]) -> ModelList:
    """The registered mouths, with their standing."""
    return ModelList(
        data=[ModelCard(id=e.name, standing=e.standing.value) for e in registry.mouths(home)]
    )


def _params(base: GenerationParams, body: ChatRequest) -> GenerationParams:
    stop = (body.stop,) if isinstance(body.stop, str) else tuple(body.stop or base.stop)
    return GenerationParams(
        max_tokens=body.max_completion_tokens or body.max_tokens or base.max_tokens,
        temperature=base.temperature if body.temperature is None else body.temperature,
        top_p=base.top_p if body.top_p is None else body.top_p,
        seed=base.seed if body.seed is None else body.seed,
        stop=stop,
    )


def _session(body: ChatRequest, header: str | None) -> str:
    """A stable session id for one frontend chat: header, ``user``, or its first message."""
    if header:
        return header.strip()[:100]
    first = next((m.text() for m in body.messages if m.role == "user"), "")
    seed = f"{body.model}\x00{body.user or ''}\x00{first}".encode()
    return "s-proxy-" + hashlib.blake2b(seed, digest_size=8).hexdigest()


def _conversation(
    request: Request, home: Home, body: ChatRequest, session: str
) -> tuple[Conversation, str, int]:
    """The conversation for this request and the human's new words."""
    *before, last = body.messages
    if last.role != "user":
        raise InvalidInput("the last message must be the human's (role 'user')")
    text = last.text()
    history: list[Message] = []
    ignored = 0
    for message in before:
        if message.role == "user":
            history.append(Message("user", message.text()))
        elif message.role == "assistant":
            history.append(Message("assistant", message.text()))
        else:
            ignored += 1
    entry = registry.entry(home, body.model)
    mouth = pool_of(request).get(entry)
    conversation = Conversation(
        home,
        mouth,
        entry.name,
        params=_params(entry.params, body),
        session=session,
        allowed_layers=registry.sendable(entry),
        via="proxy",
        history=history,
        turns=sum(1 for m in history if m.role == "user"),
    )
    return conversation, text, ignored


def _usage(result: TurnResult, completion: int) -> dict[str, int]:
    prompt = result.context.total_tokens
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _provenance(result: TurnResult) -> dict[str, Any]:
    return {
        "session": result.session,
        "turn": result.index,
        "human_record": result.human.id,
        "reply_record": result.reply.id if result.reply else None,
        "trust": result.reply.trust.value if result.reply else None,
        "interrupted": result.interrupted,
    }


@router.post("/chat/completions", response_model=None)
def chat_completions(
    body: ChatRequest,
    request: Request,
    session_header: Annotated[str | None, Header(alias=SESSION_HEADER)] = None,
) -> Any:
    """One turn through the home, streamed (SSE) or whole."""
    settings = settings_of(request)
    home = Home.open(settings.home, key=settings.key)
    try:
        conversation, text, ignored = _conversation(
            request, home, body, _session(body, session_header)
        )
        headers = {
            "X-Truehearth-Ignored-System": str(ignored),
            SESSION_HEADER: conversation.session,
        }
        if body.stream:
            # Assembling the context happens here, so bad input is refused with a
            # proper status before the first byte of the stream.
            pieces = conversation.stream(text)
            return StreamingResponse(
                _sse_async(_sse(home, conversation, pieces, body.model)),
                media_type="text/event-stream",
                headers=headers,
            )
        try:
            result = conversation.say(text)
        finally:
            home.close()
    except BaseException:
        home.close()
        raise
    said = result.reply.text if result.reply else ""
    completion = conversation.mouth.count_tokens(said) if said else 0
    payload = {
        "id": f"chatcmpl-{result.reply.id if result.reply else result.human.id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": conversation.name,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": said},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(result, completion),
        "truehearth": _provenance(result),
    }
    return JSONResponse(payload, headers=headers)


def _chunk(cid: str, model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    data = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + orjson.dumps(data) + b"\n\n"


async def _sse_async(chunks: Generator[bytes, None, None]) -> AsyncIterator[bytes]:
    """Drive the blocking event stream from worker threads, and always close it.

    A client that leaves mid-reply cancels this generator; the pending ``next``
    finishes (a worker thread cannot be interrupted), and then the stream is
    closed, shielded from the cancellation, so the words already said are
    journaled before the home is closed.
    """
    try:
        while (chunk := await anyio.to_thread.run_sync(next, chunks, None)) is not None:
            yield chunk
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(chunks.close)


def _sse(
    home: Home, conversation: Conversation, pieces: Iterator[str], model: str
) -> Generator[bytes, None, None]:
    """Server-sent events; the turn is journaled when the stream ends or the client leaves."""
    cid = "chatcmpl-" + conversation.session
    try:
        yield _chunk(cid, model, {"role": "assistant", "content": ""})
        try:
            for piece in pieces:
                yield _chunk(cid, model, {"content": piece})
        except TruehearthError as exc:
            yield b"data: " + orjson.dumps(error_body(str(exc), type(exc).__name__)) + b"\n\n"
            return
        result = conversation.last
        final = _chunk(cid, model, {}, "stop")
        if result is not None:
            data = orjson.loads(final[6:])
            data["truehearth"] = _provenance(result)
            final = b"data: " + orjson.dumps(data) + b"\n\n"
        yield final
        yield b"data: [DONE]\n\n"
    finally:
        # A client that leaves mid-reply closes this generator: close the turn's
        # stream first, so what was said is journaled before the home closes.
        close = getattr(pieces, "close", None)
        if close is not None:
            close()
        home.close()
