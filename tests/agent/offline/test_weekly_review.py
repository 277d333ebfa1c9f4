"""The offline coach on issue 17: the weekly review says how the planned sessions went (plan_execution),
every figure grounded; a calendar note's answer carries what it would change in the plan."""

from __future__ import annotations

from datetime import date
from typing import Any

from agent.grounding import ungrounded_figures
from agent.offline.coaching import COACH_ANSWERS
from agent.offline.intents import Intent
from agent.offline.plans import next_calls
from agent.offline.proactive import PROACTIVE_ANSWERS
from agent.offline.turn import Fmt, Result, Turn

LOAD = {"weekly": [{"load": 310.5}, {"load": 352.0}]}
ACTIVITIES = {"activities": [{"sport": "running"}] * 4, "total_distance_km": 52.4}


def _review(execution: dict[str, Any]) -> tuple[str, list[Any]]:
    results = [
        Result("training_load", {"days": 14, "resolution": "week"}, LOAD),
        Result("list_activities", {}, ACTIVITIES),
        Result("plan_execution", {}, execution),
    ]
    text = PROACTIVE_ANSWERS["proactive_weekly_review"](
        Intent("proactive_weekly_review", "[proactive:weekly_review]", date(2026, 12, 6)),
        Turn(results),
        Fmt(),
    )
    return text, [r.content for r in results]


def test_the_weekly_review_reports_planned_vs_done() -> None:
    text, evidence = _review({"planned": 5, "done": 4, "missed": 1, "average_score": 78.6, "sessions": []})
    assert "Plan: 4 of 5 sessions done, executed 79/100 on average." in text
    assert ungrounded_figures(text, evidence) == []


def test_without_a_plan_the_review_says_nothing_about_it() -> None:
    text, _ = _review({"planned": 0, "done": 0, "missed": 0, "average_score": None, "sessions": []})
    assert "Plan:" not in text and "Your week: 4 runs" in text


def test_a_note_answer_carries_the_plan_proposal() -> None:
    note = {"note_id": 7, "kind": "illness", "start_date": "2026-12-07", "end_date": "2026-12-09"}
    proposal = {"can_apply": True, "summary": "5 sessions change", "sessions": [], "violations": []}
    intent = Intent("note", "I have the flu", date(2026, 12, 6), slots={"kind": "illness"})
    added = {"kind": "illness", "start_date": "2026-12-06", "text": "I have the flu"}
    results = [
        Result("add_calendar_note", added, note),
        Result("propose_note_changes", {"note_id": 7}, proposal),
    ]
    text = COACH_ANSWERS["note"](intent, Turn(results), Fmt())
    assert "For your plan I propose: 5 sessions change. Nothing changes until you apply it" in text
    assert next_calls(intent, Turn(results[:1]), {"add_calendar_note", "propose_note_changes"}) == [
        ("propose_note_changes", {"note_id": 7})
    ]
