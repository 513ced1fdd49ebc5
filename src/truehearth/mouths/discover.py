"""Finding the model servers already running on this machine.

Most people who care about a companion already run a better model than the
embedded one: Ollama, LM Studio, llama.cpp's server, Jan, KoboldCpp or
text-generation-webui. Each listens on a well-known loopback port and speaks
the OpenAI API. Discovery asks each port for its model list, and nothing
else: only ``GET`` listing requests, only to loopback (or a unix socket the
human names), each with a short timeout. Nothing about the home is sent.

What a server says is data from another program: model ids are checked
(printable, bounded), sizes and context lengths must be plain numbers, and a
server that answers garbage, times out or lists no models is reported in one
line instead of failing the whole search.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import httpx

from truehearth.core.errors import InvalidInput
from truehearth.mouths.egress import Destination, connect_url, destination

TIMEOUT_S = 0.5
MAX_MODELS = 200
MAX_BODY = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Candidate:
    """Where a server may listen: its kind, base URL (``…/v1``) and an optional socket."""

    kind: str
    base_url: str
    socket: str | None = None


KNOWN: tuple[Candidate, ...] = (
    Candidate("ollama", "http://127.0.0.1:11434/v1"),
    Candidate("lm-studio", "http://127.0.0.1:1234/v1"),
    Candidate("llama.cpp", "http://127.0.0.1:8080/v1"),
    Candidate("jan", "http://127.0.0.1:1337/v1"),
    Candidate("koboldcpp", "http://127.0.0.1:5001/v1"),
    Candidate("text-generation-webui", "http://127.0.0.1:5000/v1"),
)


@dataclass(frozen=True, slots=True)
class FoundModel:
    id: str
    size_bytes: int | None = None
    context_length: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size_bytes": self.size_bytes,
            "context_length": self.context_length,
        }


@dataclass(frozen=True, slots=True)
class Found:
    """What one candidate answered: its models, or one line saying why there are none."""

    candidate: Candidate
    models: tuple[FoundModel, ...] = ()
    problem: str | None = None
    listening: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.candidate.kind,
            "url": self.candidate.base_url,
            "socket": self.candidate.socket,
            "listening": self.listening,
            "models": [m.to_json() for m in self.models],
            "problem": self.problem,
        }


@dataclass
class _Extras:
    """Per-kind listing endpoints that add sizes and context lengths to ``/v1/models``."""

    sizes: dict[str, int] = field(default_factory=dict)
    contexts: dict[str, int] = field(default_factory=dict)
    default_context: int | None = None


def candidate_for(url: str, socket: str | None = None, kind: str = "given") -> Candidate:
    """A candidate the human names; only loopback URLs or a unix socket are ever probed."""
    base = url.rstrip("/")
    if socket is None and destination(base) is not Destination.LOOPBACK:
        raise InvalidInput(
            f"discovery only looks on this machine: {base} is not a loopback address "
            "(register a remote or LAN server with `truehearth mouth add --url … --allow-…`)"
        )
    if not base.endswith("/v1"):
        base += "/v1"
    return Candidate(kind, base, socket)


def discover(candidates: Iterable[Candidate] = KNOWN, *, timeout: float = TIMEOUT_S) -> list[Found]:
    """Ask every candidate for its models, in parallel; one :class:`Found` each.

    The TCP probes share one client: building a client per probe costs more
    than the probes themselves when nothing is listening (the usual case).
    """
    chosen = list(candidates)
    with (
        httpx.Client(timeout=timeout, trust_env=False) as shared,
        ThreadPoolExecutor(max_workers=max(1, min(8, len(chosen)))) as pool,
    ):
        return list(pool.map(lambda c: probe(c, timeout=timeout, client=shared), chosen))


def probe(
    candidate: Candidate, *, timeout: float = TIMEOUT_S, client: httpx.Client | None = None
) -> Found:
    """List one server's models (and what its kind adds: sizes, context lengths)."""
    if candidate.socket is None and destination(candidate.base_url) is not Destination.LOOPBACK:
        return Found(candidate, problem="not a loopback address: not probed", listening=False)
    if candidate.socket is not None or client is None:
        transport = httpx.HTTPTransport(uds=candidate.socket) if candidate.socket else None
        with httpx.Client(timeout=timeout, transport=transport, trust_env=False) as own:
            return _listed(candidate, own, timeout)
    return _listed(candidate, client, timeout)


def _listed(candidate: Candidate, client: httpx.Client, timeout: float) -> Found:
    base = connect_url(candidate.base_url)
    try:
        listing = _get_json(client, base + "/models")
        models = _models(listing, _extras(client, base, candidate.kind))
    except httpx.ConnectError:
        return Found(candidate, problem="nothing listening", listening=False)
    except httpx.TimeoutException:
        return Found(candidate, problem=f"did not answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        return Found(candidate, problem=f"failed: {type(exc).__name__}")
    except _Garbage as exc:
        return Found(candidate, problem=str(exc))
    if not models:
        return Found(candidate, problem="answered, but lists no models")
    return Found(candidate, tuple(models))


class _Garbage(Exception):
    """The server answered something that is not a model listing."""


def _get_json(client: httpx.Client, url: str) -> Any:
    response = client.get(url)
    if response.status_code != 200:
        raise _Garbage(f"answered {response.status_code} to GET {url.rsplit('/', 2)[-1]}")
    if len(response.content) > MAX_BODY:
        raise _Garbage("answered with an oversized model list")
    try:
        return response.json()
    except ValueError:
        raise _Garbage("answered, but not with JSON (not an OpenAI-compatible server?)") from None


def _optional(client: httpx.Client, url: str) -> Any:
    """An extra listing endpoint: its JSON, or ``None`` when the server has no such thing."""
    try:
        return _get_json(client, url)
    except (_Garbage, httpx.HTTPError):
        return None


def _extras(client: httpx.Client, base: str, kind: str) -> _Extras:
    """What the kind's own listings add; a server of unknown kind is asked each one's."""
    root = base.removesuffix("/v1")
    reader = _EXTRA_READERS.get(kind)
    if reader is not None:
        return reader(client, root)
    merged = _Extras()
    for each in _EXTRA_READERS.values():
        found = each(client, root)
        merged.sizes.update(found.sizes)
        merged.contexts.update(found.contexts)
        merged.default_context = merged.default_context or found.default_context
    return merged


def _ollama(client: httpx.Client, root: str) -> _Extras:
    tags = _optional(client, root + "/api/tags")
    extras = _Extras()
    for item in _items(tags, "models"):
        name, size = item.get("name"), _count(item.get("size"))
        if isinstance(name, str) and size is not None:
            extras.sizes[name] = size
    return extras


def _lm_studio(client: httpx.Client, root: str) -> _Extras:
    extras = _Extras()
    for item in _items(_optional(client, root + "/api/v0/models"), "data"):
        name, ctx = item.get("id"), _count(item.get("max_context_length"))
        if isinstance(name, str) and ctx is not None:
            extras.contexts[name] = ctx
    return extras


def _llama_cpp(client: httpx.Client, root: str) -> _Extras:
    props = _optional(client, root + "/props")
    extras = _Extras()
    if isinstance(props, dict):
        settings = props.get("default_generation_settings")
        n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else props.get("n_ctx")
        extras.default_context = _count(n_ctx)
    return extras


def _koboldcpp(client: httpx.Client, root: str) -> _Extras:
    answer = _optional(client, root + "/api/extra/true_max_context_length")
    extras = _Extras()
    if isinstance(answer, dict):
        extras.default_context = _count(answer.get("value"))
    return extras


_EXTRA_READERS: dict[str, Callable[[httpx.Client, str], _Extras]] = {
    "ollama": _ollama,
    "lm-studio": _lm_studio,
    "llama.cpp": _llama_cpp,
    "koboldcpp": _koboldcpp,
}


def _items(data: Any, key: str) -> list[dict[str, Any]]:
    rows = data.get(key) if isinstance(data, dict) else None
    return [r for r in rows[:MAX_MODELS] if isinstance(r, dict)] if isinstance(rows, list) else []


def _count(value: Any) -> int | None:
    """A positive whole number from another program's JSON, or ``None``."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**53:
        return None
    return value


def _models(listing: Any, extras: _Extras) -> list[FoundModel]:
    if not isinstance(listing, dict) or not isinstance(listing.get("data"), list):
        raise _Garbage("answered, but not with an OpenAI model list (no 'data' array)")
    found: list[FoundModel] = []
    for item in _items(listing, "data"):
        model_id = item.get("id")
        if not _valid_id(model_id):
            continue
        raw_meta = item.get("meta")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        context = (
            extras.contexts.get(model_id)
            or _count(item.get("context_length"))
            or _count(meta.get("n_ctx_train"))
            or extras.default_context
        )
        size = extras.sizes.get(model_id) or _count(meta.get("size"))
        found.append(FoundModel(model_id, size, context))
    return found


def _valid_id(value: Any) -> TypeGuard[str]:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 200
        and value.isprintable()
        and not any(c.isspace() and c != " " for c in value)
    )


def first_models(found: Sequence[Found]) -> list[tuple[Found, FoundModel]]:
    """Every (server, model) pair found, in the order shown to the human."""
    return [(f, m) for f in found for m in f.models]
