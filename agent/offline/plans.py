"""Which tools a coach looks at for each intent, step by step: a plan returns the calls still needed given
what this turn's results already say (the newest run's id, a race's id, a saved workout's id), and nothing
when it is time to answer. Several calls in one step run together.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from agent.offline.dates import week_start
from agent.offline.intents import Intent
from agent.offline.turn import Turn

__all__ = ["PROPOSALS", "Call", "earlier_a_race", "knowledge_query", "next_calls", "pick_run"]

Call = tuple[str, dict[str, Any]]
Plan = Callable[[Intent, Turn], list[Call]]

RECENT_DAYS = 28
LIST_LIMIT = 50


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _list(
    first: date | None = None, last: date | None = None, sport: str | None = None, limit: int = LIST_LIMIT
) -> Call:
    args: dict[str, Any] = {"limit": limit}
    if first:
        args["since"] = first.isoformat()
    if last:
        args["until"] = last.isoformat()
    if sport:
        args["sport"] = sport
    return ("list_activities", args)


def _recent(i: Intent, sport: str | None = "running") -> Call:
    return _list(i.today - timedelta(days=RECENT_DAYS - 1), i.today, sport)


_STOPWORDS = set(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "i",
        "my",
        "me",
        "you",
        "your",
        "what",
        "how",
        "why",
        "when",
        "which",
        "should",
        "can",
        "could",
        "would",
        "to",
        "of",
        "for",
        "in",
        "on",
        "at",
        "and",
        "or",
        "it",
        "its",
        "be",
        "good",
        "mean",
        "means",
        "matter",
        "really",
        "most",
    ]
)


def knowledge_query(text: str) -> str:
    """The topic words of a question (retrieval does better on them than on the whole sentence)."""
    words = [w for w in re.findall(r"[\w'-]+", text.lower()) if w not in _STOPWORDS]
    return " ".join(words)[:300] or text[:300]


def pick_run(i: Intent, activities: list[dict[str, Any]], *, need_hr: bool = False) -> dict[str, Any] | None:
    """The run a question means: on its day, of its kind ("long", "tempo"), the newest one; with `need_hr`,
    the newest one recorded with heart rate."""
    kind = i.slots.get("kind")
    candidates = [a for a in activities if a.get("sport") == "running"]
    if i.day is not None:
        candidates = [a for a in candidates if a.get("local_date") == i.day.isoformat()]
    if kind:
        candidates = [a for a in candidates if kind in str(a.get("name") or "").lower()]
    if need_hr:
        candidates = [a for a in candidates if a.get("avg_hr") is not None]
    return candidates[0] if candidates else None


def _newest(turn: Turn) -> dict[str, Any] | None:
    items = turn.data("list_activities").get("activities") or []
    return items[0] if items else None


def _last_facts(i: Intent, turn: Turn) -> list[Call]:
    first = [_list(sport=i.slots.get("sport"), limit=1)]
    newest = _newest(turn)
    if turn.get("list_activities") and newest and not i.slots.get("measure"):
        return [*first, ("last_activity", {"activity_id": newest["id"]})]
    return first


def _run_review(i: Intent, turn: Turn) -> list[Call]:
    calls = [_recent(i)]
    newest = _newest(turn)
    if newest:
        calls += [("last_activity", {"activity_id": newest["id"]}), ("zones", {})]
    return calls


def _samples(i: Intent, turn: Turn) -> list[Call]:
    since = i.day or i.today - timedelta(days=90)
    calls = [_list(since, i.day or i.today, "running")]
    run = pick_run(i, turn.data("list_activities").get("activities") or [], need_hr=True)
    if run is None:
        return calls
    ids = [run["id"]]
    what = i.slots.get("what")
    if what == "cadence":
        calls.append(("query_samples", {"activity_ids": ids, "metrics": ["cadence"], "aggregates": ["avg"]}))
    elif what == "time_above":
        bpm = float(i.slots.get("bpm") or 0)
        calls.append(
            (
                "query_samples",
                {
                    "activity_ids": ids,
                    "metrics": ["heart_rate"],
                    "aggregates": ["count"],
                    "hr_min": bpm + 0.5,
                    "covered_time": True,
                },
            )
        )
        calls.append(
            ("query_samples", {"activity_ids": ids, "metrics": ["heart_rate"], "aggregates": ["count"]})
        )
    else:
        calls.append(
            (
                "query_samples",
                {
                    "activity_ids": ids,
                    "metrics": ["heart_rate"],
                    "aggregates": ["avg", "count"],
                    "bucket": "1min",
                    "max_rows": 1000,
                },
            )
        )
    return calls


def _zones(i: Intent, turn: Turn) -> list[Call]:
    calls: list[Call] = [("zones", {})]
    if not i.slots.get("last_run"):
        return calls
    calls.append(_list(sport="running", limit=1))
    newest = _newest(turn)
    bands = _zone_bands(turn.data("zones"))
    if newest and bands:
        for _name, low, high in bands:
            args: dict[str, Any] = {
                "activity_ids": [newest["id"]],
                "metrics": ["heart_rate"],
                "aggregates": ["count"],
            }
            if low is not None:
                args["hr_min"] = float(low)
            if high is not None:
                args["hr_max"] = float(high) - 0.5
            calls.append(("query_samples", args))
    return calls


def _zone_bands(zones: dict[str, Any]) -> list[tuple[str, float | None, float | None]]:
    methods = zones.get("heart_rate") or {}
    if not methods:
        return []
    method = next(iter(methods))
    return [(z["name"], z.get("low_bpm"), z.get("high_bpm")) for z in methods[method]]


def _compare_runs(i: Intent, turn: Turn) -> list[Call]:
    return [_list(i.today - timedelta(days=120), i.today, "running")]


def _week_load(i: Intent, turn: Turn) -> list[Call]:
    first = i.span.first if i.span else week_start(i.today)
    days = max(7, (i.today - week_start(first)).days + 1) + 7  # and the whole week before, to compare
    return [("training_load", {"days": days, "resolution": "week"})]


def _fitness(i: Intent, turn: Turn) -> list[Call]:
    days = i.span.days if i.span and i.slots.get("trend") else 42
    resolution = "week" if i.slots.get("measure") == "trend" else "day"
    return [("training_load", {"days": max(days, 7), "resolution": resolution})]


def _health(i: Intent, turn: Turn) -> list[Call]:
    span = i.span
    assert span is not None
    calls: list[Call] = [("daily_health", {"since": span.first.isoformat(), "until": span.last.isoformat()})]
    if i.name == "health_compare":
        before = span.first - timedelta(days=span.days)
        after = span.first - timedelta(days=1)
        calls.append(("daily_health", {"since": before.isoformat(), "until": after.isoformat()}))
    return calls


def _week_review(i: Intent, turn: Turn) -> list[Call]:
    monday = week_start(i.today)
    return [("training_load", {"days": 14, "resolution": "week"}), _list(monday, i.today), ("get_plan", {})]


def _race_check(i: Intent, turn: Turn) -> list[Call]:
    calls: list[Call] = [("list_races", {}), ("get_plan", {})]
    race = find_race(i, turn)
    if race and race.get("distance_m"):
        calls.append(("race_prediction", {"targets_m": [race["distance_m"]]}))
    return calls


def find_race(i: Intent, turn: Turn) -> dict[str, Any] | None:
    data = turn.data("list_races")
    races = data.get("races") or []
    name = str(i.slots.get("race_name") or "").lower()
    for race in races:
        if name and (name in race["name"].lower() or race["name"].lower() in name):
            return race
    return data.get("next_a_race") or (races[0] if races else None)


def _add_race(i: Intent, turn: Turn) -> list[Call]:
    s = i.slots
    if not s.get("name") or i.day is None:
        return []
    args: dict[str, Any] = {
        "name": s["name"],
        "date": i.day.isoformat(),
        "priority": s.get("priority") or "A",
    }
    if s.get("distance_m"):
        args["distance_m"] = s["distance_m"]
    calls: list[Call] = [("add_race", args)]
    added = turn.data("add_race")
    if s.get("plan") and added.get("id"):
        calls.append(("generate_plan", {"race_id": added["id"]}))
    return calls


def earlier_a_race(i: Intent, turn: Turn) -> dict[str, Any] | None:
    """An A race on the calendar before the date asked for (a plan to the later race would run over it)."""
    if i.day is None:
        return None
    races = turn.data("list_races").get("races") or []
    return next(
        (r for r in races if r["priority"] == "A" and i.today.isoformat() <= r["date"] < i.day.isoformat()),
        None,
    )


def _build_plan(i: Intent, turn: Turn) -> list[Call]:
    """The calendar and the active plan first: a plan aims at the A race, and replacing the active plan is
    said in the arguments the athlete approves (`replace_active`)."""
    s = i.slots
    calls: list[Call] = [("list_races", {}), ("get_plan", {})]
    if turn.get("list_races") is None or turn.get("get_plan") is None:
        return calls
    replacing = {"replace_active": True} if turn.get("get_plan").ok else {}  # type: ignore[union-attr]
    if i.day is not None:
        if earlier_a_race(i, turn) is not None:
            return calls  # the answer asks which race the plan is for
        args: dict[str, Any] = {"race_date": i.day.isoformat(), **replacing}
        if s.get("distance_m"):
            args["race_distance_m"] = s["distance_m"]
        return [*calls, ("generate_plan", args)]
    race = find_race(i, turn)
    if race is not None:
        calls.append(("generate_plan", {"race_id": race["id"], **replacing}))
    return calls


def _adjust_today(i: Intent, turn: Turn) -> list[Call]:
    """Readiness and the proposal for today; a proposed change is offered for approval at once."""
    day = (i.day or i.today) if i.name.startswith("proactive_") else i.today
    calls: list[Call] = [("readiness", {"day": day.isoformat()}), ("adjust_today", {})]
    proposal = turn.data("adjust_today").get("apply_with")
    if proposal:
        calls.append(("apply_today_adjustment", dict(proposal)))
    return calls


#: side-effect calls the coach offers with its answer written beside them (the answer is the proposal the
#: athlete approves or declines, e.g. the morning message's Approve / Keep)
PROPOSALS = frozenset({"apply_today_adjustment"})


def _workout(i: Intent, turn: Turn) -> list[Call]:
    w = i.slots["workout"]
    args: dict[str, Any] = {"kind": w.kind, "date": _iso(i.day)}
    if w.distance_km and w.kind in ("easy", "recovery", "long", "strides"):
        args["distance_km"] = w.distance_km
    if w.minutes and w.kind in ("tempo", "intervals", "hills", "race_pace"):
        args["quality_minutes"] = w.minutes
    if w.structure:
        args["name"] = w.structure[:80]
    calls: list[Call] = [("generate_workout", args)]
    saved = turn.data("generate_workout")
    if i.slots.get("push") and saved.get("workout_id"):
        calls.append(("push_workout", {"workout_id": saved["workout_id"], "date": _iso(i.day)}))
    return calls


def _note(i: Intent, turn: Turn) -> list[Call]:
    kind = i.slots["kind"]
    first = i.span.first if i.span else i.day or i.today
    last = i.span.last if i.span else i.slots.get("end")
    args: dict[str, Any] = {"kind": kind, "start_date": first.isoformat(), "text": i.text[:2000]}
    if last is not None:
        args["end_date"] = last.isoformat()
    calls: list[Call] = [("add_calendar_note", args)]
    if kind in ("illness", "injury"):
        calls.append(("readiness", {"day": i.today.isoformat()}))
    added = turn.data("add_calendar_note")
    if added.get("note_id"):  # what the note would change in the plan; applying it is the athlete's call
        calls.append(("propose_note_changes", {"note_id": added["note_id"]}))
    return calls


def _advice(i: Intent, turn: Turn) -> list[Call]:
    t = i.text.lower()
    calls: list[Call] = [("training_load", {"days": 42, "resolution": "week"})]
    if "pace" in t:
        calls = [("zones", {})]
    elif re.search(r"too much|long run|volume|mileage", t):
        calls.append(_recent(i))
    elif re.search(r"faster|10k|half|marathon|5k|time", t):
        calls.append(("race_prediction", {}))
    elif re.search(r"week|month|focus|structure|quality|change", t):
        calls.append(("get_plan", {}))
    calls.append(("search_knowledge", {"query": knowledge_query(i.text), "limit": 3}))
    return calls


def _simple(*calls: Call) -> Plan:
    return lambda i, turn: list(calls)


PLANS: dict[str, Plan] = {
    "last_facts": _last_facts,
    "run_review": _run_review,
    "activity_day": lambda i, t: [_list(i.day, i.day, i.slots.get("sport"), 10)],
    "gear": lambda i, t: (
        [("list_gear", {})]
        + (
            [("search_knowledge", {"query": "when to replace running shoes worn out km", "limit": 3})]
            if i.slots.get("advice")
            else []
        )
    ),
    "aggregate": lambda i, t: [_list(i.span.first, i.span.last, i.slots.get("sport"))] if i.span else [],
    "condition": lambda i, t: [
        _list(
            *((i.span.first, i.span.last) if i.span else (i.today - timedelta(days=27), i.today)),
            i.slots.get("sport"),
        )
    ],
    "compare_periods": lambda i, t: [_list(s.first, s.last, i.slots.get("sport")) for s in i.slots["spans"]],
    "compare_runs": _compare_runs,
    "week_load": _week_load,
    "fitness": _fitness,
    "vo2max": _simple(("fitness_metrics", {})),
    "health_avg": _health,
    "health_compare": _health,
    "sleep_last_night": lambda i, t: [
        ("daily_health", {"since": i.today.isoformat(), "until": i.today.isoformat()})
    ],
    "samples": _samples,
    "zones": _zones,
    "readiness": _adjust_today,
    "tired_week": lambda i, t: [
        ("readiness", {"day": i.today.isoformat()}),
        ("training_load", {"days": 28, "resolution": "week"}),
        ("daily_health", {"since": (i.today - timedelta(days=6)).isoformat(), "until": i.today.isoformat()}),
    ],
    "week_review": _week_review,
    "race_check": _race_check,
    "prediction": lambda i, t: [
        ("race_prediction", {"targets_m": [i.slots["distance_m"]]} if i.slots.get("distance_m") else {})
    ],
    "profile": _simple(("whoami", {})),
    "feed": _simple(("activity_feed", {"limit": 10})),
    "races": _simple(("list_races", {})),
    "add_gear": lambda i, t: (
        [
            (
                "add_gear",
                {
                    k: v
                    for k, v in {
                        "name": i.slots["name"],
                        "kind": "shoes",
                        "brand": i.slots.get("brand"),
                        "model": i.slots.get("model"),
                    }.items()
                    if v
                },
            )
        ]
        if i.slots.get("name")
        else []
    ),
    "add_race": _add_race,
    "build_plan": _build_plan,
    "workout": _workout,
    "push_workout": lambda i, t: [("push_workout", {"date": _iso(i.day or i.today + timedelta(days=1))})],
    "log_session": lambda i, t: [
        (
            "log_training_session",
            {
                "sport": i.slots["sport"],
                "duration_min": float(i.slots["minutes"]),
                "day": _iso(i.day),
                "rpe": i.slots["rpe"],
            },
        )
    ],
    "note": _note,
    "knowledge": lambda i, t: [("search_knowledge", {"query": knowledge_query(i.text), "limit": 3})],
    "advice": _advice,
    # system-started turns (tools/notifications/triggers.py)
    "proactive_morning_readiness": _adjust_today,
    "proactive_after_run": lambda i, t: [
        ("last_activity", {"activity_id": i.slots.get("activity_id")} if i.slots.get("activity_id") else {}),
        _recent(i),
    ],
    "proactive_weekly_review": lambda i, t: [
        ("training_load", {"days": 14, "resolution": "week"}),
        _list(i.today - timedelta(days=6), i.today),
        ("plan_execution", {}),
    ],
    "proactive_race_week": lambda i, t: [("list_races", {})],
    "proactive_gear_threshold": _simple(("list_gear", {})),
    "proactive_missed_session": _simple(("get_plan", {})),
}


def next_calls(intent: Intent, turn: Turn, offered: set[str]) -> list[Call]:
    """The calls still to make for `intent` (only tools the turn offers, none made already)."""
    plan = PLANS.get(intent.name)
    if plan is None:
        return []
    wanted = plan(intent, turn)
    return [(tool, args) for tool, args in wanted if tool in offered and not turn.called(tool, args)]
