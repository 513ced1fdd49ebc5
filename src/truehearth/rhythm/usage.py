"""The human's own rhythm of use, computed from the journal on the spot and never kept.

Every turn the human speaks is in the journal with its time; the store
keeps it in the records projection (the fold of the journal), which is where
it is read from. From those times alone this module computes sessions (a
session ends after 30 minutes of silence), sessions per day, how long they
last, the hours of use, streaks of days, and how the weeks compare. Nothing
is written: not a cache, not a figure, not a file. Nothing goes to any mouth.
And when the human has switched rhythm off (:mod:`.switch`) nothing is read.

Imported history is left out (it is in the external voice): its time in the
home is the time of the import, not of the conversation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from sqlite3 import Connection
from typing import Any

from truehearth.home import Home
from truehearth.homedir import DB_NAME
from truehearth.rhythm.switch import require_on
from truehearth.store.connect import open_connection

DAYS_SHOWN = 56
WEEKS_SHOWN = 8
LATE_HOURS = range(5)
SESSION_GAP = timedelta(minutes=30)
# The human's live turns: archive records in the human's voice (imported history is
# in the external voice). Answered from the records index; the text and value
# columns come after recorded_at, so SQLite never reads the messages themselves.
_SQL = (
    "SELECT recorded_at FROM records WHERE layer = 'archive' AND voice = 'human' "
    "ORDER BY recorded_at"
)


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    start: datetime
    end: datetime
    turns: int

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


@dataclass(frozen=True, slots=True)
class Week:
    start: date
    sessions: int
    minutes: float
    late_share: float

    @property
    def average(self) -> float:
        return self.minutes / self.sessions if self.sessions else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "sessions": self.sessions,
            "minutes": round(self.minutes, 1),
            "average_minutes": round(self.average, 1),
            "late_night_share": round(self.late_share, 3),
        }


@dataclass(frozen=True, slots=True)
class Rhythm:
    """The patterns, as of ``today`` in the human's time zone."""

    today: date
    turns: int
    sessions: int
    days: list[tuple[date, int, float]]
    hours: list[int]
    streak: int
    longest_streak: int
    weeks: list[Week]

    def sentences(self) -> list[str]:
        """The patterns in plain words, for the human."""
        if not self.turns:
            return ["No conversations in the journal yet."]
        said = [f"{_n(self.sessions, 'session')} and {_n(self.turns, 'message')} from you in all."]
        this, before = self.weeks[-1], self.weeks[-5:-1]
        said.append(
            f"This week: {_n(this.sessions, 'session')}, {this.minutes:.0f} minutes "
            f"(about {this.average:.0f} minutes each)."
        )
        if before:
            usual = sum(w.minutes for w in before) / len(before)
            if usual > 0:
                change = (this.minutes - usual) / usual * 100
                direction = "more" if change >= 0 else "less"
                said.append(
                    f"That is {abs(change):.0f} % {direction} time than your average over the "
                    f"{_n(len(before), 'week')} before ({usual:.0f} minutes a week)."
                )
        busiest = max(range(24), key=lambda h: self.hours[h])
        said.append(f"You talk most around {busiest:02d}:00.")
        if this.late_share:
            said.append(
                f"{this.late_share * 100:.0f} % of this week's messages were between "
                "midnight and 5 am."
            )
        said.append(
            f"Current streak: {self.streak} day{'s' if self.streak != 1 else ''} in a row; "
            f"longest: {self.longest_streak}."
        )
        return said

    def to_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "turns": self.turns,
            "sessions": self.sessions,
            "days": [
                {"day": d.isoformat(), "sessions": n, "minutes": round(m, 1)}
                for d, n, m in self.days
            ],
            "hours": self.hours,
            "streak": self.streak,
            "longest_streak": self.longest_streak,
            "weeks": [w.to_json() for w in self.weeks],
            "findings": self.sentences(),
        }


def compute(home: Home, *, now: datetime | None = None, tz: tzinfo | None = None) -> Rhythm:
    """Read the human's turns from the journal and compute the patterns (nothing is stored)."""
    require_on(home)
    moment = (now or datetime.now(UTC)).astimezone(tz)
    zone = moment.tzinfo
    sessions = _sessions(home, zone)
    return summarise(sessions, moment.date(), zone)


def _sessions(home: Home, zone: tzinfo | None) -> list[Session]:
    conn = open_connection(home.path / DB_NAME, home.key)
    try:
        return sessions_of(turn_times(conn), zone)
    finally:
        conn.close()


def turn_times(conn: Connection) -> list[datetime]:
    """The times of the human's live turns, oldest first."""
    return [datetime.fromisoformat(row[0]) for row in conn.execute(_SQL)]


def sessions_of(times: list[datetime], zone: tzinfo | None) -> list[Session]:
    """Cut ordered turn times into sessions wherever 30 minutes pass in silence."""
    sessions: list[Session] = []
    start = previous = None
    turns = 0
    for when in times:
        if start is None or previous is None or when - previous > SESSION_GAP:
            if start is not None and previous is not None:
                sessions.append(_session(len(sessions), start, previous, turns, zone))
            start, turns = when, 0
        previous = when
        turns += 1
    if start is not None and previous is not None:
        sessions.append(_session(len(sessions), start, previous, turns, zone))
    return sessions


def _session(n: int, start: datetime, end: datetime, turns: int, zone: tzinfo | None) -> Session:
    return Session(str(n), start.astimezone(zone), end.astimezone(zone), turns)


def summarise(sessions: list[Session], today: date, zone: tzinfo | None = None) -> Rhythm:
    """The patterns of ``sessions`` as of ``today`` (pure: tests and the UI call it too)."""
    per_day: Counter[date] = Counter()
    minutes: defaultdict[date, float] = defaultdict(float)
    hours = [0] * 24
    turns = 0
    for s in sessions:
        per_day[s.start.date()] += 1
        minutes[s.start.date()] += s.minutes
        hours[s.start.hour] += s.turns
        turns += s.turns
    first = today - timedelta(days=DAYS_SHOWN - 1)
    days = [
        (
            first + timedelta(days=i),
            per_day[first + timedelta(days=i)],
            minutes[first + timedelta(days=i)],
        )
        for i in range(DAYS_SHOWN)
    ]
    return Rhythm(
        today=today,
        turns=turns,
        sessions=len(sessions),
        days=days,
        hours=hours,
        streak=_streak(set(per_day), today),
        longest_streak=_longest(set(per_day)),
        weeks=_weeks(sessions, today),
    )


def _streak(used: set[date], today: date) -> int:
    day = today if today in used else today - timedelta(days=1)
    count = 0
    while day in used:
        count += 1
        day -= timedelta(days=1)
    return count


def _longest(used: set[date]) -> int:
    best = 0
    for day in used:
        if day - timedelta(days=1) in used:
            continue
        length = 1
        while day + timedelta(days=length) in used:
            length += 1
        best = max(best, length)
    return best


def _weeks(sessions: list[Session], today: date) -> list[Week]:
    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=i) for i in range(WEEKS_SHOWN - 1, -1, -1)]
    count: Counter[date] = Counter()
    mins: defaultdict[date, float] = defaultdict(float)
    late: Counter[date] = Counter()
    turns: Counter[date] = Counter()
    for s in sessions:
        week = s.start.date() - timedelta(days=s.start.weekday())
        count[week] += 1
        mins[week] += s.minutes
        turns[week] += s.turns
        if s.start.hour in LATE_HOURS:
            late[week] += s.turns
    return [Week(w, count[w], mins[w], late[w] / turns[w] if turns[w] else 0.0) for w in starts]


def _n(count: int, noun: str) -> str:
    """``1 session``, ``2 sessions``: said to the human, so in the right number."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
