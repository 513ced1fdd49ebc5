"""The prompt a probe puts to a mouth: one assembly, shared by the reply and the preference.

A probe's message is assembled by the real context router, exactly as a chat
turn would be, with a fence tag derived from the home's secret and the
probe, so the same probe gets the same prompt on every run (and a greedy
model the same reply), and no record can guess the tag. The reply and the
preference probe read the same prompt; built here once, a model that keeps
its cache evaluates it once.
"""

from __future__ import annotations

from collections.abc import Collection

from truehearth.context import assemble, fences
from truehearth.continuity.probe import Probe
from truehearth.core.records import Layer
from truehearth.home import Home
from truehearth.mouths.base import GenerationParams, Message, Mouth


def probe_prompt(
    home: Home,
    mouth: Mouth,
    probe: Probe,
    message: str,
    secret: bytes,
    *,
    params: GenerationParams,
    allowed_layers: Collection[Layer] | None = None,
    fence: fences.FenceStyle = fences.DEFAULT_STYLE,
) -> tuple[Message, ...]:
    """The messages ``mouth`` is given for ``message`` (the probe's own or a variant)."""
    context = assemble(
        home,
        mouth,
        message,
        history=probe.history,
        params=params,
        allowed_layers=allowed_layers,
        nonce=fences.derived_nonce(secret, f"check:{probe.id}:{message}"),
        fence=fence,
    )
    return tuple(context.messages)
