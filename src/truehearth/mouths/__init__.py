"""Mouths: model backends that speak for the companion, behind one protocol.

One module per backend; shared code never branches on the backend's name.
"""

from truehearth.core.vocabulary import Standing
from truehearth.mouths.base import (
    Completion,
    Fingerprint,
    GenerationParams,
    Message,
    Mouth,
)

__all__ = ["Completion", "Fingerprint", "GenerationParams", "Message", "Mouth", "Standing"]
