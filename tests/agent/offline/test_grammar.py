"""The offline coach's grammar, pure: dates and ranges, slots, and the intent each phrasing is read as.

Today is Friday 2026-11-20 (the evaluation's day); no database, no model.
"""

from __future__ import annotations

from datetime import date

import pytest

from agent.offline import dates, slots
from agent.offline.intents import understand

TODAY = date(2026, 11, 20)  # a Friday


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("How many km this week?", date(2026, 11, 16), TODAY),
        ("my running distance last week", date(2026, 11, 9), date(2026, 11, 15)),
        ("How many km have I run two weeks ago?", date(2026, 11, 2), date(2026, 11, 8)),
        ("3 weeks ago", date(2026, 10, 26), date(2026, 11, 1)),
        ("How many km in October?", date(2026, 10, 1), date(2026, 10, 31)),
        ("volume in november", date(2026, 11, 1), TODAY),
        ("What did I run in December?", date(2025, 12, 1), date(2025, 12, 31)),
        ("runs in the last 4 weeks", date(2026, 10, 24), TODAY),
        ("the past 7 days", date(2026, 11, 14), TODAY),
        ("over the last 10 days", date(2026, 11, 11), TODAY),
        ("this month", date(2026, 11, 1), TODAY),
        ("last month", date(2026, 10, 1), date(2026, 10, 31)),
        ("I'm travelling from 2026-11-25 to 2026-11-28", date(2026, 11, 25), date(2026, 11, 28)),
        ("between 2026-12-01 and 2026-12-03", date(2026, 12, 1), date(2026, 12, 3)),
    ],
)
def test_ranges(text: str, first: date, last: date) -> None:
    span = dates.span(text, TODAY)
    assert span is not None and (span.first, span.last) == (first, last), span


@pytest.mark.parametrize(
    "text", ["How was my last run?", "I may run later", "sunday best", "Add gear: Asics"]
)
def test_no_range(text: str) -> None:
    assert dates.span(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "future", "expected"),
    [
        ("Add the Berlin Half on 2027-04-05", True, date(2027, 4, 5)),
        ("How far did I run on Tuesday 17 November?", False, date(2026, 11, 17)),
        ("my run on 17 November", False, date(2026, 11, 17)),
        ("my run on November 3rd", False, date(2026, 11, 3)),
        ("a race on 5 March", True, date(2027, 3, 5)),
        ("the long run on Sunday 18 October", False, date(2026, 10, 18)),
        ("I have a cold since yesterday", False, date(2026, 11, 19)),
        ("the day before yesterday", False, date(2026, 11, 18)),
        ("Send an easy run for tomorrow", True, date(2026, 11, 21)),
        ("I'm sick today", False, TODAY),
        ("a bike ride this morning", False, TODAY),
        ("What did I run last Sunday?", False, date(2026, 11, 15)),
        ("last Friday", False, date(2026, 11, 13)),
        ("Create 5 × 1 km at threshold on Thursday", True, date(2026, 11, 26)),
        ("Plan a tempo run for Saturday", True, date(2026, 11, 21)),
        ("Build a hill session for Friday", True, date(2026, 11, 27)),  # the next one after today
        ("next Monday", True, date(2026, 11, 23)),
        ("my run on Tuesday", False, date(2026, 11, 17)),
        ("the Sat race", True, date(2026, 11, 21)),
    ],
)
def test_days(text: str, future: bool, expected: date) -> None:
    assert dates.day(text, TODAY, future=future) == expected


@pytest.mark.parametrize("text", ["How was my last run?", "run in the sun", "I may wed soon", "what is VDOT"])
def test_no_day(text: str) -> None:
    assert dates.day(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("an easy 8 km run", 8000),
        ("12.5 km", 12500),
        ("10,5 km", 10500),
        ("5 miles", 8046.7),
        ("6 x 800 m", 800),
        ("a half marathon", 21097.5),
        ("the Berlin Half", 21097.5),
        ("Köln Halbmarathon", 21097.5),
        ("Paris Marathon", 42195),
        ("Hamburg 10K", 10000),
        ("Parkrun Hasenheide", 5000),
        ("a 5k", 5000),
    ],
)
def test_distances(text: str, metres: float) -> None:
    assert slots.distance_m(text) == pytest.approx(metres)


def test_durations_paces_heart_rates() -> None:
    assert slots.duration_s("a 40 minute tempo run") == 2400
    assert slots.duration_s("Log a 45 min bike ride") == 2700
    assert slots.duration_s("1.5 hours of hiking") == 5400
    assert slots.duration_s("a 20-minute recovery run") == 1200
    assert slots.pace_s_per_km("faster than 7:00 per km") == 420
    assert slots.pace_s_per_km("at 5:30/km") == 330
    assert slots.pace_s_per_km("at 8:00 min/mi") == pytest.approx(480 / 1.609344)
    assert slots.heart_rate("above 160 bpm") == 160
    assert slots.heart_rate("what is my heart rate") is None


@pytest.mark.parametrize(
    ("text", "field", "op", "value"),
    [
        ("Which runs had an average heart rate above 160 bpm?", "avg_hr", ">", 160),
        ("How many runs averaged over 150 bpm?", "avg_hr", ">", 150),
        ("runs in October averaged below 150 bpm", "avg_hr", "<", 150),
        ("How many of my runs were longer than 9 km?", "distance_km", ">", 9),
        ("How many runs over 9 km did I do?", "distance_km", ">", 9),
        ("How many runs shorter than 5 km?", "distance_km", "<", 5),
        ("runs faster than 7:00 per km", "pace_s_per_km", "<", 420),
        ("runs slower than 8:00 per km", "pace_s_per_km", ">", 480),
        ("How many runs had no heart rate?", "no_hr", ">", 0),
    ],
)
def test_conditions(text: str, field: str, op: str, value: float) -> None:
    cond = slots.condition(text)
    assert cond is not None and (cond.field, cond.op, cond.value) == (field, op, value)
    assert cond.holds({"avg_hr": None}) == (field == "no_hr")


@pytest.mark.parametrize(
    ("text", "name", "brand"),
    [
        ("I bought new shoes, Nike Pegasus 41", "Nike Pegasus 41", "Nike"),
        ("Add my new Hoka Clifton 9 to my gear", "Hoka Clifton 9", "Hoka"),
        ("New trail shoes: Salomon Speedcross 6", "Salomon Speedcross 6", "Salomon"),
        (
            "I got Saucony Endorphin Speed 4 for races, please add them",
            "Saucony Endorphin Speed 4",
            "Saucony",
        ),
        ("I bought On Cloudmonster 2 today", "On Cloudmonster 2", "On"),
        ("New pair of shoes: New Balance 1080v14", "New Balance 1080v14", "New Balance"),
        ("I bought new shoes: Pegasus 41", "Pegasus 41", None),
        ('Add gear "Old Faithful"', "Old Faithful", None),
    ],
)
def test_shoe_names_are_kept_verbatim(text: str, name: str, brand: str | None) -> None:
    found = slots.shoe_name(text)
    assert found is not None and found[0] == name and found[1] == brand


@pytest.mark.parametrize(
    ("text", "name", "priority"),
    [
        ("Add race Berlin Half on 2027-04-05 as A race", "Berlin Half", "A"),
        ("Add the Berlin Half on 2027-04-05 as an A race", "Berlin Half", "A"),
        ("Put the Paris Marathon on 2027-04-11 in my calendar as my A race", "Paris Marathon", "A"),
        ("Add a B race: Hamburg 10K on 2027-03-14", "Hamburg 10K", "B"),
        ("Add race Köln Halbmarathon on 2027-10-03, priority C", "Köln Halbmarathon", "C"),
        ("I signed up for the Valencia 10K on 2027-01-10, it's a C race", "Valencia 10K", "C"),
        ("Race: Rotterdam Marathon, 2027-04-11, priority A", "Rotterdam Marathon", "A"),
        ("Add Parkrun Hasenheide on 2026-12-05 as a C race", "Parkrun Hasenheide", "C"),
        ('Add "the Wings for Life run" on 2027-05-02, B-race', "the Wings for Life run", "B"),
    ],
)
def test_race_names_and_priorities(text: str, name: str, priority: str) -> None:
    assert slots.race_name(text) == name
    assert slots.priority(text) == priority


@pytest.mark.parametrize(
    ("text", "kind", "km", "minutes", "structure"),
    [
        (
            "5 × 1 km at threshold, 2 min jog on Thursday",
            "intervals",
            None,
            None,
            "5 × 1 km at threshold, 2 min jog",
        ),
        ("Make me 6 x 800 m intervals on Tuesday", "intervals", None, None, "6 x 800 m intervals"),
        ("Plan a 40 minute tempo run for Saturday", "tempo", None, 40, None),
        ("Schedule an easy 8 km run for Sunday", "easy", 8, None, None),
        ("Add a 20 minute recovery run on Monday", "recovery", None, 20, None),
        ("Build a hill session for Wednesday", "hills", None, None, None),
        ("a 16 km long run on Sunday", "long", 16, None, None),
    ],
)
def test_workouts(
    text: str, kind: str, km: float | None, minutes: float | None, structure: str | None
) -> None:
    w = slots.workout(text)
    assert w is not None and (w.kind, w.distance_km, w.minutes, w.structure) == (kind, km, minutes, structure)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("What was the distance of my last run?", "last_facts"),
        ("How far did I run last time?", "last_facts"),
        ("How far was my last bike ride?", "last_facts"),
        ("How was my last run?", "run_review"),
        ("How did my last run go compared with my usual?", "run_review"),
        ("What was my average heart rate on Tuesday 17 November?", "activity_day"),
        ("How long was my run on 2026-11-17?", "activity_day"),
        ("How many km on my shoes?", "gear"),
        ("How far have I run in my Brooks Ghost 15?", "gear"),
        ("How many km did I run in October?", "aggregate"),
        ("How much time did I spend running in September?", "aggregate"),
        ("My running distance two weeks ago?", "aggregate"),
        ("What is my training load this week?", "week_load"),
        ("Did I run more in October than in September?", "compare_periods"),
        ("Compare this week with last week.", "compare_periods"),
        ("Was my last long run faster than the one before?", "compare_runs"),
        ("Resting HR: last 7 days vs the 7 before?", "health_compare"),
        ("What's my average HRV over the last 7 days?", "health_avg"),
        ("What's my CTL?", "fitness"),
        ("Am I fresh or tired according to my form?", "fitness"),
        ("Is my VO2max estimate improving?", "vo2max"),
        ("How many runs in the last 4 weeks had no heart rate?", "condition"),
        ("How many bike rides did I do in October?", "aggregate"),
        ("How long was my heart rate above 165 bpm in my last long run?", "samples"),
        ("What was my cadence over my last tempo run, from the recording?", "samples"),
        ("I bought new shoes, Nike Pegasus 41", "add_gear"),
        ("Add race Berlin Half on 2027-04-05 as A race", "add_race"),
        ("Create 5 × 1 km at threshold on Thursday", "workout"),
        ("push tomorrow's workout to my watch", "push_workout"),
        ("I did 60 minutes of yoga yesterday", "log_session"),
        ("I'm travelling from 2026-11-25 to 2026-11-28", "note"),
        ("I have a cold since yesterday", "note"),
        ("Work is really stressful this week", "note"),
        ("Make me a plan for a half marathon on 2027-02-28", "build_plan"),
        ("I feel tired today, should I still do the workout?", "readiness"),
        ("Should I run today?", "readiness"),
        ("Legs feel heavy this morning. Train or rest?", "readiness"),
        ("How long did I sleep last night?", "sleep_last_night"),
        ("I slept badly. How much did I sleep last night?", "sleep_last_night"),
        ("I slept badly", "readiness"),
        ("Rough night, barely slept. Should I still run?", "readiness"),
        ("How was my week?", "week_review"),
        ("Am I on track for the Lisbon Half Marathon?", "race_check"),
        ("What are my heart rate zones and how much time did I spend in each on my last run?", "zones"),
        ("What is a tempo run?", "knowledge"),
        ("How does RunCoach compute training load?", "knowledge"),
        ("How should I run in the heat?", "knowledge"),
        ("What is HRV and why does it matter?", "knowledge"),
        ("Am I running too much?", "advice"),
        ("banana", "unknown"),
        ("Tell my mum I said hi", "unknown"),
    ],
)
def test_intents(text: str, intent: str) -> None:
    assert understand(text, TODAY).name == intent


def test_slots_reach_the_intent() -> None:
    race = understand("Add race Berlin Half on 2027-04-05 as A race", TODAY)
    assert (
        race.day == date(2027, 4, 5) and race.slots["name"] == "Berlin Half" and race.slots["priority"] == "A"
    )
    note = understand("I have a cold since yesterday", TODAY)
    assert note.slots["kind"] == "illness" and note.day == date(2026, 11, 19)
    workout = understand("Create 5 × 1 km at threshold, 2 min jog on Thursday and push it to my watch", TODAY)
    assert workout.day == date(2026, 11, 26) and workout.slots["push"] is True
    assert workout.slots["workout"].structure == "5 × 1 km at threshold, 2 min jog"
