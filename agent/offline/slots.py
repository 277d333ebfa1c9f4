"""The values a message carries, each read by a small rule of its own: distances, durations, paces, heart
rates, a condition on runs ("above 160 bpm", "longer than 9 km", "faster than 7:00 per km"), a race priority,
shoe and race names kept verbatim, a workout's kind and structure, and a sport.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from agent.offline.dates import NUMBER_WORDS

__all__ = [
    "Condition",
    "Workout",
    "condition",
    "distance_m",
    "duration_s",
    "heart_rate",
    "pace_s_per_km",
    "priority",
    "race_name",
    "shoe_name",
    "sport",
    "workout",
]

MILE = 1609.344
RACE_DISTANCES = (
    (re.compile(r"\bhalf[- ]?marathon\b|\bhalbmarathon\b|\bhalf\b|\b21(?:\.1)?\s?k\b", re.I), 21097.5),
    (re.compile(r"\bmarathon\b|\b42(?:\.2)?\s?k\b", re.I), 42195.0),
    (re.compile(r"\b10\s?k\b|\b10\s?km\b", re.I), 10000.0),
    (re.compile(r"\b5\s?k\b|\bparkrun\b", re.I), 5000.0),
)
_NUM = r"(\d+(?:[.,]\d+)?)"
_KM = re.compile(rf"{_NUM}\s?(?:km|kms|kilomet(?:er|re)s?|k)\b", re.I)
_MI = re.compile(rf"{_NUM}\s?(?:mi|miles?)\b", re.I)
_M = re.compile(r"\b(\d{3,5})\s?(?:m|metres|meters)\b", re.I)
_MINUTES = re.compile(r"\b(\d+(?:\.\d+)?)[\s-]?(?:min|mins|minutes?)\b", re.I)
_HOURS = re.compile(r"\b(\d+(?:\.\d+)?)[\s-]?(?:h|hrs?|hours?)\b", re.I)
_PACE = re.compile(r"\b(\d{1,2}):(\d{2})\s*(?:min\s*)?(?:/\s?|per\s+)(km|kilomet(?:er|re)|mi|mile)\b", re.I)
_BPM = re.compile(r"\b(\d{2,3})\s?(?:bpm|beats)\b", re.I)


def _float(raw: str) -> float:
    return float(raw.replace(",", "."))


def distance_m(text: str) -> float | None:
    """A distance: "8 km", "5 miles", "800 m", or a race distance by name ("half marathon", "10K")."""
    if m := _KM.search(text):
        return _float(m.group(1)) * 1000
    if m := _MI.search(text):
        return round(_float(m.group(1)) * MILE, 1)
    if m := _M.search(text):
        return float(m.group(1))
    for pattern, metres in RACE_DISTANCES:
        if pattern.search(text):
            return metres
    return None


def race_distance_m(text: str) -> float | None:
    """Only a race distance by name (a race's name says what it is: "Hamburg 10K", "Berlin Half")."""
    for pattern, metres in RACE_DISTANCES:
        if pattern.search(text):
            return metres
    return None


def duration_s(text: str) -> float | None:
    """A duration: "40 minute", "45 min", "1.5 hours"."""
    if m := _HOURS.search(text):
        return _float(m.group(1)) * 3600
    if m := _MINUTES.search(text):
        return _float(m.group(1)) * 60
    return None


def pace_s_per_km(text: str) -> float | None:
    """A pace: "7:00 per km", "5:30/km", "8:00 min/mi" (converted to seconds per km)."""
    if m := _PACE.search(text):
        seconds = int(m.group(1)) * 60 + int(m.group(2))
        return seconds / (MILE / 1000) if m.group(3).lower().startswith("mi") else float(seconds)
    return None


def heart_rate(text: str) -> float | None:
    """A heart rate: "160 bpm"."""
    if m := _BPM.search(text):
        return float(m.group(1))
    return None


Field = Literal["avg_hr", "distance_km", "pace_s_per_km", "no_hr"]


@dataclass(frozen=True)
class Condition:
    """A filter on activities: `field` `op` `value` ("avg_hr > 160"), or runs without heart rate."""

    field: Field
    op: Literal[">", "<"]
    value: float
    text: str  # as the athlete wrote it, for the answer

    def holds(self, item: dict[str, object]) -> bool:
        if self.field == "no_hr":
            return item.get("avg_hr") is None
        raw = item.get(self.field)
        if not isinstance(raw, int | float):
            return False
        return raw > self.value if self.op == ">" else raw < self.value


_MORE = r"(?:above|over|more than|higher than|greater than|longer than|faster than|>)"
_LESS = r"(?:below|under|less than|lower than|shorter than|slower than|<)"


def condition(text: str) -> Condition | None:
    """The condition a "how many runs …" question asks about, read from the comparison and the unit."""
    t = text.lower()
    if re.search(r"\b(no|without)\s+(heart rate|hr)\b", t):
        return Condition("no_hr", ">", 0, "without heart rate")
    m = re.search(rf"(?:{_MORE}|{_LESS})\s+[^,.?]*", t)
    if m is None:
        return None
    phrase = m.group(0)
    more = re.match(_MORE, phrase) is not None
    if (bpm := heart_rate(phrase)) is not None:
        return Condition("avg_hr", ">" if more else "<", bpm, f"{'above' if more else 'below'} {bpm:.0f} bpm")
    if (pace := pace_s_per_km(phrase)) is not None:
        # faster than a pace is fewer seconds per km
        words = "faster" if more else "slower"
        return Condition("pace_s_per_km", "<" if more else ">", pace, f"{words} than {_clock(pace)} /km")
    if (metres := distance_m(phrase)) is not None:
        words = "longer" if more else "shorter"
        return Condition(
            "distance_km", ">" if more else "<", metres / 1000, f"{words} than {metres / 1000:g} km"
        )
    return None


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def priority(text: str) -> Literal["A", "B", "C"] | None:
    """A race priority: "as an A race", "a B race", "priority C", "it's a C race", "my A race"."""
    for pattern in (
        r"\bpriority\s*:?\s*([ABC])\b",
        r"\b([ABC])[- ]race\b",
        r"\b([ABC])[- ]priority\b",
        r"\bas (?:an?|my) ([ABC])\b",
    ):
        if m := re.search(pattern, text):
            return m.group(1)  # type: ignore[return-value]
    return None


SHOE_BRANDS = (
    "New Balance",
    "Under Armour",
    "La Sportiva",
    "Nike",
    "Hoka",
    "Hoka One One",
    "Salomon",
    "Saucony",
    "Asics",
    "ASICS",
    "On",
    "Adidas",
    "adidas",
    "Brooks",
    "Mizuno",
    "Puma",
    "Altra",
    "Reebok",
    "Inov-8",
    "Merrell",
    "Topo",
    "Topo Athletic",
    "Skechers",
    "Diadora",
    "Craft",
    "Newton",
    "Karhu",
    "Veja",
    "Decathlon",
    "Kiprun",
    "361",
)
_BRAND = re.compile(
    r"(?<![\w-])("
    + "|".join(sorted((re.escape(b) for b in SHOE_BRANDS), key=len, reverse=True))
    + r")(?![\w-])"
)
_NAME_TOKEN = re.compile(r"^(?:[A-Z0-9À-Þ][\w'’.+-]*|v\d+[\w]*|\d[\w.]*)$")
_STOP = {"I", "A", "The", "My", "Add", "Please", "New", "Put", "Race", "Track", "Log", "Gear", "Shoes", "It"}


def _name_run(tokens: list[str], start: int) -> list[str]:
    out: list[str] = []
    for token in tokens[start:]:
        clean = token.strip(',.!?;:()"“”')
        if not clean or not _NAME_TOKEN.match(clean):
            break
        out.append(clean)
        if clean != token.rstrip() and token[-1] in ",.!?;:)":
            break
    return out


def shoe_name(text: str) -> tuple[str, str | None, str | None] | None:
    """(name, brand, model) of shoes as the athlete wrote them: a known brand and the capitalised or numbered
    words after it ("Nike Pegasus 41", "New Balance 1080v14"), else what follows a colon ("New trail shoes:
    Trailblazer X"), else a quoted name."""
    if m := re.search(r"[\"“']([^\"”']{2,80})[\"”']", text):
        return m.group(1).strip(), None, None
    if m := _BRAND.search(text):
        rest = text[m.end() :].split()
        model = _name_run(rest, 0)
        if m.group(1) == "On" and not model:
            pass  # "on" the preposition, capitalised at a sentence start
        else:
            name = " ".join([m.group(1), *model])
            return name, m.group(1), " ".join(model) or None
    if ":" in text:
        after = text.split(":", 1)[1].split()
        words = _name_run(after, 0)
        if words:
            return " ".join(words), None, None
    return None


def race_name(text: str) -> str | None:
    """A race's name as written: the first run of capitalised words (and distances like "10K") that is not
    the verb, the priority letter or "Race": "Add the Berlin Half on …" → "Berlin Half"."""
    if m := re.search(r"[\"“']([^\"”']{2,120})[\"”']", text):
        return m.group(1).strip()
    tokens = text.replace(":", " : ").replace(",", " , ").split()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _STOP or token in {"B", "C", ":", ","} or not _NAME_TOKEN.match(token.strip(",.!?")):
            i += 1
            continue
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", token.strip(",.")):
            i += 1
            continue
        words = []
        for tok in tokens[i:]:
            clean = tok.strip(",.!?;")
            if not clean or not _NAME_TOKEN.match(clean) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", clean):
                break
            words.append(clean)
        if words:
            return " ".join(words)
        i += 1
    return None


WorkoutKind = Literal["easy", "recovery", "long", "tempo", "intervals", "hills", "strides", "race_pace"]
_KINDS: tuple[tuple[str, WorkoutKind], ...] = (
    (r"\brecovery\b", "recovery"),
    (r"\bhills?\b|\bhill repeats\b", "hills"),
    (r"\bstrides\b", "strides"),
    (r"\brace[- ]pace\b", "race_pace"),
    (r"\d\s*(?:×|x|\*)\s*\d|\bintervals?\b|\brepeats\b|\bvo2\b|\breps\b", "intervals"),
    (r"\btempo\b|\bthreshold\b|\bcruise\b", "tempo"),
    (r"\blong run\b|\blong\b", "long"),
    (r"\beasy\b|\bjog\b|\bbase run\b", "easy"),
)
_REPS = re.compile(
    r"(\d+|"
    + "|".join(NUMBER_WORDS)
    + r")\s*(?:×|x|\*|times)\s*(\d+(?:[.,]\d+)?)\s*(km|k|m|mi|min|minutes?)\b",
    re.I,
)


@dataclass(frozen=True)
class Workout:
    """A workout the athlete asked for: its kind, size, and the structure as they wrote it."""

    kind: WorkoutKind
    distance_km: float | None
    minutes: float | None
    structure: str | None  # "5 × 1 km at threshold, 2 min jog", verbatim


def workout(text: str) -> Workout | None:
    """The workout in a request: "5 × 1 km at threshold, 2 min jog", "6 x 800 m", "an easy 8 km run",
    "a 40 minute tempo run", "a hill session"."""
    kind: WorkoutKind | None = None
    for pattern, name in _KINDS:
        if re.search(pattern, text, re.I):
            kind = name
            break
    if kind is None:
        return None
    structure = None
    if m := _REPS.search(text):
        tail = re.match(
            r"[^.;!?]*?(?=\s+(?:on|for|this|next|tomorrow|today|and push|and send)\b|[.;!?]|$)",
            text[m.start() :],
        )
        structure = (tail.group(0) if tail else m.group(0)).strip(" ,")
    km = None
    if structure is None and (metres := distance_m(text)) is not None:
        km = round(metres / 1000, 2)
    minutes = None
    if structure is None and (seconds := duration_s(text)) is not None:
        minutes = seconds / 60
    return Workout(kind, km, minutes, structure)


SPORTS = (
    (r"\b(strength|gym|weights|lifting)\b", "strength_training"),
    (r"\b(bike|cycl\w*|ride|rides|riding|spin)\b", "cycling"),
    (r"\b(swim\w*)\b", "swimming"),
    (r"\b(yoga|pilates|mobility)\b", "yoga"),
    (r"\b(row\w*)\b", "rowing"),
    (r"\b(hike|hiking)\b", "hiking"),
    (r"\b(walk|walking)\b", "walking"),
    (r"\b(elliptical)\b", "elliptical"),
    (r"\b(ski\w*)\b", "cross_country_skiing"),
    (r"\b(run|runs|running|ran|jog)\b", "running"),
)


def sport(text: str) -> str | None:
    """The sport a message is about (running when it says run; None when it names none)."""
    for pattern, name in SPORTS:
        if re.search(pattern, text, re.I):
            return name
    return None
