"""Who may write what: the consent gates, as pure functions.

The rules (see DESIGN.md, invariants 3-5):

* ``core`` and ``boundary`` change only through a proposal the human accepts;
  a direct write is refused in every voice, and the refusal is journaled.
* Only the human acting explicitly makes a record ``verified``.
* A ``reflection`` is the companion's own journal: only its voice writes one.
* A ``companion`` record always names the mouth that spoke.
"""

from __future__ import annotations

from truehearth.core.errors import ConsentRequired, InvalidInput
from truehearth.core.records import Layer, Source, Voice

_ALLOWED_VOICES: dict[Layer, frozenset[Voice]] = {
    Layer.MEMORY: frozenset({Voice.HUMAN, Voice.COMPANION, Voice.SYSTEM}),
    Layer.REFLECTION: frozenset({Voice.COMPANION}),
    Layer.NOTE: frozenset({Voice.SYSTEM, Voice.HUMAN, Voice.COMPANION}),
    Layer.ARCHIVE: frozenset(Voice),
}


def identity_refusal(layer: Layer, voice: Voice) -> str:
    """The message for a direct write to core or boundary."""
    if voice in (Voice.SYSTEM, Voice.EXTERNAL):
        who = "summaries and imports" if voice is Voice.SYSTEM else "imported or outside text"
        return (
            f"refused: {_article(voice.value)} {voice.value} voice cannot write "
            f"the {layer.value} layer "
            f"({who} never rewrite identity); propose it instead and let the human decide"
        )
    return (
        f"refused: the {layer.value} layer changes only through an accepted proposal; "
        f"use `truehearth propose {layer.value} TEXT`"
    )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def check_direct_write(layer: Layer, voice: Voice, source: Source) -> None:
    """Raise unless a record of ``layer`` may be written directly in ``voice``."""
    if layer.is_identity:
        raise ConsentRequired(identity_refusal(layer, voice))
    allowed = _ALLOWED_VOICES[layer]
    if voice not in allowed:
        names = ", ".join(sorted(v.value for v in allowed))
        raise InvalidInput(f"the {layer.value} layer takes only these voices: {names}")
    if voice is Voice.COMPANION and not source.mouth:
        raise InvalidInput("a companion record must name the mouth that spoke (--mouth)")


def check_human_act(actor: Voice, act: str) -> None:
    """Raise unless the human is the one acting (confirming, accepting, rejecting)."""
    if actor is not Voice.HUMAN:
        raise ConsentRequired(f"refused: only the human can {act}")


def check_verified_on_write(actor: Voice, verified: bool) -> None:
    """A record may be born verified only when the human writes it and says so."""
    if verified and actor is not Voice.HUMAN:
        raise ConsentRequired("refused: only the human can mark a record verified")
