"""What can go wrong with a mouth, as one-line errors the CLI prints."""

from __future__ import annotations

from truehearth.core.errors import NotFound, TruehearthError


class MouthError(TruehearthError):
    """A mouth could not speak: its model, its server or its answer failed."""


class ModelFileError(MouthError):
    """A GGUF file is missing, unreadable or not a model llama.cpp can load."""


class MouthUnavailable(MouthError):
    """The server behind a mouth cannot be reached."""


class MouthMisbehaved(MouthError):
    """The server answered, but not as an OpenAI-compatible server should."""


class StructuredOutputUnsupported(MouthMisbehaved):
    """The server refused every structured-output form it was offered."""


class MouthChanged(MouthError):
    """What speaks is no longer what was registered: its fingerprint changed (drift)."""


class MouthDisabled(MouthError):
    """The mouth was disarmed (it arrived in an imported bundle) until the human enables it."""


class EgressRefused(MouthError):
    """The egress policy does not allow sending the home to this destination."""


class UnknownMouth(NotFound):
    """No mouth by that name in this home."""
