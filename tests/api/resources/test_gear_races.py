"""Gear (add, list, get, update, retire, delete with activity links) and races (with the current
prediction against the goal) over HTTP."""

from __future__ import annotations

import pytest

from tests.api.conftest import Account, SignUp, assert_problem
from tests.api.resources.conftest import fit_file, import_files


async def test_gear_lifecycle_with_a_linked_run(sign_up: SignUp) -> None:
    me = await sign_up()
    added = await me.client.post(
        "/api/v1/gear", json={"name": "Pegasus 41", "brand": "Nike", "start_distance_km": 12}
    )
    assert added.status_code == 201, added.text
    shoe = added.json()
    assert (shoe["default_for_sport"], shoe["retire_at_km"], shoe["distance_km"]) == ("running", 700.0, 12.0)
    job = await import_files(me, [fit_file("garmin-fenix-5-run.fit")])
    run = (await me.client.get(f"/api/v1/activities/{job['files'][0]['activity_id']}")).json()

    got = (await me.client.get(f"/api/v1/gear/{shoe['id']}")).json()
    assert got["activities"] == 1
    assert got["distance_km"] == pytest.approx(12 + run["distance_km"], abs=0.1)

    changed = await me.client.patch(
        f"/api/v1/gear/{shoe['id']}", json={"name": "Pegasus", "retire_at_km": 600}
    )
    assert (changed.json()["name"], changed.json()["retire_at_km"]) == ("Pegasus", 600.0)
    retired = await me.client.post(f"/api/v1/gear/{shoe['id']}/retire", json={"retired_on": "2026-01-02"})
    assert retired.json()["is_retired"] and retired.json()["retired_on"] == "2026-01-02"
    assert (await me.client.get("/api/v1/gear")).json()["gear"] == []
    everything = (await me.client.get("/api/v1/gear", params={"include_retired": True})).json()
    assert [g["id"] for g in everything["gear"]] == [shoe["id"]]
    default_again = await me.client.patch(f"/api/v1/gear/{shoe['id']}", json={"default_for_sport": "running"})
    assert "is retired" in assert_problem(default_again, 422, "invalid_input")["detail"]

    deleted = await me.client.delete(f"/api/v1/gear/{shoe['id']}")
    assert deleted.json() == {"deleted": True, "id": shoe["id"], "unlinked_activities": 1}
    assert_problem(await me.client.get(f"/api/v1/gear/{shoe['id']}"), 404, "not_found")
    after = (await me.client.get(f"/api/v1/activities/{run['id']}")).json()
    assert after["id"] == run["id"] and after["gear"] == [], "the run stays, unlinked"


async def test_gear_validation(sign_up: SignUp) -> None:
    me = await sign_up()
    for body, field in (
        ({}, "body.name"),
        ({"name": ""}, "body.name"),
        ({"name": "x", "kind": "skis"}, "body.kind"),
        ({"name": "x", "start_distance_km": -1}, "body.start_distance_km"),
    ):
        problem = assert_problem(await me.client.post("/api/v1/gear", json=body), 422, "invalid_input")
        assert problem["errors"][0]["field"] == field, problem
    assert (await me.client.get("/api/v1/gear")).json()["gear"] == []


async def test_races_show_the_current_prediction_against_the_goal(athlete: Account) -> None:
    calendar = (await athlete.client.get("/api/v1/races")).json()
    (half,) = calendar["races"]
    assert half["priority"] == "A" and calendar["next_a_race"]["id"] == half["id"]
    prediction = (
        await athlete.client.get("/api/v1/training/predictions", params={"targets_m": half["distance_m"]})
    ).json()
    expected = prediction["predictions"][0]["daniels_s"]
    assert half["predicted_time_s"] == expected and calendar["vdot"] == prediction["vdot"]
    assert half["goal_gap_s"] == pytest.approx(expected - half["goal_time_s"], abs=0.05)
    assert half["prediction_basis"].startswith("best ")
    one = (await athlete.client.get(f"/api/v1/races/{half['id']}")).json()
    assert one == half


async def test_race_add_update_delete(sign_up: SignUp) -> None:
    me = await sign_up()
    added = await me.client.post(
        "/api/v1/races", json={"name": "Spring 10K", "date": "2099-04-12", "distance": "10k", "priority": "A"}
    )
    assert added.status_code == 201, added.text
    race = added.json()
    assert race["distance_m"] == 10000 and race["days_to_go"] > 0
    listed = (await me.client.get("/api/v1/races")).json()
    assert [r["id"] for r in listed["races"]] == [race["id"]]
    assert listed["races"][0]["predicted_time_s"] is None and "import runs" in listed["prediction_note"]

    changed = await me.client.patch(
        f"/api/v1/races/{race['id']}", json={"goal_time_s": 2700, "priority": "B"}
    )
    assert (changed.json()["goal_time_s"], changed.json()["priority"]) == (2700, "B")
    assert (await me.client.delete(f"/api/v1/races/{race['id']}")).json() == {
        "deleted": True,
        "id": race["id"],
    }
    assert_problem(await me.client.get(f"/api/v1/races/{race['id']}"), 404, "not_found")


async def test_race_validation(sign_up: SignUp) -> None:
    me = await sign_up()
    bad_priority = await me.client.post(
        "/api/v1/races", json={"name": "R", "date": "2099-01-01", "priority": "D"}
    )
    assert assert_problem(bad_priority, 422)["errors"][0]["field"] == "body.priority"
    unknown = await me.client.post(
        "/api/v1/races", json={"name": "R", "date": "2099-01-01", "distance": "ultra"}
    )
    assert "use one of 5k" in assert_problem(unknown, 422)["detail"]
    no_distance = await me.client.post("/api/v1/races", json={"name": "R", "date": "2099-01-01"})
    assert "Give the race distance" in assert_problem(no_distance, 422, "invalid_input")["detail"]
    not_a_date = await me.client.post("/api/v1/races", json={"name": "R", "date": "soon", "distance": "5k"})
    assert assert_problem(not_a_date, 422)["errors"][0]["field"] == "body.date"
    assert (await me.client.get("/api/v1/races", params={"include_past": True})).json()["races"] == []
