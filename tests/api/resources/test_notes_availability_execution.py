"""Notes act, availability and planned vs done over HTTP: a note's proposal and its Apply, weekly
availability and blocked days re-laying the plan, an activity's execution score; each the caller's own."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.api.conftest import Account, SignUp, assert_problem


def _sessions(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for w in plan["weeks"] for s in w["sessions"]]


async def _plan(athlete: Account) -> dict[str, Any]:
    races = (await athlete.client.get("/api/v1/races")).json()["races"]
    generated = await athlete.client.post("/api/v1/plans/generate", json={"race_id": races[0]["id"]})
    assert generated.status_code == 201, generated.text
    plan: dict[str, Any] = generated.json()
    return plan


async def test_a_note_proposes_and_apply_changes_the_plan(athlete: Account, sign_up: SignUp) -> None:
    plan = await _plan(athlete)
    first = date.fromisoformat(plan["start_date"]) + timedelta(days=1)
    note = await athlete.client.post(
        "/api/v1/notes",
        json={
            "kind": "illness",
            "start_date": first.isoformat(),
            "end_date": (first + timedelta(days=2)).isoformat(),
        },
    )
    assert note.status_code == 201, note.text
    note_id = note.json()["note_id"]
    proposal = await athlete.client.get(f"/api/v1/notes/{note_id}/proposal")
    assert proposal.status_code == 200, proposal.text
    assert proposal.json()["can_apply"] and proposal.json()["violations"] == []
    assert (await athlete.client.get("/api/v1/plans/current")).json()["weeks"] == plan["weeks"]

    stranger = await sign_up()
    assert_problem(await stranger.client.get(f"/api/v1/notes/{note_id}/proposal"), 404)
    assert_problem(await stranger.client.post(f"/api/v1/notes/{note_id}/apply"), 404)

    applied = await athlete.client.post(f"/api/v1/notes/{note_id}/apply")
    assert applied.status_code == 200, applied.text
    current = (await athlete.client.get("/api/v1/plans/current")).json()
    assert current["checks"] == []
    ill = [
        s for s in _sessions(current) if first <= date.fromisoformat(s["date"]) <= first + timedelta(days=2)
    ]
    assert ill and all(s["kind"] == "rest" for s in ill)
    assert (
        "applied"
        in assert_problem(await athlete.client.post(f"/api/v1/notes/{note_id}/apply"), 422)["detail"]
    )


async def test_availability_and_blocked_days_relay_the_plan(athlete: Account, sign_up: SignUp) -> None:
    plan = await _plan(athlete)
    start = date.fromisoformat(plan["start_date"])
    closed = (start + timedelta(days=3)).weekday()
    put = await athlete.client.put(
        "/api/v1/availability", json={"days": [{"weekday": closed, "available": False}]}
    )
    assert put.status_code == 200, put.text
    week = (await athlete.client.get("/api/v1/availability")).json()["week"]
    assert [d["available"] for d in week].count(False) == 1 and week[closed]["available"] is False
    current = (await athlete.client.get("/api/v1/plans/current")).json()
    assert current["checks"] == []
    ahead = [
        s for s in _sessions(current) if s["date"] > start.isoformat() and s["kind"] not in ("rest", "race")
    ]
    assert ahead and not any(date.fromisoformat(s["date"]).weekday() == closed for s in ahead)

    blocked = (start + timedelta(days=8)).isoformat()
    added = await athlete.client.post(
        "/api/v1/availability/blackouts", json={"day": blocked, "reason": "wedding"}
    )
    assert added.status_code == 201, added.text
    assert added.json()["availability"]["blackouts"] == [{"day": blocked, "reason": "wedding"}]
    current = (await athlete.client.get("/api/v1/plans/current")).json()
    assert current["checks"] == [] and not any(
        s["date"] == blocked and s["kind"] not in ("rest", "race") for s in _sessions(current)
    )
    stranger = await sign_up()
    assert (await stranger.client.get("/api/v1/availability")).json()["blackouts"] == []
    assert_problem(await stranger.client.delete(f"/api/v1/availability/blackouts/{blocked}"), 404)
    assert (await athlete.client.delete(f"/api/v1/availability/blackouts/{blocked}")).status_code == 204
    everything_closed = [{"weekday": k, "available": False} for k in range(7)]
    assert_problem(await athlete.client.put("/api/v1/availability", json={"days": everything_closed}), 422)


async def test_an_activity_has_its_execution(athlete: Account, sign_up: SignUp) -> None:
    activities = (await athlete.client.get("/api/v1/activities")).json()["items"]
    run = activities[0]["id"]
    unplanned = await athlete.client.get(f"/api/v1/activities/{run}/execution")
    assert unplanned.status_code == 200, unplanned.text
    assert unplanned.json() == {
        "session": None,
        "execution": None,
        "note": "no planned session for this activity",
    }
    stranger = await sign_up()
    assert_problem(await stranger.client.get(f"/api/v1/activities/{run}/execution"), 404)
