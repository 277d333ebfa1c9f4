"""The eval's scoring, on hand-written transcripts: a right answer passes every check, and each kind of wrong
answer fails exactly the check it should (so the table measures what it claims)."""

from __future__ import annotations

from evals.score import Transcript, readings, score
from evals.spec import Question, ToolExpect, bpm, count, duration, km, pace

LAST_RUN = Question(
    "q",
    "fact",
    "How was my last run?",
    tools=(ToolExpect(("last_activity", "list_activities")),),
    figures=(km("distance", 9.008), bpm("avg HR", 154), duration("time", 2832), pace("pace", 314.4)),
)


def test_numbers_are_read_the_way_a_coach_writes_them() -> None:
    found = readings(
        "9.01 km in 47:12 (5:14 /km), 154 bpm on 2026-11-19; total 1:05:03, 57 min, 1,204 m, two runs"
    )
    assert 9.01 in found["plain"] and 154 in found["plain"] and 1204 in found["plain"]
    assert 2026 not in found["plain"], "dates are not figures"
    assert {47 * 60 + 12, 5 * 60 + 14, 3903, 57 * 60} <= set(found["clock"])
    assert 2 in found["count"]


def test_a_right_answer_passes_every_check() -> None:
    t = Transcript(
        answer="Your last run: 9.01 km in 47:12, 5:14 per km, average heart rate 154 bpm.",
        calls=[("last_activity", {})],
    )
    s = score(LAST_RUN, t)
    assert s.correct, s.failures


def test_each_wrong_answer_fails_the_check_it_should() -> None:
    right = "Your last run: 9.01 km in 47:12, 5:14 per km, average heart rate 154 bpm."
    wrong_figure = score(
        LAST_RUN, Transcript(answer=right.replace("9.01", "9.5"), calls=[("last_activity", {})])
    )
    assert set(wrong_figure.failures) == {"figure:distance"}
    no_tool = score(LAST_RUN, Transcript(answer=right, calls=[("search_knowledge", {"query": "run"})]))
    assert list(no_tool.failures) == ["tool:0:last_activity/list_activities"]
    ungrounded = score(
        LAST_RUN, Transcript(answer=right, calls=[("last_activity", {})], ungrounded=["9.5 km"])
    )
    assert list(ungrounded.failures) == ["grounded"]
    errored = score(LAST_RUN, Transcript(answer="", calls=[], errors=["model_unavailable: down"]))
    assert "answered" in errored.failures and not errored.correct


def test_arguments_names_counts_and_approval() -> None:
    q = Question(
        "race",
        "action",
        "Add the Berlin Half on 2027-04-05 as an A race",
        tools=(ToolExpect(("add_race",), {"name": "Berlin Half", "date": "2027-04-05", "priority": "A"}),),
        figures=(count("runs", 3),),
        names=("Berlin Half",),
        approval="add_race",
    )
    good = Transcript(
        answer="Added the Berlin Half; three runs planned.",
        calls=[("add_race", {"name": "Berlin Half", "date": "2027-04-05", "priority": "A"})],
        approvals=["add_race"],
    )
    assert score(q, good).correct, score(q, good).failures
    renamed = Transcript(
        answer="Added a race; 3 runs planned.",
        calls=[("add_race", {"name": "Race", "date": "2027-04-05", "priority": "A"})],
        approvals=["add_race"],
    )
    assert set(score(q, renamed).failures) == {"tool:0:add_race(name, date, priority)", "name:Berlin Half"}
    unasked = Transcript(answer=good.answer, calls=good.calls, effect_before_approval=True)
    assert set(score(q, unasked).failures) == {"approval:add_race", "effect_after_approval"}
