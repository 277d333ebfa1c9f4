"""Workouts (list, get, create, generate, push to the Garmin fake through the real client, delete) and
plans (generate, current, one, adapt, calendar) over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from core.database import session_scope
from core.models import PlannedSession
from tests.api.conftest import Account, SignUp, assert_problem
from tests.fakes import FakeGarmin
from tools.garmin.auth import connect_garmin
from tools.workouts.garmin_payload import garmin_workout
from tools.workouts.store import load_workout

EMAIL = "runner@example.com"
GARMIN_PASSWORD = "correct horse battery staple"

STRUCTURED: dict[str, Any] = {
    "kind": "intervals",
    "name": "6 × 400 m",
    "blocks": [
        {
            "kind": "step",
            "step_type": "warmup",
            "end": {"type": "time", "seconds": 600},
            "estimated_pace_s_per_km": 330,
        },
        {
            "kind": "repeat",
            "count": 6,
            "blocks": [
                {
                    "kind": "step",
                    "step_type": "active",
                    "end": {"type": "distance", "meters": 400},
                    "target": {"type": "pace", "fastest_s_per_km": 225, "slowest_s_per_km": 235},
                    "intensity": "hard",
                },
                {
                    "kind": "step",
                    "step_type": "recovery",
                    "end": {"type": "time", "seconds": 90},
                    "estimated_pace_s_per_km": 400,
                },
            ],
        },
        {
            "kind": "step",
            "step_type": "cooldown",
            "end": {"type": "time", "seconds": 600},
            "estimated_pace_s_per_km": 330,
        },
    ],
}


async def test_create_list_get_and_delete_a_structured_workout(sign_up: SignUp) -> None:
    me = await sign_up()
    day = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    made = await me.client.post("/api/v1/workouts", json={"workout": STRUCTURED, "scheduled_date": day})
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["name"] == "6 × 400 m" and body["scheduled_date"] == day
    assert body["summary"]["distance_km"] > 2.4 and body["summary"]["hard_min"] > 0
    assert any("6 ×" in line for line in body["steps"]), body["steps"]
    assert body["structure"]["blocks"][1]["count"] == 6

    generated = await me.client.post("/api/v1/workouts/generate", json={"kind": "tempo", "vdot": 50})
    assert generated.status_code == 201, generated.text
    assert generated.json()["vdot_basis"] == "given"
    listed = (await me.client.get("/api/v1/workouts")).json()
    assert listed["total"] == 2
    assert [w["workout_id"] for w in listed["items"]] == [body["workout_id"], generated.json()["workout_id"]]
    one = await me.client.get(f"/api/v1/workouts/{body['workout_id']}")
    assert one.json() == body

    deleted = await me.client.delete(f"/api/v1/workouts/{body['workout_id']}")
    assert deleted.json() == {"deleted": True, "id": body["workout_id"], "garmin_copy_left": False}
    assert_problem(await me.client.get(f"/api/v1/workouts/{body['workout_id']}"), 404, "not_found")
    assert (await me.client.get("/api/v1/workouts")).json()["total"] == 1


async def test_bad_workouts_are_clear_422s(sign_up: SignUp) -> None:
    me = await sign_up()
    reversed_range = {
        **STRUCTURED,
        "blocks": [
            {
                "kind": "step",
                "step_type": "active",
                "end": {"type": "time", "seconds": 600},
                "target": {"type": "pace", "fastest_s_per_km": 300, "slowest_s_per_km": 250},
            }
        ],
    }
    problem = assert_problem(await me.client.post("/api/v1/workouts", json={"workout": reversed_range}), 422)
    assert "reversed" in problem["detail"] and problem["errors"][0]["field"].startswith("body.workout.blocks")
    past = await me.client.post(
        "/api/v1/workouts", json={"workout": STRUCTURED, "scheduled_date": "2020-01-01"}
    )
    assert "in the past" in assert_problem(past, 422, "invalid_input")["detail"]
    unknown = await me.client.post("/api/v1/workouts/generate", json={"kind": "marathon-ish"})
    assert assert_problem(unknown, 422)["errors"][0]["field"] == "body.kind"
    no_pace = await me.client.post("/api/v1/workouts/generate", json={"kind": "tempo"})
    assert "No pace reference" in assert_problem(no_pace, 422, "invalid_input")["detail"]
    assert (await me.client.get("/api/v1/workouts")).json()["total"] == 0, "nothing half-saved"


# ---- push to Garmin ------------------------------------------------------------------------------------


@pytest.fixture
def garmin(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGarmin]:
    with FakeGarmin(email=EMAIL, password=GARMIN_PASSWORD) as fake:
        monkeypatch.delenv("GARMINTOKENS", raising=False)
        fake.apply_env(monkeypatch)
        yield fake


async def test_push_sends_the_workout_to_garmin(sign_up: SignUp, garmin: FakeGarmin) -> None:
    me = await sign_up()
    made = (await me.client.post("/api/v1/workouts", json={"workout": STRUCTURED})).json()
    not_connected = await me.client.post(f"/api/v1/workouts/{made['workout_id']}/push", json={})
    assert "Garmin Connect is not connected" in assert_problem(not_connected, 404)["detail"]

    await connect_garmin(me.user_id, EMAIL, GARMIN_PASSWORD)
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    pushed = await me.client.post(
        f"/api/v1/workouts/{made['workout_id']}/push", json={"date": day.isoformat()}
    )
    assert pushed.status_code == 200, pushed.text
    body = pushed.json()
    async with session_scope() as session:
        row, workout = await load_workout(session, me.user_id, made["workout_id"])
    assert garmin.posted_workouts == [garmin_workout(workout, name=row.name)]
    assert garmin.posted_schedules == [(int(body["garmin_workout_id"]), {"date": day.isoformat()})]
    shown = (await me.client.get(f"/api/v1/workouts/{made['workout_id']}")).json()
    assert shown["garmin_workout_id"] == body["garmin_workout_id"] and shown["pushed_at"] is not None


async def test_a_garmin_failure_is_a_clear_problem_and_the_next_push_replaces_the_copy(
    sign_up: SignUp, garmin: FakeGarmin
) -> None:
    me = await sign_up()
    await connect_garmin(me.user_id, EMAIL, GARMIN_PASSWORD)
    made = (await me.client.post("/api/v1/workouts", json={"workout": STRUCTURED})).json()
    url = f"/api/v1/workouts/{made['workout_id']}/push"

    garmin.faults.add(400, r"/workout-service/workout$", method="POST")
    refused = assert_problem(await me.client.post(url, json={}), 502, "integration_error")
    assert "Garmin Connect refused uploading the workout" in refused["detail"]
    assert garmin.workouts == {}

    garmin.faults.add(500, r"/workout-service/schedule/\d+", method="POST")
    down = assert_problem(await me.client.post(url, json={}), 503, "service_unavailable")
    assert "scheduling the workout" in down["detail"]
    orphan = (await me.client.get(f"/api/v1/workouts/{made['workout_id']}")).json()["garmin_workout_id"]
    assert orphan is not None and int(orphan) in garmin.workouts, "the uploaded copy is remembered"

    again = (await me.client.post(url, json={})).json()
    assert again["replaced_garmin_workout_id"] == orphan
    assert list(garmin.workouts) == [int(again["garmin_workout_id"])], "no orphan left on Garmin"


# ---- plans ---------------------------------------------------------------------------------------------


async def test_plan_generate_current_adapt_and_calendar(athlete: Account) -> None:
    races = (await athlete.client.get("/api/v1/races")).json()["races"]
    generated = await athlete.client.post("/api/v1/plans/generate", json={"race_id": races[0]["id"]})
    assert generated.status_code == 201, generated.text
    plan = generated.json()
    assert plan["checks"] == [] and plan["status"] == "active" and plan["race_date"] == races[0]["date"]
    sessions = [s for week in plan["weeks"] for s in week["sessions"]]
    assert sessions and all(s["workout_id"] for s in sessions)

    current = (await athlete.client.get("/api/v1/plans/current")).json()
    assert current["plan_id"] == plan["plan_id"] and current["weeks"] == plan["weeks"]
    assert (await athlete.client.get(f"/api/v1/plans/{plan['plan_id']}")).json()["plan_id"] == plan["plan_id"]

    adapted = await athlete.client.post(f"/api/v1/plans/{plan['plan_id']}/adapt", json={})
    assert adapted.status_code == 200, adapted.text
    again = (await athlete.client.post(f"/api/v1/plans/{plan['plan_id']}/adapt")).json()
    assert again["marked"] == [] and again["reflowed"] is False, "asking twice changes nothing"

    start = date.fromisoformat(plan["start_date"]) - timedelta(days=14)
    end = date.fromisoformat(plan["start_date"]) + timedelta(days=13)
    calendar = await athlete.client.get(
        "/api/v1/plans/calendar", params={"start": start.isoformat(), "end": end.isoformat()}
    )
    assert calendar.status_code == 200, calendar.text
    view = calendar.json()
    assert view["plan_id"] == plan["plan_id"]
    in_range = [s for s in sessions if start.isoformat() <= s["date"] <= end.isoformat()]
    assert [s["session_id"] for s in view["sessions"]] == [s["session_id"] for s in in_range]
    assert view["unplanned"], "the runs before the plan started are shown as unplanned"
    assert all(start.isoformat() <= a["local_date"] <= end.isoformat() for a in view["unplanned"])

    # a plan session's workout cannot be deleted on its own
    conflict = await athlete.client.delete(f"/api/v1/workouts/{sessions[0]['workout_id']}")
    assert "adapt or regenerate the plan" in assert_problem(conflict, 409, "conflict")["detail"]
    async with session_scope() as session:
        assert await session.get(PlannedSession, sessions[0]["session_id"]) is not None


async def test_plan_errors_are_clear(sign_up: SignUp) -> None:
    me = await sign_up()
    assert "no active plan" in assert_problem(await me.client.get("/api/v1/plans/current"), 404)["detail"]
    no_race = await me.client.post("/api/v1/plans/generate", json={})
    assert "Give the race" in assert_problem(no_race, 422, "invalid_input")["detail"]
    backwards = await me.client.get(
        "/api/v1/plans/calendar", params={"start": "2026-05-01", "end": "2026-04-01"}
    )
    assert "swap the dates" in assert_problem(backwards, 422, "invalid_input")["detail"]
    empty = (
        await me.client.get("/api/v1/plans/calendar", params={"start": "2026-04-01", "end": "2026-05-01"})
    ).json()
    assert empty == {
        "start": "2026-04-01",
        "end": "2026-05-01",
        "plan_id": None,
        "sessions": [],
        "unplanned": [],
    }
