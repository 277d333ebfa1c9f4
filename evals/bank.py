"""The question bank: 200+ questions over the evaluation athlete, each with its expectations computed from the
stored rows by `evals.truth` (never by the coach's tools).

Questions are written as runners ask them, several phrasings per intent; the figures are in the athlete's
units (metric). Dates in questions are the athlete's local days relative to `EVAL_TODAY`.
"""

from __future__ import annotations

from datetime import date, timedelta
from statistics import mean
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from evals import repository, truth
from evals.fixture import EVAL_TODAY, EVAL_TZ, RACE_NAME, SHOE_NAME
from evals.spec import (
    Effect,
    Question,
    ToolExpect,
    bpm,
    count,
    duration,
    km,
    number,
    pace,
)

TODAY = EVAL_TODAY
YESTERDAY = TODAY - timedelta(days=1)
ACTIVITY_TOOLS = ("last_activity", "list_activities", "activity_feed")
LIST_TOOLS = ("list_activities", "activity_feed", "training_load", "query_samples")
LOAD_TOOLS = ("training_load",)
HEALTH_TOOLS = ("daily_health", "readiness", "adjust_today")


def _t(*names: str, **args: Any) -> ToolExpect:
    return ToolExpect(names=names, args=args)


def _day(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B}"


def _next(weekday: int) -> date:
    """The next such weekday after today (0 = Monday)."""
    ahead = (weekday - TODAY.weekday()) % 7 or 7
    return TODAY + timedelta(days=ahead)


def _row_exists(sql: str, what: str, **params: Any) -> Effect:
    async def check(session: AsyncSession, user_id: int) -> str | None:
        found = await repository.row_exists(session, user_id, sql, params)
        return None if found else f"not stored: {what}"

    return check


def _row_absent(sql: str, what: str, **params: Any) -> Effect:
    async def check(session: AsyncSession, user_id: int) -> str | None:
        found = await repository.row_exists(session, user_id, sql, params)
        return f"stored, but should not be: {what}" if found else None

    return check


def _dated(value: Any, day: date) -> bool:
    return isinstance(value, str) and value[:10] == day.isoformat()


# --- fact lookups ----------------------------------------------------------------------------------------


def facts(runs: list[truth.Run], rides: list[truth.Run]) -> list[Question]:
    qs: list[Question] = []
    last = runs[-1]
    last_facts = [
        ("What was the distance of my last run?", [km("distance", last.distance_km)]),
        ("How far did I run last time?", [km("distance", last.distance_km)]),
        ("How long was my last run?", [duration("moving time", last.moving_s)]),
        ("What was my average heart rate on my last run?", [bpm("avg HR", last.avg_hr or 0)]),
        ("What pace did I run on my last run?", [pace("pace", last.pace_s_per_km)]),
        ("Give me the numbers of my most recent run.", [km("distance", last.distance_km)]),
        ("What was my max heart rate in my last run?", [bpm("max HR", last.max_hr or 0)]),
        (
            "Last run: distance and average HR?",
            [km("distance", last.distance_km), bpm("avg HR", last.avg_hr or 0)],
        ),
    ]
    for i, (q, figs) in enumerate(last_facts):
        qs.append(Question(f"fact-last-{i}", "fact", q, tools=(_t(*ACTIVITY_TOOLS),), figures=tuple(figs)))
    for i, run in enumerate(reversed(runs[-9:-1])):
        day = _day(run.day)
        qs.append(
            Question(
                f"fact-day-km-{i}",
                "fact",
                f"How far did I run on {day}?",
                tools=(_t(*ACTIVITY_TOOLS),),
                figures=(km("distance", run.distance_km),),
            )
        )
        qs.append(
            Question(
                f"fact-day-time-{i}",
                "fact",
                f"How long was my run on {run.day.isoformat()}?",
                tools=(_t(*ACTIVITY_TOOLS),),
                figures=(duration("moving time", run.moving_s),),
            )
        )
        if run.avg_hr is not None:
            qs.append(
                Question(
                    f"fact-day-hr-{i}",
                    "fact",
                    f"What was my average heart rate on {day}?",
                    tools=(_t(*ACTIVITY_TOOLS),),
                    figures=(bpm("avg HR", run.avg_hr),),
                )
            )
    ride = rides[-1]
    qs.append(
        Question(
            "fact-last-ride",
            "fact",
            "How far was my last bike ride?",
            tools=(_t(*ACTIVITY_TOOLS),),
            figures=(km("distance", ride.distance_km, 0.1),),
        )
    )
    return qs


# --- aggregates, comparisons, conditions --------------------------------------------------------------


def _month_name(month: int) -> str:
    return date(2026, month, 1).strftime("%B")


def aggregates(runs: list[truth.Run], rides: list[truth.Run], all_acts: list[truth.Run]) -> list[Question]:
    qs: list[Question] = []
    for month in (9, 10, 11):
        first, last = truth.month_range(2026, month)
        got = truth.in_range(runs, first, last)
        total = sum(r.distance_km for r in got)
        name = _month_name(month)
        for j, phrasing in enumerate(
            (f"How many km did I run in {name}?", f"What was my running volume in {name}?")
        ):
            qs.append(
                Question(
                    f"agg-month-km-{month}-{j}",
                    "aggregate",
                    phrasing,
                    tools=(_t(*LIST_TOOLS),),
                    figures=(km("total", total, 0.15),),
                )
            )
        qs.append(
            Question(
                f"agg-month-count-{month}",
                "aggregate",
                f"How many runs did I do in {name}?",
                tools=(_t(*LIST_TOOLS),),
                figures=(count("runs", len(got)),),
            )
        )
        qs.append(
            Question(
                f"agg-month-time-{month}",
                "aggregate",
                f"How much time did I spend running in {name}?",
                tools=(_t(*LIST_TOOLS),),
                figures=(duration("total time", sum(r.moving_s for r in got), 120),),
            )
        )
        longest = max(got, key=lambda r: r.distance_km)
        qs.append(
            Question(
                f"agg-month-longest-{month}",
                "aggregate",
                f"What was my longest run in {name}?",
                tools=(_t(*LIST_TOOLS),),
                figures=(km("distance", longest.distance_km),),
            )
        )
        long_hr = [r.avg_hr for r in got if r.name.startswith("Long run") and r.avg_hr is not None]
        if long_hr:
            qs.append(
                Question(
                    f"agg-month-longhr-{month}",
                    "aggregate",
                    f"What was the average heart rate of my long runs in {name}?",
                    tools=(_t(*LIST_TOOLS),),
                    figures=(bpm("avg HR of long runs", mean(long_hr), 1.5),),
                )
            )
        ridden = truth.in_range(rides, first, last)
        qs.append(
            Question(
                f"agg-month-ride-{month}",
                "aggregate",
                f"How many km did I cycle in {name}?",
                tools=(_t(*LIST_TOOLS),),
                figures=(km("ride total", sum(r.distance_km for r in ridden), 0.3),),
            )
        )
    monday = truth.week_start(TODAY)
    weeks = [
        ("this week", monday),
        ("last week", monday - timedelta(days=7)),
        ("two weeks ago", monday - timedelta(days=14)),
    ]
    for j, (label, start) in enumerate(weeks):
        got = truth.in_range(runs, start, start + timedelta(days=6))
        for k, phrasing in enumerate((f"How many km have I run {label}?", f"My running distance {label}?")):
            qs.append(
                Question(
                    f"agg-week-km-{j}-{k}",
                    "aggregate",
                    phrasing,
                    tools=(_t(*LIST_TOOLS),),
                    figures=(km("week total", sum(r.distance_km for r in got), 0.15),),
                )
            )
        load = sum(a.load or 0 for a in truth.in_range(all_acts, start, start + timedelta(days=6)))
        qs.append(
            Question(
                f"agg-week-load-{j}",
                "aggregate",
                f"What is my training load {label}?",
                tools=(_t(*LOAD_TOOLS),),
                figures=(number("weekly load", round(load), 2),),
            )
        )
    return qs


def comparisons(runs: list[truth.Run], health: dict[date, dict[str, Any]]) -> list[Question]:
    qs: list[Question] = []

    def month(m: int) -> list[truth.Run]:
        return truth.in_range(runs, *truth.month_range(2026, m))

    sep, octo = month(9), month(10)
    km_sep, km_oct = sum(r.distance_km for r in sep), sum(r.distance_km for r in octo)
    more = "more" if km_oct > km_sep else "less"
    for j, q in enumerate(
        (
            "Did I run more in October than in September?",
            "Compare my running volume in September and October.",
        )
    ):
        qs.append(
            Question(
                f"cmp-month-km-{j}",
                "comparison",
                q,
                tools=(_t(*LIST_TOOLS),),
                figures=(km("September", km_sep, 0.15), km("October", km_oct, 0.15)),
                words=((more, "fewer" if more == "less" else "higher"),),
            )
        )
    pace_sep = sum(r.moving_s for r in sep) / km_sep
    pace_oct = sum(r.moving_s for r in octo) / km_oct
    qs.append(
        Question(
            "cmp-month-pace",
            "comparison",
            "Was I faster in October than in September?",
            tools=(_t(*LIST_TOOLS),),
            figures=(pace("September pace", pace_sep, 4), pace("October pace", pace_oct, 4)),
            words=(("faster",) if pace_oct < pace_sep else ("slower",),),
        )
    )
    monday = truth.week_start(TODAY)
    this = truth.in_range(runs, monday, TODAY)
    last = truth.in_range(runs, monday - timedelta(days=7), monday - timedelta(days=1))
    for j, q in enumerate(
        ("Compare this week with last week.", "Am I running more this week than last week?")
    ):
        qs.append(
            Question(
                f"cmp-week-{j}",
                "comparison",
                q,
                tools=(_t(*LIST_TOOLS),),
                figures=(
                    km("this week", sum(r.distance_km for r in this), 0.15),
                    km("last week", sum(r.distance_km for r in last), 0.15),
                ),
            )
        )
    longs = [r for r in runs if r.name == "Long run"]
    a, b = longs[-2], longs[-1]
    qs.append(
        Question(
            "cmp-long-runs",
            "comparison",
            "Was my last long run faster than the one before?",
            tools=(_t(*ACTIVITY_TOOLS),),
            figures=(pace("last long run", b.pace_s_per_km), pace("the one before", a.pace_s_per_km)),
        )
    )
    tempos = [r for r in runs if r.name == "Tempo run"]
    for j in range(1, 4):
        x, y = tempos[-1 - j], tempos[-1]
        qs.append(
            Question(
                f"cmp-tempo-{j}",
                "comparison",
                f"How did my last tempo run compare with the one on {_day(x.day)}?",
                tools=(_t(*ACTIVITY_TOOLS),),
                figures=(bpm("last tempo HR", y.avg_hr or 0), bpm("earlier tempo HR", x.avg_hr or 0)),
            )
        )

    def rhr(first: date, last_day: date) -> float:
        return mean(v["resting_hr"] for d, v in health.items() if first <= d <= last_day)

    r_this = rhr(TODAY - timedelta(days=6), TODAY)
    r_prev = rhr(TODAY - timedelta(days=13), TODAY - timedelta(days=7))
    for j, q in enumerate(
        (
            "Is my resting heart rate higher this week than the week before?",
            "Resting HR: last 7 days vs the 7 before?",
        )
    ):
        qs.append(
            Question(
                f"cmp-rhr-{j}",
                "comparison",
                q,
                tools=(_t(*HEALTH_TOOLS),),
                figures=(bpm("last 7 days", r_this, 0.6), bpm("7 days before", r_prev, 0.6)),
            )
        )
    return qs


def conditions(runs: list[truth.Run], rides: list[truth.Run]) -> list[Question]:
    qs: list[Question] = []
    recent = truth.in_range(runs, TODAY - timedelta(days=27), TODAY)
    cases = [
        (
            "Which runs in the last 4 weeks had an average heart rate above 160 bpm?",
            [r for r in recent if (r.avg_hr or 0) > 160],
        ),
        (
            "How many runs in the last 4 weeks averaged over 150 bpm?",
            [r for r in recent if (r.avg_hr or 0) > 150],
        ),
        (
            "How many of my runs in the last 4 weeks were longer than 9 km?",
            [r for r in recent if r.distance_km > 9],
        ),
        (
            "How many runs shorter than 5 km did I do in the last 4 weeks?",
            [r for r in recent if r.distance_km < 5],
        ),
        (
            "How many of my runs in the last 4 weeks were faster than 7:00 per km?",
            [r for r in recent if r.pace_s_per_km < 420],
        ),
        (
            "How many runs slower than 8:00 per km in the last 4 weeks?",
            [r for r in recent if r.pace_s_per_km > 480],
        ),
        ("How many runs in the last 4 weeks had no heart rate?", [r for r in recent if r.avg_hr is None]),
    ]
    for month in (10, 11):
        first, last = truth.month_range(2026, month)
        got = truth.in_range(runs, first, last)
        name = _month_name(month)
        cases += [
            (f"How many runs over 9 km did I do in {name}?", [r for r in got if r.distance_km > 9]),
            (
                f"How many runs in {name} averaged below 150 bpm?",
                [r for r in got if r.avg_hr and r.avg_hr < 150],
            ),
            (f"How many bike rides did I do in {name}?", truth.in_range(rides, first, last)),
        ]
    for i, (q, matched) in enumerate(cases):
        qs.append(
            Question(
                f"cond-{i}",
                "condition",
                q,
                tools=(_t(*LIST_TOOLS),),
                figures=(count("matching", len(matched)),),
            )
        )
    return qs


def trends(all_acts: list[truth.Run], health: dict[date, dict[str, Any]]) -> list[Question]:
    qs: list[Question] = []
    f = truth.fitness(all_acts, TODAY)
    for j, q in enumerate(
        ("What is my fitness (CTL) right now?", "How fit am I at the moment?", "What's my CTL?")
    ):
        qs.append(
            Question(
                f"trend-ctl-{j}",
                "trend",
                q,
                tools=(_t(*LOAD_TOOLS),),
                figures=(number("CTL", round(f["ctl"], 1), 1.5),),
            )
        )
    for j, q in enumerate(("How fatigued am I (ATL)?", "What's my acute load right now?")):
        qs.append(
            Question(
                f"trend-atl-{j}",
                "trend",
                q,
                tools=(_t(*LOAD_TOOLS),),
                figures=(number("ATL", round(f["atl"], 1), 1.5),),
            )
        )
    for j, q in enumerate(("What is my form (TSB) today?", "Am I fresh or tired according to my form?")):
        qs.append(
            Question(
                f"trend-tsb-{j}",
                "trend",
                q,
                tools=(_t(*LOAD_TOOLS),),
                figures=(number("TSB", round(f["tsb"], 1), 2.0),),
            )
        )
    earlier = truth.fitness(all_acts, TODAY - timedelta(days=28))
    qs.append(
        Question(
            "trend-ctl-4w",
            "trend",
            "Has my fitness gone up over the last 4 weeks?",
            tools=(_t(*LOAD_TOOLS),),
            figures=(number("CTL now", round(f["ctl"], 1), 1.5),),
            words=(
                ("up", "rose", "risen", "increas", "higher")
                if f["ctl"] > earlier["ctl"]
                else ("down", "fell", "dropped", "decreas", "lower"),
            ),
        )
    )
    last7 = [health[TODAY - timedelta(days=i)] for i in range(7)]
    qs += [
        Question(
            "trend-hrv-7",
            "trend",
            "What's my average HRV over the last 7 days?",
            tools=(_t(*HEALTH_TOOLS),),
            figures=(number("HRV", round(mean(v["hrv_ms"] for v in last7), 1), 1.0),),
        ),
        Question(
            "trend-rhr-7",
            "trend",
            "What has my resting heart rate averaged this past week?",
            tools=(_t(*HEALTH_TOOLS),),
            figures=(bpm("resting HR", mean(v["resting_hr"] for v in last7), 0.6),),
        ),
        Question(
            "trend-sleep-7",
            "trend",
            "How much have I slept on average over the last week?",
            tools=(_t(*HEALTH_TOOLS),),
            figures=(duration("sleep", mean(v["sleep_s"] for v in last7), 180),),
        ),
        Question("trend-vo2-0", "trend", "How is my VO2max trending?", tools=(_t("fitness_metrics"),)),
        Question("trend-vo2-1", "trend", "Is my VO2max estimate improving?", tools=(_t("fitness_metrics"),)),
        Question("trend-vo2-2", "trend", "What is my current VO2max?", tools=(_t("fitness_metrics"),)),
        Question(
            "trend-load-6w",
            "trend",
            "Show me my training load trend over the last 6 weeks.",
            tools=(_t(*LOAD_TOOLS),),
        ),
    ]
    return qs


async def samples(session: AsyncSession, runs: list[truth.Run]) -> list[Question]:
    qs: list[Question] = []
    with_hr = [r for r in runs if r.avg_hr is not None]
    long_runs = [r for r in with_hr if r.name == "Long run"][-3:]
    tempos = [r for r in with_hr if r.name == "Tempo run"][-2:]
    for i, run in enumerate(reversed(long_runs + tempos)):
        which = "my last long run" if run is long_runs[-1] else f"my {run.name.lower()} on {_day(run.day)}"
        if run is tempos[-1]:
            which = "my last tempo run"
        ids = _t("query_samples", activity_ids=lambda v, rid=run.id: isinstance(v, list) and rid in v)
        second = await truth.samples_mean(session, run.id, "heart_rate", second_half=True)
        qs.append(
            Question(
                f"samples-hr2-{i}",
                "samples",
                f"What was my average heart rate in the second half of {which}?",
                tools=(ids,),
                figures=(bpm("second-half HR", second or 0, 1.5),),
            )
        )
        cadence = await truth.samples_mean(session, run.id, "cadence")
        if cadence:
            qs.append(
                Question(
                    f"samples-cad-{i}",
                    "samples",
                    f"What was my cadence over {which}, from the recording?",
                    tools=(ids,),
                    figures=(number("cadence", round(cadence), 2),),
                )
            )
        above = await truth.seconds_above(session, run.id, 165)
        qs.append(
            Question(
                f"samples-above-{i}",
                "samples",
                f"How long was my heart rate above 165 bpm in {which}?",
                tools=(ids,),
                figures=(duration("time above 165", above, 90),),
            )
        )
    return qs


# --- actions, state, knowledge ----------------------------------------------------------------------------

GEAR = (
    ("I bought new shoes, Nike Pegasus 41", "Nike Pegasus 41"),
    ("Add my new Hoka Clifton 9 to my gear", "Hoka Clifton 9"),
    ("New trail shoes: Salomon Speedcross 6", "Salomon Speedcross 6"),
    ("I got Saucony Endorphin Speed 4 for races, please add them", "Saucony Endorphin Speed 4"),
    ("Add gear: Asics Novablast 5", "Asics Novablast 5"),
    ("I bought On Cloudmonster 2 today", "On Cloudmonster 2"),
    ("Please track my Adidas Adizero Boston 12", "Adidas Adizero Boston 12"),
    ("New pair of shoes: New Balance 1080v14", "New Balance 1080v14"),
)
RACES = (
    ("Add the Berlin Half on 2027-04-05 as an A race", "Berlin Half", date(2027, 4, 5), "A"),
    (
        "Put the Paris Marathon on 2027-04-11 in my calendar as my A race",
        "Paris Marathon",
        date(2027, 4, 11),
        "A",
    ),
    ("Add a B race: Hamburg 10K on 2027-03-14", "Hamburg 10K", date(2027, 3, 14), "B"),
    ("Add race Köln Halbmarathon on 2027-10-03, priority C", "Köln Halbmarathon", date(2027, 10, 3), "C"),
    ("I signed up for the Valencia 10K on 2027-01-10, it's a C race", "Valencia 10K", date(2027, 1, 10), "C"),
    ("Add the Stockholm Marathon on 2027-05-29 as a B race", "Stockholm Marathon", date(2027, 5, 29), "B"),
    ("Race: Rotterdam Marathon, 2027-04-11, priority A", "Rotterdam Marathon", date(2027, 4, 11), "A"),
    ("Add Parkrun Hasenheide on 2026-12-05 as a C race", "Parkrun Hasenheide", date(2026, 12, 5), "C"),
)


def actions() -> list[Question]:
    qs: list[Question] = []
    for i, (q, name) in enumerate(GEAR):
        qs.append(
            Question(
                f"act-gear-{i}",
                "action",
                q,
                tools=(_t("add_gear", name=lambda v, n=name: isinstance(v, str) and n in v),),
                names=(name,),
                effect=_row_exists(
                    "SELECT 1 FROM gear WHERE user_id=:uid AND name LIKE :n", name, n=f"%{name}%"
                ),
            )
        )
    for i, (q, name, day, prio) in enumerate(RACES):
        qs.append(
            Question(
                f"act-race-{i}",
                "action",
                q,
                tools=(_t("add_race", name=name, date=day.isoformat(), priority=prio),),
                names=(name,),
                effect=_row_exists(
                    "SELECT 1 FROM races WHERE user_id=:uid AND name=:n AND date=:d AND priority=:p",
                    f"{name} on {day} ({prio})",
                    n=name,
                    d=day,
                    p=prio,
                ),
            )
        )
    workouts = (
        ("Create 5 × 1 km at threshold on Thursday", "intervals", 3),
        ("Plan a 40 minute tempo run for Saturday", "tempo", 5),
        ("Make me 6 x 800 m intervals on Tuesday", "intervals", 1),
        ("Schedule an easy 8 km run for Sunday", "easy", 6),
        ("Add a 20 minute recovery run on Monday", "recovery", 0),
        ("Build a hill session for Wednesday", "hills", 2),
    )
    for i, (q, kind, weekday) in enumerate(workouts):
        day = _next(weekday)
        qs.append(
            Question(
                f"act-workout-{i}",
                "action",
                q,
                tools=(_t("generate_workout", kind=kind, date=lambda v, d=day: _dated(v, d)),),
                effect=_row_exists(
                    "SELECT 1 FROM workouts WHERE user_id=:uid AND scheduled_date=:d",
                    f"a workout on {day}",
                    d=day,
                ),
            )
        )
    for i, q in enumerate(
        (
            "Create 5 × 1 km at threshold on Thursday and push it to my watch",
            "Make a tempo run for Saturday and send it to Garmin",
            "Send an easy run for tomorrow to my watch",
        )
    ):
        qs.append(
            Question(f"act-push-{i}", "action", q, tools=(_t("generate_workout"),), approval="push_workout")
        )
    for i, (q, minutes, sport) in enumerate(
        (
            ("I did 30 minutes of strength training today", 30, "strength_training"),
            ("Log a 45 min bike ride I did this morning", 45, "cycling"),
            ("I did 60 minutes of yoga yesterday", 60, "yoga"),
        )
    ):
        qs.append(
            Question(
                f"act-log-{i}",
                "action",
                q,
                tools=(_t("log_training_session", duration_min=float(minutes)),),
                effect=_row_exists(
                    "SELECT 1 FROM activities WHERE user_id=:uid AND source='manual' AND sport LIKE :s",
                    f"a logged {sport} session",
                    s=f"%{sport.split('_')[0]}%",
                ),
            )
        )
    trip = (date(2026, 11, 25), date(2026, 11, 28))
    qs += [
        Question(
            "act-note-travel",
            "action",
            f"I'm travelling from {trip[0]} to {trip[1]}",
            tools=(
                _t(
                    "add_calendar_note",
                    kind="travel",
                    start_date=trip[0].isoformat(),
                    end_date=trip[1].isoformat(),
                ),
            ),
            effect=_row_exists(
                "SELECT 1 FROM calendar_notes WHERE user_id=:uid AND kind='travel'"
                " AND start_date=:a AND end_date=:b",
                "the travel note",
                a=trip[0],
                b=trip[1],
            ),
        ),
        Question(
            "act-plan",
            "action",
            f"Make me a plan for the {RACE_NAME}",
            tools=(_t("generate_plan"),),
            names=(RACE_NAME,),
            effect=_row_exists("SELECT 1 FROM training_plans WHERE user_id=:uid", "a training plan"),
        ),
        Question(  # the A race comes first: the coach asks instead of planning through it (issue 17)
            "act-plan-date",
            "action",
            "Make me a plan for a half marathon on 2027-02-28",
            tools=(_t("list_races"),),
            names=(RACE_NAME,),
            words=(("A race",),),
            effect=_row_absent(
                "SELECT 1 FROM training_plans WHERE user_id=:uid", "a plan run through the A race"
            ),
        ),
    ]
    return qs


def state(health: dict[date, dict[str, Any]]) -> list[Question]:
    night = health[TODAY]
    qs = [
        Question(
            f"state-tired-{i}",
            "state",
            q,
            tools=(_t("readiness", "adjust_today"),),
            words=(("rest", "easy", "skip", "shorten", "lighter", "recover"),),
        )
        for i, q in enumerate(
            (
                "I feel tired today, should I still do the workout?",
                "I'm exhausted, should I run today?",
                "Legs feel heavy this morning. Train or rest?",
                "How recovered am I today?",
                "Am I ready for a hard session today?",
                "I slept badly last night.",
            )
        )
    ]
    qs += [
        Question(
            f"state-sleep-{i}",
            "state",
            q,
            tools=(_t(*HEALTH_TOOLS),),
            figures=(number("sleep hours", round(night["sleep_s"] / 3600, 1), 0.1),),
        )
        for i, q in enumerate(
            ("I slept badly. How much did I sleep last night?", "How long did I sleep last night?")
        )
    ]
    notes = (
        ("I have a cold since yesterday", "illness", YESTERDAY),
        ("I've had the flu since yesterday", "illness", YESTERDAY),
        ("My knee hurts since today's run", "injury", TODAY),
        ("I have a niggle in my Achilles since yesterday", "injury", YESTERDAY),
        ("Work is really stressful this week", "life_stress", None),
        ("I'm sick today, fever", "illness", TODAY),
    )
    for i, (q, kind, start) in enumerate(notes):
        args: dict[str, Any] = {"kind": kind}
        sql = "SELECT 1 FROM calendar_notes WHERE user_id=:uid AND kind=:k"
        params: dict[str, Any] = {"k": kind}
        if start is not None:
            args["start_date"] = start.isoformat()
            sql += " AND start_date=:s"
            params["s"] = start
        qs.append(
            Question(
                f"state-note-{i}",
                "state",
                q,
                tools=(ToolExpect(("add_calendar_note",), args),),
                effect=_row_exists(sql, f"a {kind} note", **params),
            )
        )
    qs.append(
        Question(
            "state-today",
            "state",
            "Should I run today?",
            tools=(_t("readiness", "adjust_today"),),
            words=(("rest", "easy", "skip", "shorten", "lighter", "recover"),),
        )
    )
    return qs


KNOWLEDGE = (
    ("What is a tempo run?", ("threshold", "comfortably hard")),
    ("What does zone 2 mean?", ("easy", "aerobic")),
    ("Why should most of my running be easy?", ("80", "easy")),
    ("How long should my long run be?", ("long run",)),
    ("What are intervals good for?", ("vo2", "interval")),
    ("How should I taper for a half marathon?", ("taper",)),
    ("What is a good running cadence?", ("cadence", "steps")),
    ("How much sleep do runners need?", ("sleep",)),
    ("What should I eat before a marathon?", ("carbohydrate", "carb")),
    ("What are strides?", ("strides",)),
    ("How do I run hills?", ("hill",)),
    ("What is HRV and why does it matter?", ("hrv", "variability")),
    ("What are signs of overtraining?", ("overtraining", "fatigue")),
    ("How do I come back after being sick?", ("illness", "return", "sick")),
    ("How do I know when my shoes are worn out?", ("shoe", "km")),
    ("How should I pace a race?", ("pace", "even")),
    ("What is VDOT?", ("vdot", "daniels")),
    ("How does RunCoach compute training load?", ("load",)),
    ("How should I run in the heat?", ("heat",)),
    ("What strength training helps runners?", ("strength",)),
)


def knowledge() -> list[Question]:
    return [
        Question(f"know-{i}", "knowledge", q, tools=(_t("search_knowledge"),), words=(words,))
        for i, (q, words) in enumerate(KNOWLEDGE)
    ]


def multi_step(runs: list[truth.Run], all_acts: list[truth.Run]) -> list[Question]:
    monday = truth.week_start(TODAY)
    week = truth.in_range(runs, monday, TODAY)
    last = runs[-1]
    week_km = km("this week", sum(r.distance_km for r in week), 0.15)
    return [
        Question(
            "multi-week-0",
            "multi_step",
            "How was my week?",
            tools=(_t(*LOAD_TOOLS), _t(*LIST_TOOLS)),
            figures=(week_km,),
        ),
        Question(
            "multi-week-1",
            "multi_step",
            "Give me a summary of my training this week.",
            tools=(_t(*LOAD_TOOLS), _t(*LIST_TOOLS)),
            figures=(week_km,),
        ),
        Question(
            "multi-last-0",
            "multi_step",
            "How was my last run?",
            tools=(_t(*ACTIVITY_TOOLS),),
            figures=(km("distance", last.distance_km), bpm("avg HR", last.avg_hr or 0)),
        ),
        Question(
            "multi-last-1",
            "multi_step",
            "How did my last run go compared with my usual?",
            tools=(_t(*ACTIVITY_TOOLS),),
            figures=(km("distance", last.distance_km),),
        ),
        Question(
            "multi-today-0",
            "multi_step",
            "Should I run today, and what?",
            tools=(_t("readiness", "adjust_today"),),
            words=(("rest", "easy", "skip", "shorten", "lighter", "recover"),),
        ),
        Question(
            "multi-race-plan",
            "multi_step",
            "Add the Berlin Half on 2027-04-05 as an A race and make me a plan for it",
            tools=(_t("add_race", name="Berlin Half", date="2027-04-05", priority="A"), _t("generate_plan")),
            names=("Berlin Half",),
        ),
        Question(
            "multi-shoes",
            "multi_step",
            "How many km are on my shoes, and should I replace them?",
            tools=(_t("list_gear"),),
        ),
        Question(
            "multi-race-ready",
            "multi_step",
            f"Am I on track for the {RACE_NAME}?",
            tools=(_t("list_races", "race_prediction", "get_plan"),),
            names=(RACE_NAME,),
        ),
        Question(
            "multi-zones",
            "multi_step",
            "What are my heart rate zones and how much time did I spend in each on my last run?",
            tools=(_t("zones"),),
        ),
        Question(
            "multi-tired-week",
            "multi_step",
            "I'm tired. Look at my load and my sleep and tell me what to do this week.",
            tools=(_t(*LOAD_TOOLS), _t(*HEALTH_TOOLS)),
        ),
    ]


async def gear_questions(session: AsyncSession, user_id: int) -> list[Question]:
    total = await truth.gear_km(session, user_id, SHOE_NAME)
    return [
        Question(
            f"fact-gear-{i}", "fact", q, tools=(_t("list_gear"),), figures=(km("shoe distance", total, 0.5),)
        )
        for i, q in enumerate(
            (
                "How many km on my shoes?",
                f"How far have I run in my {SHOE_NAME}?",
                "What's the mileage on my running shoes?",
            )
        )
    ]


def advice() -> list[Question]:
    # open-ended: no single right answer, but a coach looks at something before advising
    looked = _t(
        *LIST_TOOLS,
        *LOAD_TOOLS,
        *HEALTH_TOOLS,
        "last_activity",
        "race_prediction",
        "zones",
        "fitness_metrics",
        "get_plan",
        "list_races",
        "search_knowledge",
    )
    return [
        Question(f"advice-{i}", "advice", q, tools=(looked,))
        for i, q in enumerate(
            (
                "How can I get faster at the half marathon?",
                "Am I running too much?",
                "What should my easy pace be?",
                "What time could I run a 10K now?",
                "How should I structure next week?",
                "Is my long run long enough for a half marathon?",
                "Should I add a second quality session each week?",
                "What's the most important thing I should change in my training?",
                "How do I avoid getting injured?",
                "What should I focus on in the next month?",
            )
        )
    ]


async def build(session: AsyncSession, user_id: int) -> list[Question]:
    """Every question, with expectations from the athlete's stored data."""
    all_acts = await truth.activities(session, user_id, EVAL_TZ)
    runs = truth.runs(all_acts)
    rides = [a for a in all_acts if a.sport == "cycling"]
    health = await truth.health(session, user_id)
    questions = (
        facts(runs, rides)
        + await gear_questions(session, user_id)
        + aggregates(runs, rides, all_acts)
        + comparisons(runs, health)
        + trends(all_acts, health)
        + conditions(runs, rides)
        + await samples(session, runs)
        + actions()
        + state(health)
        + knowledge()
        + multi_step(runs, all_acts)
        + advice()
    )
    ids = [q.id for q in questions]
    assert len(ids) == len(set(ids)), "question ids must be unique"
    return questions
