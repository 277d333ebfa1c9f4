"""What a message asks for: an intent and its slots, read by ordered rules over the message's words and the
values `slots` and `dates` find in it.

Actions come first (they carry names and dates the athlete gave, kept verbatim), then how the athlete
feels, then questions about their own data (the period and measure they name decide the tools), then general
training questions (the knowledge base), and what none of these reads is `unknown` — the coach says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from agent.offline import dates, slots

__all__ = ["EXAMPLES", "Intent", "understand"]

#: shown when a message is not understood
EXAMPLES = (
    "How was my last run?",
    "How many km did I run in October?",
    "What is my training load this week?",
    "Should I run today?",
    "I bought new shoes, Nike Pegasus 41",
    "Add the Berlin Half on 2027-04-05 as an A race",
    "Create 5 × 1 km at threshold on Thursday",
    "I have a cold since yesterday",
    "What is a tempo run?",
)


@dataclass(frozen=True)
class Intent:
    name: str
    text: str
    today: date
    span: dates.Span | None = None
    day: date | None = None
    slots: dict[str, Any] = field(default_factory=dict)


def _has(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.I) is not None


_MY_DATA = r"\b(my|i|i'm|i've|me|am i)\b"
_RUN_WORDS = r"\b(run|runs|running|ran|jog|activity|activities|workout|session|ride|rides|cycl\w*|bike)\b"


def _proactive(text: str, today: date) -> Intent | None:
    m = re.match(r"^\[proactive:(\w+)\]", text)
    if m is None:
        return None
    found: dict[str, Any] = {}
    for key in ("activity", "race", "gear", "session"):
        if n := re.search(rf"\b{key} (\d+)\b", text):
            found[f"{key}_id"] = int(n.group(1))
    if name := re.search(
        r"(?<!\w)'([^']+)'(?=\s*\()", text
    ):  # the name the scheduler quotes: 'Hills' (session 7)
        found["name"] = name.group(1)
    return Intent(f"proactive_{m.group(1)}", text, today, day=dates.day(text, today), slots=found)


def _action(text: str, today: date) -> Intent | None:
    t = text.lower()
    if _has(r"\b(bought|got|new|add|track|added)\b", t) and (
        _has(r"\b(shoes?|trainers|sneakers|gear|pair)\b", t)
        or (slots.shoe_name(text) and slots.shoe_name(text)[1])  # type: ignore[index]
    ):
        shoe = slots.shoe_name(text)
        if shoe is not None or _has(r"\b(bought|got)\b.*\bshoes?\b", t):
            name, brand, model = shoe or (None, None, None)
            return Intent("add_gear", text, today, slots={"name": name, "brand": brand, "model": model})
    race_day = dates.day(text, today, future=True)
    if (
        _has(r"\b(race|signed up|registered|entered)\b", t)
        and _has(r"\b(add|put|signed up|registered|entered|race:)", t)
        and (race_day is not None or slots.priority(text))
    ):
        name = slots.race_name(text)
        found = {
            "name": name,
            "priority": slots.priority(text) or "A",
            "distance_m": slots.race_distance_m(name or "") or slots.race_distance_m(text),
            "plan": _has(r"\bplan\b", t),
        }
        return Intent("add_race", text, today, day=race_day, slots=found)
    if _has(r"\btravel\w*|\btrip\b|\baway\b|\bholiday\b|\bvacation\b", t) and _has(_MY_DATA, t):
        first_last = dates.span(text, today)
        return Intent("note", text, today, span=first_last, day=race_day, slots={"kind": "travel"})
    if re.search(r"\b(plan)\b", t) and (
        _has(r"\b(make|build|create|generate|write|need|want|give)\b", t) or _has(r"training plan", t)
    ):
        found = {
            "distance_m": slots.race_distance_m(text),
            "race_name": None,
            "goal_s": None,
        }
        if r := re.search(r"\bfor (?:the |my )?([A-Z][\w'’-]*(?:\s+[A-Z0-9][\w'’-]*)+)", text):
            found["race_name"] = r.group(1)
        return Intent("build_plan", text, today, day=dates.day(text, today, future=True), slots=found)
    workout = slots.workout(text)
    pushes = _has(r"\b(push|send|sync|upload)\b", t) and _has(r"\b(watch|garmin|it|workout|session|run)\b", t)
    creates = _has(r"\b(create|plan|make|schedule|add|build|give me|set up|put)\b", t) or pushes
    if workout is not None and creates and not _has(r"\b(did|done|ran|yesterday)\b", t):
        day = dates.day(text, today, future=True) or today + timedelta(days=1)
        return Intent("workout", text, today, day=day, slots={"workout": workout, "push": pushes})
    if pushes:
        return Intent("push_workout", text, today, day=dates.day(text, today, future=True))
    minutes = slots.duration_s(text)
    sport = slots.sport(text)
    if minutes is not None and sport not in (None, "running") and _has(r"\b(did|done|log|had|went)\b", t):
        return Intent(
            "log_session",
            text,
            today,
            day=dates.day(text, today) or today,
            slots={"sport": sport, "minutes": minutes / 60, **_effort(text, sport)},
        )
    return None


#: how hard a logged session was when the athlete does not say (session RPE, CR-10)
TYPICAL_RPE = {"yoga": 2, "walking": 2, "hiking": 3, "cycling": 4, "swimming": 4, "strength_training": 5}


def _effort(text: str, sport: str) -> dict[str, Any]:
    """The session RPE the athlete gave ("rpe 6", "hard", "easy"), else a "
    "typical one for the sport (assumed)."""
    t = text.lower()
    if m := re.search(r"\b(?:rpe|effort)\s*(\d{1,2})\b", t):
        return {"rpe": min(float(m.group(1)), 10.0), "rpe_assumed": False}
    for pattern, rpe in (
        (r"\b(very hard|brutal|max)\b", 8.0),
        (r"\bhard\b", 6.0),
        (r"\b(easy|light|gentle)\b", 2.0),
    ):
        if re.search(pattern, t):
            return {"rpe": rpe, "rpe_assumed": False}
    return {"rpe": float(TYPICAL_RPE.get(sport, 4)), "rpe_assumed": True}


_ILLNESS = r"\b(cold|flu|sick|ill|illness|fever|covid|virus|infection|sore throat)\b"
_INJURY = (
    r"\b(hurts?|pain|painful|injur\w*|niggle|sore|strain\w*|sprain\w*|tendon\w*|achilles|shin splints)\b"
)
_BAD_NIGHT = (
    r"\bslept (badly|poorly|terribly|awfully|horribly|very little|little)\b|"
    r"\b(bad|rough|poor|terrible|awful|short|sleepless) night\b|\bbarely slept\b|"
    r"\bdid ?n[o']?t sleep\b|\bcould ?n[o']?t sleep\b|\bpoor sleep\b"
)
_STRESS = r"\b(stress\w*|busy|overwhelmed|exams?|deadline)\b"


def _state(text: str, today: date) -> Intent | None:
    t = text.lower()
    general = _has(r"^\s*(what|how|why|when)\b.*\b(signs?|come back|return|after being|deal with|avoid)\b", t)
    for pattern, kind in ((_ILLNESS, "illness"), (_INJURY, "injury"), (_STRESS, "life_stress")):
        personal = _has(_MY_DATA, t) or (kind == "life_stress" and _has(r"\b(work|job|life|family)\b", t))
        if _has(pattern, t) and personal and not general:
            start = dates.day(text, today)
            if m := re.search(r"\bsince\s+(.+)$", text, re.I):
                start = dates.day(m.group(1), today) or start
            end = None
            if kind == "life_stress" and _has(r"\bthis week\b", t):
                start = start or today
                end = dates.week_start(today) + timedelta(days=6)
            return Intent("note", text, today, day=start, slots={"kind": kind, "end": end})
    if _has(_BAD_NIGHT, t) and not _has(r"\bhow (much|long|many|did|well)\b", t):
        return Intent("readiness", text, today)  # a bad night: what it means for today's session
    if _has(r"\bslept|\bsleep\b", t) and _has(r"\blast night\b|\bslept badly\b|\btonight\b", t):
        return Intent("sleep_last_night", text, today)
    if (
        _has(r"\b(tired|exhausted|fatigued|heavy|sore|knackered|wiped|drained)\b", t)
        and _has(r"\b(look at|load|sleep)\b", t)
        and _has(r"\bthis week\b|\bweek\b", t)
    ):
        return Intent("tired_week", text, today)
    if _has(
        r"\b(tired|exhausted|fatigued|heavy|knackered|wiped|drained|recovered|ready|readiness)\b|"
        r"\bshould i (still )?(run|train|do)\b.*\b(today|now|this morning|tonight|the workout)\b|"
        r"\btrain or rest\b|\brest day\b|\bskip\b",
        t,
    ) and not _has(r"\bform\b|\btsb\b|\batl\b", t):
        return Intent("readiness", text, today)
    return None


def _health(text: str, today: date) -> Intent | None:
    t = text.lower()
    measure = None
    if _has(r"\bresting (heart rate|hr)\b|\brhr\b", t):
        measure = "resting_hr"
    elif _has(r"\bhrv\b|\bheart rate variability\b", t) and not _has(r"^\s*what is hrv\b", t):
        measure = "hrv_ms"
    elif _has(r"\bslept\b|\bsleep\b", t) and _has(_MY_DATA, t) and not _has(r"\bneed\b", t):
        measure = "sleep_h"
    if measure is None:
        return None
    compare = _has(r"\b(vs|versus|than|compared?)\b", t)
    span = dates.span(text, today)
    if span is None or span.label in {"this week", "last week"} or _has(r"\bpast week\b|\blast week\b", t):
        # health is nightly: "this week" means the last seven nights
        span = dates.Span(today - timedelta(days=6), today, "the last 7 days")
    return Intent(
        "health_compare" if compare else "health_avg", text, today, span=span, slots={"measure": measure}
    )


def _samples(text: str, today: date) -> Intent | None:
    t = text.lower()
    if _has(r"\bzones?\b", t) and _has(_MY_DATA, t):
        return Intent("zones", text, today, slots={"last_run": _has(r"\blast run\b", t)})
    what = None
    if _has(r"\bsecond half\b|\bfirst half\b", t) and _has(r"\bheart rate\b|\bhr\b", t):
        what = "hr_half"
    elif _has(r"\bcadence\b", t) and _has(r"\brecording\b|\bover\b|\bsamples?\b", t):
        what = "cadence"
    elif _has(r"\b(how long|time|minutes)\b", t) and slots.heart_rate(text) is not None:
        what = "time_above"
    if what is None:
        return None
    return Intent(
        "samples",
        text,
        today,
        day=dates.day(text, today),
        slots={**_which_run(text), "what": what, "bpm": slots.heart_rate(text)},
    )


def _which_run(text: str) -> dict[str, Any]:
    """Which run a question is about: its name word ("long run", "tempo run") and whether it says last."""
    t = text.lower()
    kind = None
    for word in ("long", "tempo", "easy", "recovery", "interval"):
        if _has(rf"\b{word} (run|runs|session)\b|\b{word}s\b", t):
            kind = word
            break
    return {
        "kind": kind,
        "half": "second" if "second half" in t else ("first" if "first half" in t else None),
    }


def _load(text: str, today: date) -> Intent | None:
    t = text.lower()
    if _has(r"\bvo2 ?max\b|\bmarathon shape\b", t):
        return Intent("vo2max", text, today)
    span = dates.span(text, today)
    if _has(r"\btraining load\b|\bload\b", t) and span is not None and not _has(r"\btrend\b|\bover the\b", t):
        return Intent("week_load", text, today, span=span)
    measure = None
    if _has(r"\bctl\b|\bfitness\b|\bhow fit\b", t):
        measure = "ctl"
    if _has(r"\batl\b|\bacute load\b|\bfatigue\b|\bfatigued\b", t):
        measure = "atl"
    if _has(r"\btsb\b|\bform\b|\bfresh\b", t):
        measure = "tsb"
    if _has(r"\btraining load\b|\bload trend\b", t):
        measure = measure or "trend"
    if measure is None:
        return None
    trend = _has(r"\b(trend\w*|gone up|gone down|over the|improv\w*|changed?)\b", t)
    return Intent("fitness", text, today, span=span, slots={"measure": measure, "trend": trend})


_MEASURES = (
    (r"\blongest\b", "longest"),
    (r"\bheart rate\b|\bhr\b", "hr"),
    (r"\bhow many (runs|rides|bike rides|activities|sessions|times)\b|\bnumber of\b", "count"),
    (r"\bhow much time\b|\bhow long\b|\btime (did i|have i) spen[dt]\b|\bhours\b", "time"),
    (r"\bpace\b|\bfaster\b|\bslower\b|\bhow fast\b", "pace"),
    (r"\bmax(imum)? heart\b", "max_hr"),
    (
        (
            r"\bhow (far|many km|many kilomet\w+|many "
            r"miles)\b|\bdistance\b|\bvolume\b|\bkm\b|\bmileage\b|\bmore\b"
        ),
        "distance",
    ),
)


def _measure(text: str) -> str | None:
    t = text.lower()
    if _has(r"\bmax(imum)? heart rate\b|\bmax hr\b", t):
        return "max_hr"
    for pattern, name in _MEASURES:
        if _has(pattern, t):
            return name
    return None


def _activities(text: str, today: date) -> Intent | None:
    t = text.lower()
    sport = "cycling" if _has(r"\b(bike|cycl\w*|ride|rides|rode)\b", t) else "running"
    shoe = slots.shoe_name(text)
    if (
        (_has(r"\b(shoes?|trainers|gear)\b", t) or (shoe and shoe[1]))
        and _has(r"\b(km|far|mileage|miles|distance|replace|worn)\b", t)
        and _has(r"\bmy\b", t)
    ):
        return Intent("gear", text, today, slots={"advice": _has(r"\b(replace|worn|retire)\b", t)})
    months = dates.months_named(text, today)
    span = dates.span(text, today)
    if _has(
        (
            r"\bhow was my (week|training week)\b|\bsummary of my "
            r"(training|week)\b|\bmy week\b|\bweekly review\b"
        ),
        t,
    ):
        return Intent("week_review", text, today, span=dates.span("this week", today))
    if _has(r"\bcompare|\bcompared\b|\bthan\b|\bvs\b", t):
        if len(months) >= 2:
            return Intent(
                "compare_periods",
                text,
                today,
                slots={"spans": months[:2], "sport": sport, "measure": _measure(text)},
            )
        if _has(r"\bthis week\b", t) and _has(r"\blast week\b", t):
            spans = [dates.span("this week", today), dates.span("last week", today)]
            return Intent(
                "compare_periods", text, today, slots={"spans": spans, "sport": sport, "measure": "distance"}
            )
        if (
            _has(r"\blast\b", t)
            and _has(r"\b(one before|previous|the one on|earlier)\b|\bon\b", t)
            and not _has(r"\busual\b", t)
        ):
            return Intent("compare_runs", text, today, day=dates.day(text, today), slots=_which_run(text))
    cond = slots.condition(text)
    if (cond is not None or _has(r"\bno heart rate\b", t)) and _has(
        r"\bhow many\b|\bwhich\b|\blist\b|\bshow\b", t
    ):
        return Intent("condition", text, today, span=span, slots={"condition": cond, "sport": sport})
    if _has(r"\bhow many\b", t) and _has(r"\b(rides|bike rides|runs)\b", t) and span is not None:
        return Intent(
            "aggregate", text, today, span=span, slots={"measure": "count", "sport": sport, "kind": None}
        )
    if span is not None and _has(
        r"\b(how many|how much|what was|what is|my|total|volume|longest|average)\b", t
    ):
        measure = _measure(text) or "distance"
        return Intent(
            "aggregate",
            text,
            today,
            span=span,
            slots={"measure": measure, "sport": sport, **_which_run(text)},
        )
    day = dates.day(text, today)
    if day is not None and (_has(_RUN_WORDS, t) or _measure(text)) and not _has(r"\blast\b", t):
        return Intent("activity_day", text, today, day=day, slots={"measure": _measure(text), "sport": sport})
    last = _has(r"\b(last|latest|most recent|previous|recent)\b", t) or _has(r"\blast time\b", t)
    if last and _has(_RUN_WORDS + r"|\blast time\b", t):
        if _has(
            r"^\s*how (was|did)|\bgo\b|\bwent\b|\bcompared with my usual\b|\bhow was\b", t
        ) and not _measure(text):
            return Intent("run_review", text, today, slots={"sport": sport})
        return Intent("last_facts", text, today, slots={"measure": _measure(text), "sport": sport, "text": t})
    return None


def _other(text: str, today: date) -> Intent | None:
    t = text.lower()
    if _has(r"\bon track\b|\bready for (the|my)\b.*\b(race|marathon|half|10k|5k)\b", t) or (
        _has(r"\bon track\b", t)
    ):
        return Intent(
            "race_check", text, today, slots={"race_name": slots.race_name(text.split(" for ", 1)[-1])}
        )
    if _has(r"\b(predict\w*|race time|how fast (could|can|will) i|what time could i)\b", t):
        return Intent("prediction", text, today, slots={"distance_m": slots.race_distance_m(text)})
    if _has(r"\bzones?\b", t) and _has(_MY_DATA, t):
        return Intent("zones", text, today, slots={"last_run": _has(r"\blast run\b", t)})
    if _has(r"\bwho am i\b|\bmy (profile|settings|account)\b", t):
        return Intent("profile", text, today)
    if _has(r"\bfeed\b|\bcomments?\b|\bmy athletes\b", t):
        return Intent("feed", text, today)
    if _has(r"\bmy races\b|\brace calendar\b|\bnext race\b", t):
        return Intent("races", text, today)
    return None


_ADVICE = (
    r"\b(should i|how (can|do) i|what should|am i running|is my|most "
    r"important|focus|structure|get faster|improve)\b"
)


def _general(text: str, today: date) -> Intent | None:
    t = text.lower()
    about_me = _has(
        r"\b(my|am i|i'm)\b|\b(next|each|this) (week|month)\b|\bget faster\b|\bavoid getting\b", t
    )
    if (
        about_me
        and _has(_ADVICE, t)
        and _has(
            r"\b(training|run\w*|pace|week|month|long run|quality|faster|injur\w*|10k|half|marathon)\b", t
        )
    ):
        return Intent("advice", text, today, slots={"distance_m": slots.race_distance_m(text)})
    if _has(r"^\s*(what|why|how|when|which|should|is|are|do|does|can)\b", t) or t.rstrip().endswith("?"):
        return Intent("knowledge", text, today)
    return None


RULES = (_proactive, _action, _state, _health, _samples, _load, _activities, _other, _general)


_EXPLAIN = re.compile(
    r"^\s*(what (is|are|does)|how (does|do|is)\b.*\b(work|compute\w*|calculate\w*|measure\w*|mean)|why)\b",
    re.I,
)


def understand(text: str, today: date) -> Intent:
    """The intent of a message (`unknown` when no rule reads it)."""
    clean = " ".join(text.split())
    if _EXPLAIN.match(clean) and not _has(r"\b(my|me|i|i'm|am i)\b", clean):
        return Intent("knowledge", clean, today)
    for rule in RULES:
        intent = rule(clean, today)
        if intent is not None:
            return intent
    return Intent("unknown", clean, today)
