"""Days and ranges of days as runners write them, relative to the athlete's today.

`span` reads a range ("this week", "last week", "two weeks ago", "in October", "the last 4 weeks", "the past
7 days", "from 2026-11-25 to 2026-11-28", "this month"); `day` reads one day ("2027-04-05", "Tuesday 17
November", "17 November", "yesterday", "today", "tomorrow", "last Sunday", "on Thursday"). Weekdays without
"last" point forward when `future` is set (a workout "on Thursday" is the next Thursday after today) and back
otherwise (a run "on Tuesday" is the last Tuesday). Weeks start on Monday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["MONTHS", "NUMBER_WORDS", "WEEKDAYS", "Span", "day", "span"]

MONTHS = {
    name: i + 1
    for i, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        )
    )
}
_MONTH_ABBR = {name[:3]: n for name, n in MONTHS.items()} | {"sept": 9}
WEEKDAYS = {
    name: i
    for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
_WEEKDAY_ABBR = {name[:3]: n for name, n in WEEKDAYS.items()}
NUMBER_WORDS = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
}

_MONTH = (
    r"(january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
)
_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)"
_COUNT = r"(\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|twelve)"
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DAY_MONTH = re.compile(
    rf"\b(?:{_WEEKDAY},?\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:,?\s+(\d{{4}}))?", re.I
)
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I)


@dataclass(frozen=True)
class Span:
    """Local days `first`..`last` (inclusive), and how to name them in an answer."""

    first: date
    last: date
    label: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]


def _month(word: str) -> int:
    word = word.lower()
    return MONTHS.get(word) or _MONTH_ABBR[word[:4] if word.startswith("sept") else word[:3]]


def _weekday(word: str) -> int:
    word = word.lower()
    return WEEKDAYS.get(word, _WEEKDAY_ABBR.get(word[:3], 0))


def _safe(year: int, month: int, dom: int) -> date | None:
    try:
        return date(year, month, dom)
    except ValueError:
        return None


def _year_for(month: int, dom: int, today: date, explicit: str | None, future: bool) -> date | None:
    """A day-month without a year: this year's, or the nearest one in the direction the sentence points."""
    if explicit:
        return _safe(int(explicit), month, dom)
    found = _safe(today.year, month, dom)
    if found is None:
        return None
    if future and found < today - timedelta(days=31):
        return _safe(today.year + 1, month, dom)
    if not future and found > today + timedelta(days=31):
        return _safe(today.year - 1, month, dom)
    return found


def week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def span(text: str, today: date) -> Span | None:
    """The range of days a message talks about, or None."""
    t = text.lower()
    isos = [d for y, m, dd in _ISO.findall(t) if (d := _safe(int(y), int(m), int(dd))) is not None]
    if len(isos) >= 2 and re.search(r"\b(from|between)\b.*\b(to|until|till|and|-)\b", t):
        first, last = sorted(isos[:2])
        return Span(first, last, f"{first.isoformat()} to {last.isoformat()}")
    monday = week_start(today)
    if re.search(r"\bthis (?:calendar )?week\b|\bso far this week\b|\bmy week\b|\bweek so far\b", t):
        return Span(monday, today, "this week")
    if re.search(r"\blast week\b|\bprevious week\b|\bthe week before\b", t):
        return Span(monday - timedelta(days=7), monday - timedelta(days=1), "last week")
    if m := re.search(rf"\b{_COUNT} weeks? ago\b", t):
        n = _count(m.group(1))
        first = monday - timedelta(days=7 * n)
        return Span(first, first + timedelta(days=6), f"{m.group(0)}")
    if m := re.search(rf"\b(?:last|past|previous|recent)\s+{_COUNT}\s+(day|week|month)s?\b", t):
        n = _count(m.group(1))
        days = {"day": 1, "week": 7, "month": 30}[m.group(2)] * n
        unit = m.group(2) + ("s" if n != 1 else "")
        return Span(today - timedelta(days=days - 1), today, f"the last {n} {unit}")
    if re.search(r"\b(?:last|past) (?:7|seven) days\b|\bpast week\b|\blast 7 nights\b", t):
        return Span(today - timedelta(days=6), today, "the last 7 days")
    if re.search(r"\bthis month\b", t):
        return Span(today.replace(day=1), today, "this month")
    if re.search(r"\blast month\b|\bprevious month\b", t):
        last = today.replace(day=1) - timedelta(days=1)
        return Span(last.replace(day=1), last, f"{last:%B}")
    if re.search(r"\bthis year\b", t):
        return Span(date(today.year, 1, 1), today, f"{today.year}")
    months = months_named(text, today)
    if months:
        return months[0]
    return None


def _is_month_word(word: str) -> bool:
    """Full month names in any case, except "may" (the verb) and abbreviations, which must be capitalised."""
    if word.lower() in MONTHS and word.lower() != "may":
        return True
    return word[0].isupper()


def months_named(text: str, today: date) -> list[Span]:
    """Every month named without a day ("in October", "September and October"), as ranges, in order."""
    found: list[Span] = []
    for m in re.finditer(rf"\b{_MONTH}\b(?!\s+\d)", text, re.I):
        before = text[: m.start()]
        if re.search(r"\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?$", before):
            continue  # "17 November" is a day
        word = m.group(1)
        if not _is_month_word(word):
            continue
        month = _month(word)
        year = today.year if month <= today.month else today.year - 1
        first = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        last = min(nxt - timedelta(days=1), today)
        label = f"{first:%B}" if year == today.year else f"{first:%B %Y}"
        if all(s.first != first for s in found):
            found.append(Span(first, last, label))
    return found


def day(text: str, today: date, *, future: bool = False) -> date | None:
    """The one day a message names, or None."""
    t = text.lower()
    if m := _ISO.search(t):
        return _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _DAY_MONTH.search(text):
        return _year_for(_month(m.group(3)), int(m.group(2)), today, m.group(4), future)
    if m := _MONTH_DAY.search(text):
        return _year_for(_month(m.group(1)), int(m.group(2)), today, m.group(3), future)
    if re.search(r"\bday before yesterday\b", t):
        return today - timedelta(days=2)
    if re.search(r"\byesterday\b|\blast night\b", t):
        return today - timedelta(days=1)
    if re.search(r"\btomorrow\b", t):
        return today + timedelta(days=1)
    if re.search(r"\btoday\b|\btonight\b|\bthis (?:morning|afternoon|evening)\b|\btoday'?s\b", t):
        return today
    if m := re.search(rf"\b(last|this|next|on|for|this coming)?\s*{_WEEKDAY}\b", t):
        if len(m.group(2)) <= 3 and not text[m.start(2)].isupper():
            return None  # "sun", "wed" are words too; abbreviations count when capitalised
        which, weekday = m.group(1), _weekday(m.group(2))
        back = (today.weekday() - weekday) % 7 or 7
        ahead = (weekday - today.weekday()) % 7 or 7
        if which == "last":
            return today - timedelta(days=back)
        if which == "next":
            return today + timedelta(days=ahead)
        if which == "this" and weekday == today.weekday():
            return today
        return today + timedelta(days=ahead) if future else today - timedelta(days=back)
    return None
