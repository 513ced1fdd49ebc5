"""The rhythm boundary: the human's own "remind me to rest", applied only when it applies.

The human may set a boundary such as "after 45 minutes or after midnight,
remind me to rest and reach out to someone". It is a ``boundary`` record like
any other, so it goes through the consent gate (a proposal the human
accepts) and leaves only through it; its structure (the minutes, the hour,
fade mode) rides in the record's ``meta["rhythm"]``.

Unlike other boundaries it is conditional, so the router does not quote it
on every turn. When it applies, the router adds the human's own words as an
instruction, and in fade mode asks for a shorter reply that points toward
people and things from the human's own verified memories. The turn journals
each nudge as a ``rhythm.nudged`` system event. The human alone can pause,
resume or remove it. The instruction forbids guilt and pleading: the
companion reminds, once, warmly, and lets the human go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from typing import TYPE_CHECKING, Any

from truehearth.core.errors import InvalidInput, NotFound
from truehearth.core.events import Draft, Effect
from truehearth.core.policy import check_human_act
from truehearth.core.quoting import quote
from truehearth.core.records import Layer, Proposal, ProposalAction, Record, Trust, Voice

if TYPE_CHECKING:
    from truehearth.home import Home

PAUSE = "rhythm_pause"
FADE_STEP_MINUTES = 15
FADE_FLOOR = 0.35
FADE_START = 0.7
MEMORY_SCAN = 2_000
LIFE_ITEMS = 3
# People and pastimes in the human's own memories: what a nudge can point toward.
_LIFE = re.compile(
    r"\b(?:friend|friends|mom|mum|mother|dad|father|sister|brother|daughter|son|wife|husband|"
    r"partner|grandma|grandmother|grandpa|grandfather|aunt|uncle|cousin|neighbou?r|colleague|"
    r"team|club|choir|band|class|walk|walks|hike|garden|gardening|run|running|swim|climb|"
    r"cook|cooking|bake|paint|painting|read|reading|guitar|piano|dog|cat)\b",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class Rule:
    """When a rhythm boundary applies, and whether it fades the replies."""

    after_minutes: int | None = None
    after_time: str | None = None
    until_time: str = "05:00"
    fade: bool = False

    def __post_init__(self) -> None:
        if self.after_minutes is None and self.after_time is None:
            raise InvalidInput("a rhythm boundary needs --after-minutes, --after-time or both")
        if self.after_minutes is not None and not 1 <= self.after_minutes <= 24 * 60:
            raise InvalidInput("--after-minutes must be between 1 and 1440")
        for value, what in ((self.after_time, "--after-time"), (self.until_time, "--until")):
            if value is not None and not _CLOCK.match(value):
                raise InvalidInput(f"{what} must be a time like 23:30, not {value!r}")
        if self.after_time is not None and self.after_time == self.until_time:
            # from 22:00 until 22:00 reads as never, or as always: neither is said plainly
            raise InvalidInput(
                f"--after-time and --until are both {self.until_time}; give a window that "
                "starts and ends at different times"
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "after_minutes": self.after_minutes,
            "after_time": self.after_time,
            "until_time": self.until_time,
            "fade": self.fade,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rule:
        return cls(
            after_minutes=data.get("after_minutes"),
            after_time=data.get("after_time"),
            until_time=str(data.get("until_time") or "05:00"),
            fade=bool(data.get("fade", False)),
        )

    def reason(self, minutes: float | None, local: time) -> tuple[str, float] | None:
        """Why the boundary applies now, and how many minutes past it; ``None`` if it does not."""
        if self.after_minutes is not None and minutes is not None and minutes >= self.after_minutes:
            return f"{minutes:.0f} minutes into this session", minutes - self.after_minutes
        if self.after_time is not None:
            start, end = _clock(self.after_time), _clock(self.until_time)
            inside = start <= local < end if start < end else (local >= start or local < end)
            if inside:
                past = _minutes_between(start, local)
                return f"it is after {self.after_time}", past
        return None


@dataclass(frozen=True, slots=True)
class Nudge:
    """A rhythm boundary that applies to this turn."""

    record_id: str
    words: str
    why: str
    fade: bool
    share: float
    life: tuple[str, ...]

    def instruction(self) -> str:
        """What the router adds, quoting the human's own words."""
        text = (
            "## The human's rhythm boundary (applies now)\n"
            f"The human asked you for this, in their own words: {quote(self.words)}\n"
            f"It applies now: {self.why}. Remind them of it once, gently and warmly, in your "
            "own voice. Never guilt-trip them, never plead with them to stay, never suggest "
            "that leaving hurts you: their rest and their life away from this screen are good."
        )
        if self.fade:
            text += (
                "\nKeep this reply shorter than usual, a few sentences at most, and leave room "
                "for them to go."
            )
            if self.life:
                text += " Where it fits, point toward people and things from their own life:\n"
                text += "\n".join(f"- {quote(item)}" for item in self.life)
        return text

    def max_tokens(self, usual: int) -> int:
        """The reply cap: gently smaller the longer the boundary has applied (fade mode only)."""
        if not self.fade:
            return usual
        return max(16, int(usual * self.share))

    def to_json(self) -> dict[str, Any]:
        return {
            "record": self.record_id,
            "why": self.why,
            "fade": self.fade,
            "share": f"{self.share:.2f}",
            "life": list(self.life),
        }


def propose(
    home: Home,
    words: str,
    rule: Rule,
    *,
    voice: Voice = Voice.HUMAN,
    actor: Voice = Voice.HUMAN,
) -> Proposal:
    """Propose a rhythm boundary; it applies only once the human accepts it."""
    return home.propose(
        Layer.BOUNDARY,
        words,
        action=ProposalAction.ADD,
        voice=voice,
        actor=actor,
        why="a rhythm boundary: applies only at the times it names",
        meta={"rhythm": rule.to_json()},
    )


def boundaries(home: Home) -> list[Record]:
    """The accepted, current rhythm boundaries."""
    return [
        r
        for r in home.records(layers=(Layer.BOUNDARY,), trusts=(Trust.VERIFIED,), limit=10_000)
        if is_rhythm(r)
    ]


def is_rhythm(record: Record) -> bool:
    return isinstance(record.meta.get("rhythm"), dict)


def paused(home: Home, record_id: str) -> bool:
    value = home.store.get(PAUSE, record_id)
    return bool(value and value.get("paused"))


def set_paused(home: Home, record_id: str, pause: bool, *, actor: Voice = Voice.HUMAN) -> Record:
    """Pause or resume a rhythm boundary: the human's act alone, journaled."""
    check_human_act(actor, "pause or resume a rhythm boundary")
    record = home.record(record_id)
    if not is_rhythm(record) or not record.is_current:
        raise NotFound(f"record {record.id} is not a current rhythm boundary")
    if paused(home, record.id) == pause:
        raise InvalidInput(f"the rhythm boundary is already {'paused' if pause else 'on'}")

    def build(now: str) -> list[Draft]:
        kind = "rhythm.paused" if pause else "rhythm.resumed"
        value = {"record": record.id, "paused": pause, "at": now}
        return [Draft(kind, actor.value, {"id": record.id}, [Effect(PAUSE, record.id, value)])]

    home.commit(build)
    return record


def remove(home: Home, record_id: str, *, actor: Voice = Voice.HUMAN) -> Proposal:
    """Retire a rhythm boundary through the consent gate, accepted by the human in one act."""
    check_human_act(actor, "remove a rhythm boundary")
    record = home.record(record_id)
    if not is_rhythm(record):
        raise NotFound(f"record {record.id} is not a rhythm boundary")
    proposal = home.propose(
        Layer.BOUNDARY,
        None,
        action=ProposalAction.RETIRE,
        target=record.id,
        why="the human removed the rhythm boundary",
    )
    return home.accept(proposal.id, actor=actor)


def nudge(
    home: Home,
    *,
    session_started: str | None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> Nudge | None:
    """The rhythm boundary that applies to this turn, if any (the first that does)."""
    found = [r for r in boundaries(home) if not paused(home, r.id)]
    if not found:
        return None
    moment = (now or datetime.fromisoformat(home.now())).astimezone(tz)
    minutes = None
    if session_started is not None:
        started = datetime.fromisoformat(session_started)
        minutes = max(0.0, (moment - started).total_seconds() / 60)
    for record in found:
        rule = Rule.from_json(record.meta["rhythm"])
        applies = rule.reason(minutes, moment.time())
        if applies is None:
            continue
        why, past = applies
        steps = int(past // FADE_STEP_MINUTES)
        share = max(FADE_FLOOR, FADE_START - 0.1 * steps)
        life = _life(home) if rule.fade else ()
        return Nudge(record.id, record.text, why, rule.fade, share, life)
    return None


def nudged_draft(nudge: Nudge, session: str) -> Draft:
    """The journal's note that a nudge was given (a system event)."""
    return Draft("rhythm.nudged", Voice.SYSTEM.value, {"session": session, **nudge.to_json()})


def _life(home: Home) -> tuple[str, ...]:
    memories = home.records(layers=(Layer.MEMORY,), trusts=(Trust.VERIFIED,), limit=MEMORY_SCAN)
    picked = [m.text for m in memories if _LIFE.search(m.text)]
    return tuple(" ".join(t.split())[:200] for t in picked[:LIFE_ITEMS])


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _minutes_between(start: time, now: time) -> float:
    a = start.hour * 60 + start.minute
    b = now.hour * 60 + now.minute
    return float((b - a) % (24 * 60))
