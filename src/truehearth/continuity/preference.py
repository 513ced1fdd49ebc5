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

The check asks each preference right after the mouth has replied to the
probe's own message, in the same prompt (:func:`prefer`): the embedded
mouth's cache still holds that prompt, so the preference costs the two
replies' tokens, not a second reading of a 1,000-token prompt.

Only a mouth that exposes log-probabilities can be asked: the embedded
llama.cpp mouth (:meth:`LlamaMouth.logprob`). An HTTP mouth would count
only where its server returns prompt log-probabilities; none is assumed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from truehearth.context import fences
from truehearth.continuity.fixtures import imitation_reply
from truehearth.continuity.probe import Probe, Suite
from truehearth.continuity.prompt import probe_prompt
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


def asks_preference(probe: Probe) -> bool:
    """Whether ``probe`` has a preference to ask: a reference reply, in the fixture home
    (the warm-but-wrong reply is the fixture imitation's)."""
    return bool(probe.reference) and probe.home == "fixture"


def prefer(mouth: LogprobMouth, probe: Probe, messages: Sequence[Message]) -> Preference:
    """The model's preference between the faithful and the warm reply to ``messages``.

    ``messages`` is the prompt of the probe's own message (:func:`probe_prompt`).
    The check asks right after the mouth's reply to that same prompt, so a
    model that keeps its cache (the embedded mouth keeps whole, aligned batches
    of it) reads only the prompt's last few tokens again, not the whole prompt.
    """
    warm = imitation_reply(messages)
    faithful_lp, faithful_n = mouth.logprob(messages, probe.reference or "")
    warm_lp, warm_n = mouth.logprob(messages, warm)
    return Preference(
        probe.id,
        probe.dimension,
        faithful_lp / max(faithful_n, 1),
        warm_lp / max(warm_n, 1),
    )


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
    """The preferences alone, without asking for replies: one per probe with a reference.

    The check does not call this: it asks each preference beside the probe's reply
    (``run_probes(..., preferences=True)``), which reads the same prompt.
    """
    if not isinstance(mouth, LogprobMouth):
        return []
    chosen = [p for p in suite.probes if asks_preference(p)]
    found: list[Preference] = []
    secret = home.signing_key().private_bytes_raw()  # the same prompt on every run
    for number, probe in enumerate(chosen, 1):
        messages = probe_prompt(
            home,
            mouth,
            probe,
            probe.message,
            secret,
            params=params,
            allowed_layers=allowed_layers,
            fence=fence,
        )
        found.append(prefer(mouth, probe, messages))
        if progress is not None:
            progress(number, len(chosen), probe.id)
    return found


def preferred_share(found: Sequence[Preference]) -> float | None:
    """The share of probes where the model finds the faithful reply more likely."""
    if not found:
        return None
    return sum(p.prefers_faithful for p in found) / len(found)
