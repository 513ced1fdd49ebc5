"""Errors that cross the library boundary.

Every error a user can cause is a :class:`TruehearthError` with a one-line,
human-readable message. Interfaces print the message and exit non-zero; they
never print a traceback for these.
"""

from __future__ import annotations


class TruehearthError(Exception):
    """Base of every expected, user-facing failure."""

    exit_code: int = 1


class InvalidInput(TruehearthError):
    """The caller asked for something malformed (empty text, unknown layer...)."""

    exit_code = 2


class NotFound(TruehearthError):
    """An id or name that does not exist in this home."""


class ConsentRequired(TruehearthError):
    """A write that only an accepted proposal or an explicit human act may make."""


class NotAHome(TruehearthError):
    """The directory is not a truehearth home."""


class HomeCorrupt(TruehearthError):
    """The home's database cannot be read: corrupt, truncated or foreign."""


class HomeLocked(TruehearthError):
    """Another process is writing to this home right now."""


class ChainBroken(TruehearthError):
    """The journal's hash chain does not verify."""


class WrongKey(TruehearthError):
    """An encrypted home was opened with the wrong passphrase or key."""


class KeyRequired(TruehearthError):
    """An encrypted home is locked and no passphrase or key was given."""
