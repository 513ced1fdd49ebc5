"""Dates in talk, resolved against the day they were said.

"Last week", "two years ago", "on May 4th", "in 2010": a question means a span
of days counted from the day it is asked, and a turn means one counted from its
session's date. Both are turned into the same compact tokens (``y2023``,
``m202305``, ``d20230504``) so the keyword index can match a question's span
against the days a turn happened on or talked about, and the explanation can
say which day matched. Pure functions: no I/O, English only.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS.pop("may", None)  # "may" is a verb far more often than a month: handled with care
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "couple of": 2, "a few": 3, "few": 3, "several": 3,
}  # fmt: skip
MAX_DAY_TOKENS = 14  # a span longer than this is matched by months
MAX_MONTH_TOKENS = 24  # ... and one longer than this by years

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r"|May)\.?"
_DAYNUM = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_NUM = r"(?P<n>\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<day>[0-3]\d)\b")),
    ("month-day", re.compile(rf"\b{_MONTH}\s+{_DAYNUM}\b(?:,?\s+{_YEAR})?", re.I)),
    ("day-month", re.compile(rf"\b{_DAYNUM}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b", re.I)),
    ("month-year", re.compile(rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b", re.I)),
    ("month", re.compile(rf"\b(?:in|during|since|last|this|early|late|mid-?)\s+{_MONTH}\b", re.I)),
    ("year", re.compile(rf"\b(?:in|during|since|of|from|by|until|before|after)\s+{_YEAR}\b")),
    ("ago", re.compile(rf"\b{_NUM}\s+(?P<unit>day|week|month|year)s?\s+ago\b", re.I)),
    ("last", re.compile(r"\b(?:last|past|previous)\s+(?P<unit>week|weekend|month|year)\b", re.I)),
    ("this", re.compile(r"\bthis\s+(?P<unit>week|weekend|month|year)\b", re.I)),
    ("next", re.compile(r"\bnext\s+(?P<unit>week|weekend|month|year)\b", re.I)),
    (
        "weekday",
        re.compile(r"\b(?:last|on|this\s+past)\s+(?P<wd>" + "|".join(WEEKDAYS) + r")\b", re.I),
    ),
    ("yesterday", re.compile(r"\byesterday\b", re.I)),
    ("today", re.compile(r"\b(?:today|tonight|this morning|this evening)\b", re.I)),
    ("tomorrow", re.compile(r"\btomorrow\b", re.I)),
]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of days a piece of text refers to, and the words that said so."""

    start: date
    end: date  # inclusive
    said: str

    def tokens(self) -> list[str]:
        """The index tokens that cover this span, at the coarsest exact grain."""
        days = (self.end - self.start).days + 1
        whole_years = (self.start.month, self.start.day, self.end.month, self.end.day) == (
            1,
            1,
            12,
            31,
        )
        if whole_years:
            return [f"y{y}" for y in range(self.start.year, self.end.year + 1)]
        if days <= MAX_DAY_TOKENS:
            return [day_token(self.start + timedelta(days=i)) for i in range(days)]
        months = _months(self.start, self.end)
        if len(months) <= MAX_MONTH_TOKENS:
            return [f"m{y}{m:02d}" for y, m in months]
        return [f"y{y}" for y in range(self.start.year, self.end.year + 1)]

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    def describe(self) -> str:
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def day_token(day: date) -> str:
    return f"d{day.year}{day.month:02d}{day.day:02d}"


def day_tokens(day: date) -> list[str]:
    """Everything a day can be matched by: the day, its month and its year."""
    return [day_token(day), f"m{day.year}{day.month:02d}", f"y{day.year}"]


def day_words(day: date) -> str:
    """A day as people write it, for plain keyword matching: 'May 4 2023 Thursday'."""
    weekday = calendar.day_name[day.weekday()]
    return f"{calendar.month_name[day.month]} {day.day} {day.year} {weekday}"


def parse_day(text: str | None) -> date | None:
    if not text or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def spans(text: str, anchor: date) -> list[Span]:
    """Every date expression in ``text``, resolved against ``anchor`` (the day it was said)."""
    found: list[Span] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # already read as part of a longer expression
            span = _resolve(kind, m, anchor)
            if span is not None:
                found.append(span)
                taken.append((m.start(), m.end()))
    return found


def _resolve(kind: str, m: re.Match[str], anchor: date) -> Span | None:
    said = m.group(0)
    try:
        if kind == "iso":
            day = date(int(m["year"]), int(m["m"]), int(m["day"]))
            return Span(day, day, said)
        if kind in ("month-day", "day-month"):
            month = _month(m["month"])
            if month is None:
                return None
            year = int(m["year"]) if m["year"] else _latest_year(anchor, month, int(m["day"]))
            day = date(year, month, int(m["day"]))
            return Span(day, day, said)
        if kind in ("month-year", "month"):
            month = _month(m["month"])
            if month is None or (kind == "month" and m["month"] == "may"):
                return None
            year = int(m["year"]) if kind == "month-year" else _latest_year(anchor, month, 1)
            return _month_span(year, month, said)
        if kind == "year":
            year = int(m["year"])
            return Span(date(year, 1, 1), date(year, 12, 31), said)
        if kind == "ago":
            return _ago(_count(m["n"]), m["unit"].lower(), anchor, said)
        if kind in ("last", "this", "next"):
            shift = {"last": -1, "this": 0, "next": 1}[kind]
            return _calendar_unit(m["unit"].lower(), shift, anchor, said)
        if kind == "weekday":
            back = (anchor.weekday() - WEEKDAYS[m["wd"].lower()]) % 7 or 7
            day = anchor - timedelta(days=back)
            return Span(day, day, said)
        offset = {"yesterday": -1, "today": 0, "tomorrow": 1}[kind]
        day = anchor + timedelta(days=offset)
        return Span(day, day, said)
    except (ValueError, OverflowError):
        return None  # "February 30th", a year out of range: not a date after all


def _month(name: str) -> int | None:
    lowered = name.lower().rstrip(".")
    if lowered == "may":
        return 5 if name[0] == "M" else None
    return MONTHS.get(lowered)


def _latest_year(anchor: date, month: int, day: int) -> int:
    """The year in which month/day last fell on or before ``anchor``."""
    return anchor.year if (month, day) <= (anchor.month, anchor.day) else anchor.year - 1


def _month_span(year: int, month: int, said: str) -> Span:
    last = calendar.monthrange(year, month)[1]
    return Span(date(year, month, 1), date(year, month, last), said)


def _count(text: str) -> int:
    lowered = text.lower()
    return int(lowered) if lowered.isdigit() else NUMBERS.get(lowered, 1)


def _ago(n: int, unit: str, anchor: date, said: str) -> Span:
    """'N units ago': the unit N back, with a unit's slack either side (people round)."""
    if unit == "day":
        day = anchor - timedelta(days=n)
        return Span(day - timedelta(days=1), day, said)
    if unit == "week":
        mid = anchor - timedelta(weeks=n)
        return Span(mid - timedelta(days=6), mid + timedelta(days=3), said)
    if unit == "month":
        y, mo = _shift_month(anchor.year, anchor.month, -n)
        return Span(
            _month_span(*_shift_month(y, mo, -1), said).start, _month_span(y, mo, said).end, said
        )
    year = anchor.year - n
    return Span(date(year, 1, 1), date(year, 12, 31), said)


def _calendar_unit(unit: str, shift: int, anchor: date, said: str) -> Span:
    if unit in ("week", "weekend"):
        monday = anchor - timedelta(days=anchor.weekday()) + timedelta(weeks=shift)
        if unit == "weekend":
            if shift == -1 and anchor.weekday() >= 5:
                monday = anchor - timedelta(days=anchor.weekday())  # "last weekend", said on one
            return Span(monday + timedelta(days=5), monday + timedelta(days=6), said)
        return Span(monday, monday + timedelta(days=6), said)
    if unit == "month":
        return _month_span(*_shift_month(anchor.year, anchor.month, shift), said)
    year = anchor.year + shift
    return Span(date(year, 1, 1), date(year, 12, 31), said)


def _shift_month(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def _months(start: date, end: date) -> list[tuple[int, int]]:
    out = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = _shift_month(y, m, 1)
    return out
