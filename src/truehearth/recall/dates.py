"""Dates in talk, resolved against the day they were said.

"Last week", "two years ago", "on May 4th", "in 2010": a question means a span
of days counted from the day it is asked, and a turn means one counted from its
session's date. Both are turned into the same compact tokens (``y2023``,
``m202305``, ``d20230504``) so the keyword index can match a question's span
against the days a turn happened on or talked about, and the explanation can
say which day matched. Pure functions: no I/O, English only.

People text dates too: "weds", "fri", "next thurs", "sat 16th may", "the 16th",
"2moro", "a fortnight ago". The unambiguous short forms are read alone; the ones
that are also words ("sat", "wed", "sun", "mon", "may") only where a date is
clearly meant: after "on", "last", "next", "this", "by", "till", before a day
number or "night", "morning". A short weekday said alone ("weds", "fri") is read as
the last one and the coming one both: texting drops the tense that would tell.
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
# The short forms of the weekdays as people text them; the ones that are also words
# ("sat", "wed", "sun", "mon") are only read beside a word that says a date is meant.
# Full names keep their older reading ("on Friday", "last Friday": the last one); the
# short forms are read as below, and both before a date ("Sunday the 31st of August").
SHORT_WEEKDAYS = {
    "mon": 0, "tue": 1, "tues": 1, "weds": 2, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip
WEEKDAY_FORMS = {**SHORT_WEEKDAYS, **WEEKDAYS}
# Whether texted dates are read (spans(texted=None) asks this). Off by default: on the blind
# chat's tuning part they changed no recall figure (its questions name no day), and they
# cost RealMem's tuning users R@5 (docs/BENCHMARKS.md, round 13b). Kept for homes that
# ask by texted days, and for the next test part.
TEXTED_DATES = False
AMBIGUOUS_FORMS = frozenset({"mon", "wed", "sat", "sun"})
TOMORROW = r"tomorrow|tomorow|tommorow|tommorrow|2moro|2morrow|2mrw|tmrw|tmr|tomoz|tomo"
YESTERDAY = r"yesterday|yday|yest"
MAX_DAY_TOKENS = 14  # a span longer than this is matched by months
MAX_MONTH_TOKENS = 24  # ... and one longer than this by years

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r"|May)\.?"
_DAYNUM = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_ANY_WD = "|".join(sorted(WEEKDAY_FORMS, key=len, reverse=True))
_WD = "|".join(sorted(SHORT_WEEKDAYS, key=len, reverse=True))
_CLEAR_WD = "|".join(sorted(set(SHORT_WEEKDAYS) - AMBIGUOUS_FORMS, key=len, reverse=True))
# A weekday read after one of these words, or before a day number or a part of the day.
_BEFORE_WD = r"on|by|till|til|until|from|since|before|after|this|this coming|coming"
_PART_OF_DAY = r"night|nite|morning|mornin|afternoon|evening|eve|lunch|lunchtime"
_NOT_AFTER_WD = (
    r"(?![-\u2013/]\w)(?!\s*(?:nav|cream|lotion|screen|tan|bed|lounger|shine|set|rise|hat|burn))"
)
_ORDINAL = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)"
_NUM = r"(?P<n>\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # "sat 16th may", "fri the 3rd of jan": the weekday picks the year
    (
        "weekday-date",
        re.compile(
            rf"\b(?P<wd>{_ANY_WD})\.?\s+(?:the\s+)?{_ORDINAL}(?:\s+(?:of\s+)?{_MONTH})?\b", re.I
        ),
    ),
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<day>[0-3]\d)\b")),
    ("month-day", re.compile(rf"\b{_MONTH}\s+{_DAYNUM}\b(?:,?\s+{_YEAR})?", re.I)),
    ("day-month", re.compile(rf"\b{_DAYNUM}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b", re.I)),
    ("month-year", re.compile(rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b", re.I)),
    ("month", re.compile(rf"\b(?:in|during|since|last|this|early|late|mid-?)\s+{_MONTH}\b", re.I)),
    ("year", re.compile(rf"\b(?:in|during|since|of|from|by|until|before|after)\s+{_YEAR}\b")),
    (
        "ago",
        re.compile(rf"\b{_NUM}\s+(?P<unit>day|week|wk|fortnight|month|year|yr)s?\s+ago\b", re.I),
    ),
    (
        "last",
        re.compile(r"\b(?:last|past|previous)\s+(?P<unit>week|wk|weekend|month|year)\b", re.I),
    ),
    ("this", re.compile(r"\bthis\s+(?P<unit>week|wk|weekend|month|year)\b", re.I)),
    ("next", re.compile(r"\bnext\s+(?P<unit>week|wk|weekend|month|year)\b", re.I)),
    ("next-weekday", re.compile(rf"\bnext\s+(?P<wd>{_WD})\b{_NOT_AFTER_WD}", re.I)),
    (
        "weekday",
        re.compile(r"\b(?:last|on|this\s+past)\s+(?P<wd>" + "|".join(WEEKDAYS) + r")\b", re.I),
    ),
    ("last-weekday", re.compile(rf"\blast\s+(?P<wd>{_WD})\b{_NOT_AFTER_WD}", re.I)),
    # "on weds", "by fri", "sat night", "weds": the last one or the coming one
    (
        "said-weekday",
        re.compile(
            rf"\b(?:(?:{_BEFORE_WD})\s+(?P<wd>{_WD})\b|(?P<wd2>{_WD})\s+(?:{_PART_OF_DAY})\b"
            rf"|(?<![-\u2013/])(?P<wd3>{_CLEAR_WD})\b){_NOT_AFTER_WD}",
            re.I,
        ),
    ),
    # "on the 16th", "the 3rd.": the nearest such day of a month
    (
        "nth",
        re.compile(
            rf"\b(?:(?:on|by|till|til|until|from|since|before|after)\s+the\s+{_ORDINAL}\b"
            rf"(?!\s+(?:of\b|century|centuries))|the\s+{_ORDINAL.replace('day', 'day2')}"
            r"(?=\s*(?:[.!?,;)]|$)))",
            re.I,
        ),
    ),
    ("yesterday", re.compile(rf"\b(?:{YESTERDAY})\b", re.I)),
    ("today", re.compile(r"\b(?:today|tonight|tonite|2nite|this morning|this evening)\b", re.I)),
    ("tomorrow", re.compile(rf"\b(?:{TOMORROW})\b", re.I)),
]

# The dates as written before texting was read (TEXTED_DATES off).
_PLAIN: list[tuple[str, re.Pattern[str]]] = [
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


def spans(text: str, anchor: date, *, texted: bool | None = None) -> list[Span]:
    """Every date expression in ``text``, resolved against ``anchor`` (the day it was said);
    ``texted``: also the dates as people text them (None: :data:`TEXTED_DATES`)."""
    found: list[Span] = []
    taken: list[tuple[int, int]] = []
    pattern_set = _PATTERNS if (TEXTED_DATES if texted is None else texted) else _PLAIN
    for kind, pattern in pattern_set:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # already read as part of a longer expression
            if kind in _TEXTED:
                kept = _texted(kind, m, anchor)
            else:
                one = _resolve(kind, m, anchor, loose=pattern_set is _PATTERNS)
                kept = [one] if one is not None else []
            if kept:
                found.extend(kept)
                taken.append((m.start(), m.end()))
    return found


_TEXTED = frozenset({"weekday-date", "next-weekday", "last-weekday", "said-weekday", "nth"})


def _texted(kind: str, m: re.Match[str], anchor: date) -> list[Span]:
    """The dates as people text them (see the module's docstring)."""
    said = m.group(0).strip()
    if kind == "nth":
        day = _nearest_day(anchor, int(m["day"] or m["day2"]))
        return [Span(day, day, said)] if day is not None else []
    named = m["wd"] or (m["wd2"] if kind == "said-weekday" else None)
    named = named or (m["wd3"] if kind == "said-weekday" else None)
    if named is None:
        return []
    weekday = WEEKDAY_FORMS[named.lower()]
    if kind == "weekday-date":
        day = _dated_weekday(anchor, weekday, int(m["day"]), m["month"])
        return [Span(day, day, said)] if day is not None else []
    back = anchor - timedelta(days=(anchor.weekday() - weekday) % 7 or 7)
    ahead = anchor + timedelta(days=(weekday - anchor.weekday()) % 7 or 7)
    if kind == "next-weekday":
        return [Span(ahead, ahead, said)]
    if kind == "last-weekday":
        return [Span(back, back, said)]
    if anchor.weekday() == weekday:
        back = anchor  # "weds", said on a Wednesday: today (or the next one)
    return [Span(back, back, said), Span(ahead, ahead, said)]


def _nearest_day(anchor: date, number: int) -> date | None:
    """The day numbered ``number`` of the month before, this or the next nearest ``anchor``."""
    near: list[date] = []
    for shift in (-1, 0, 1):
        y, mo = _shift_month(anchor.year, anchor.month, shift)
        if number <= calendar.monthrange(y, mo)[1]:
            near.append(date(y, mo, number))
    return min(near, key=lambda d: abs((d - anchor).days), default=None)


def _dated_weekday(anchor: date, weekday: int, number: int, month_name: str | None) -> date | None:
    """'sat 16th may': the 16th of May (or of the nearest month, without one) nearest
    ``anchor`` that falls on a Saturday; the nearest 16th when none does."""
    month = _month(month_name, loose=True) if month_name else None
    if month_name and month is None:
        return None
    near: list[date] = []
    for shift in range(-6, 7) if month else (-1, 0, 1):  # a date's weekday recurs in <= 11 years
        if month:
            y, mo = anchor.year + shift, month
        else:
            y, mo = _shift_month(anchor.year, anchor.month, shift)
        if number <= calendar.monthrange(y, mo)[1]:
            near.append(date(y, mo, number))
    fits = [d for d in near if d.weekday() == weekday] or near
    return min(fits, key=lambda d: abs((d - anchor).days), default=None)


def _resolve(kind: str, m: re.Match[str], anchor: date, *, loose: bool = False) -> Span | None:
    said = m.group(0)
    try:
        if kind == "iso":
            day = date(int(m["year"]), int(m["m"]), int(m["day"]))
            return Span(day, day, said)
        if kind in ("month-day", "day-month"):
            # "16th may", "the 16th of may": after an ordinal day, "may" is the month
            ordinal = loose and re.search(r"\d(?:st|nd|rd|th)|\bof\b", said) is not None
            month = _month(m["month"], loose=ordinal)
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
            unit = {"wk": "week", "yr": "year"}.get(m["unit"].lower(), m["unit"].lower())
            if unit == "fortnight":
                return _ago(2 * _count(m["n"]), "week", anchor, said)
            return _ago(_count(m["n"]), unit, anchor, said)
        if kind in ("last", "this", "next"):
            shift = {"last": -1, "this": 0, "next": 1}[kind]
            unit = "week" if m["unit"].lower() == "wk" else m["unit"].lower()
            return _calendar_unit(unit, shift, anchor, said)
        if kind == "weekday":
            back = (anchor.weekday() - WEEKDAYS[m["wd"].lower()]) % 7 or 7
            day = anchor - timedelta(days=back)
            return Span(day, day, said)
        offset = {"yesterday": -1, "today": 0, "tomorrow": 1}[kind]
        day = anchor + timedelta(days=offset)
        return Span(day, day, said)
    except (ValueError, OverflowError):
        return None  # "February 30th", a year out of range: not a date after all


def _month(name: str, *, loose: bool = False) -> int | None:
    lowered = name.lower().rstrip(".")
    if lowered == "may":
        return 5 if name[0] == "M" or loose else None
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
