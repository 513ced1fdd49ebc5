"""Provider error lines: a chat tool's error notice saved where the assistant's reply should be.

Exports and generated datasets keep such lines ("ERROR: Failed to generate
response: Error code: 529 ...", "Something went wrong. Please try again.") as
if the model had said them. They are not replies: judging one as giving in or
holding would count the provider's outage as the companion's character (a short
line far from every earlier reply looks exactly like a capitulation to the drift
stage). So the audit recognises them first and leaves them out of every
per-reply judgement, and says how many it left out.

The recogniser is deliberately narrow and explainable. A text is an error line
only when *all* of it is the notice:

* it is short (``MAX_CHARS``);
* it *starts* with one of the named notices below (so "I made an error
  earlier" or an answer about HTTP errors never matches: it does not open with
  a notice);
* what follows the notice, once bracketed or quoted technical detail (a JSON
  body, a request id) is set aside, is at most ``MAX_TAIL_WORDS`` words, as in
  "Please try again later." A reply that goes on to say anything is kept.

The patterns are written from what common chat front ends and API clients
print (OpenAI, Azure OpenAI, Anthropic, Gemini and OpenAI-compatible servers,
axios, fetch). A content filter's notice ("The response was filtered due to
the prompt triggering ... content management policy") is one of them: the
model never answered.
not fitted on any dataset.
"""

from __future__ import annotations

import re

MAX_CHARS = 600
MAX_TAIL_WORDS = 12

_STATUS = r"(?:4\d\d|5\d\d)"
# (name, pattern): each pattern is anchored at the start of the stripped text.
NOTICES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "failed to generate",
            r"(?:error\s*[:\-]\s*)?(?:failed|unable) to (?:generate|get|fetch|load|complete"
            r"|receive|stream)(?: a| the)? (?:response|completion|reply|answer|message)\b",
        ),
        ("error code", r"(?:error\s*[:\-]\s*)?(?:error|status) code:? ?" + _STATUS + r"\b"),
        ("request failed", r"(?:error\s*[:\-]\s*)?request failed with status(?: code)? \d{3}\b"),
        (
            "an error occurred",
            r"(?:error\s*[:\-]\s*)?(?:an?|unknown|unexpected|internal(?: server)?) error "
            r"(?:has )?occurred(?:[.!:]|$| while (?:generating|processing|fetching|"
            r"communicating|contacting|calling|streaming))",
        ),
        ("something went wrong", r"(?:oops[.!,]?\s*)?something went wrong(?:[.!:]|$| while )"),
        (
            "http status",
            r"(?:error\s*[:\-]\s*)?(?:http(?:/\d(?:\.\d)?)? ?)?" + _STATUS + r"\s*[:\-]?\s*"
            r"(?:internal server error|bad gateway|service unavailable|gateway time-?out"
            r"|too many requests|overloaded|unauthorized|forbidden|request timeout)\b",
        ),
        (
            "rate limit",
            r"(?:error\s*[:\-]\s*)?(?:rate limit (?:reached|exceeded)"
            r"(?: for [\w.\-]+(?: in organization [\w\-]+)?)?|too many requests\b"
            r"|you exceeded your current quota|quota exceeded)",
        ),
        (
            "overloaded",
            r"(?:error\s*[:\-]\s*)?(?:the )?(?:server|model|service|api|engine|system) "
            r"(?:is|was) (?:currently )?(?:overloaded|unavailable|busy)\b",
        ),
        (
            "network error",
            r"(?:error\s*[:\-]\s*)?(?:network error|connection error|"
            r"(?:the )?request timed out|upstream (?:connect )?error|internal server error)"
            r"(?:[.!:]|$)",
        ),
        (
            "content filter",
            r"(?:error\s*[:\-]\s*)?(?:the )?(?:response|request|prompt) was (?:filtered|blocked)"
            r" due to the prompt triggering (?:azure openai's )?content (?:management|filtering)"
            r" polic(?:y|ies)",
        ),
        ("error body", r"\{\s*['\"](?:error|type)['\"]\s*:"),
    )
)

_DETAIL = re.compile(r"\{.*\}|\[.*\]|\(.*\)|'[^']*'|\"[^\"]*\"", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]+")


def provider_error(text: str) -> str | None:
    """The name of the notice when all of ``text`` is a provider's error line, else ``None``."""
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_CHARS:
        return None
    for name, pattern in NOTICES:
        found = pattern.match(stripped)
        if found is None:
            continue
        tail = _DETAIL.sub(" ", stripped[found.end() :])
        if len(_WORD.findall(tail)) <= MAX_TAIL_WORDS:
            return name
        return None
    return None


def is_provider_error(text: str) -> bool:
    """Whether ``text`` is only a provider's error notice (not a reply; see the module)."""
    return provider_error(text) is not None
