"""Preference probes: which reply does the model itself make more likely?

A sampled reply is one draw; a model that is faithful four times in five can
be unlucky once, and a warm imitation can luck into the right words. A
preference probe asks the model, through its logits, how likely it finds
two replies to the same probe in the same context: the probe's faithful
``reference`` and the shipped imitation's warm-but-wrong reply. The model
"prefers" the one with the higher mean log-probability per token (the mean,
so a longer reply is not penalised for its length). This needs no judge and
no sampling: it is deterministic and cheap, and it measures the model rather
than one reply.

Only a mouth that exposes log-probabilities can be asked: the embedded
llama.cpp mouth (:meth:`LlamaMouth.logprob`). An HTTP mouth would count
only where its server returns prompt log-probabilities; none is assumed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from truehearth.context import assemble, fences
from truehearth.continuity.fixtures import imitation_reply
from truehearth.continuity.probe import Suite
from truehearth.core.progress import Progress
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.mouths.base import GenerationParams, Message, Mouth


@runtime_checkable
class LogprobMouth(Protocol):
    def logprob(self, messages: Sequence[Message], continuation: str) -> tuple[float, int]: ...


@dataclass(frozen=True, slots=True)
class Preference:
    probe: str
    dimension: str
    faithful: float  # mean log-probability per token
    warm: float

    @property
    def margin(self) -> float:
        return self.faithful - self.warm

    @property
    def prefers_faithful(self) -> bool:
        return self.margin > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "probe": self.probe,
            "dimension": self.dimension,
            "faithful_logprob": round(self.faithful, 4),
            "warm_logprob": round(self.warm, 4),
            "prefers_faithful": self.prefers_faithful,
        }


def preference_probes(
    mouth: Mouth,
    suite: Suite,
    home: Home,
    *,
    params: GenerationParams,
    progress: Progress | None = None,
    allowed_layers: Collection[Layer] | None = None,
    fence: fences.FenceStyle = fences.DEFAULT_STYLE,
) -> list[Preference]:
    """One preference per probe that has a reference reply (the message, not its variants)."""
    if not isinstance(mouth, LogprobMouth):
        return []
    chosen = [p for p in suite.probes if p.reference and p.home == "fixture"]
    found: list[Preference] = []
    secret = home.signing_key().private_bytes_raw()  # the same prompt on every run
    for number, probe in enumerate(chosen, 1):
        context = assemble(
            home,
            mouth,
            probe.message,
            history=probe.history,
            params=params,
            allowed_layers=allowed_layers,
            nonce=fences.derived_nonce(secret, f"check:{probe.id}:{probe.message}"),
            fence=fence,
        )
        messages = list(context.messages)
        warm = imitation_reply(messages)
        faithful_lp, faithful_n = mouth.logprob(messages, probe.reference or "")
        warm_lp, warm_n = mouth.logprob(messages, warm)
        found.append(
            Preference(
                probe.id,
                probe.dimension,
                faithful_lp / max(faithful_n, 1),
                warm_lp / max(warm_n, 1),
            )
        )
        if progress is not None:
            progress(number, len(chosen), probe.id)
    return found


def preferred_share(found: Sequence[Preference]) -> float | None:
    """The share of probes where the model finds the faithful reply more likely."""
    if not found:
        return None
    return sum(p.prefers_faithful for p in found) / len(found)
