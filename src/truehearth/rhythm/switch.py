"""The rhythm switch: the human's own patterns are computed only while it is on.

Switching rhythm off is a human act, journaled as ``rhythm.switched``. While
it is off, :func:`truehearth.rhythm.usage.compute` refuses to run at all:
nothing is read, nothing is counted. It is on by default because it is
computed only when the human asks, and only for the human's eyes.
"""

from __future__ import annotations

from truehearth.core.errors import TruehearthError
from truehearth.core.events import Draft, Effect
from truehearth.core.policy import check_human_act
from truehearth.core.records import Voice
from truehearth.home import Home

SETTING = "setting"
RHYTHM = "rhythm"


class RhythmOff(TruehearthError):
    """Rhythm is switched off: nothing is computed."""


def is_on(home: Home) -> bool:
    value = home.store.get(SETTING, RHYTHM)
    return True if value is None else bool(value.get("enabled", True))


def switch(home: Home, enabled: bool, *, actor: Voice = Voice.HUMAN) -> bool:
    """Turn rhythm on or off (journaled; only the human may); False if it already was.

    Switching to where it already is journals nothing: the journal records changes.
    """
    check_human_act(actor, "switch rhythm on or off")

    def build(now: str) -> list[Draft]:
        if is_on(home) == enabled:
            return []
        value = {"id": RHYTHM, "enabled": enabled, "at": now}
        return [
            Draft(
                "rhythm.switched",
                actor.value,
                {"enabled": enabled},
                [Effect(SETTING, RHYTHM, value)],
            )
        ]

    return bool(home.commit(build))


def require_on(home: Home) -> None:
    if not is_on(home):
        raise RhythmOff(
            "rhythm is switched off, so nothing was computed; `truehearth rhythm on` turns it on"
        )
