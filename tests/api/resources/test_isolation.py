"""The cross-user matrix: for every resource route that takes an id, another user gets a 404 that looks
exactly like a missing id (never 403, never the data), changes nothing, and lists none of it."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.api.conftest import Account, SignUp, assert_problem
from tests.api.isolation import assert_same_as_missing
from tests.api.resources.conftest import fit_file, upload

NOBODY = 2**31 - 1


async def _owned_things(owner: Account) -> dict[str, Any]:
    client = owner.client
    activity = (await client.get("/api/v1/activities", params={"limit": 1})).json()["items"][0]
    job = (await upload(owner, [fit_file("garmin-fenix-5-walk.fit")])).json()
    workout = (
        await client.post(
            "/api/v1/workouts/generate", json={"kind": "intervals", "name": "Owner's secret session"}
        )
    ).json()
    race = (await client.get("/api/v1/races")).json()["races"][0]
    plan = (await client.post("/api/v1/plans/generate", json={"race_id": race["id"]})).json()
    gear = (await client.get("/api/v1/gear")).json()["gear"][0]
    return {"activity": activity, "job": job, "workout": workout, "race": race, "plan": plan, "gear": gear}


async def test_every_id_route_is_a_404_for_another_user(athlete: Account, sign_up: SignUp) -> None:
    things = await _owned_things(athlete)
    other = (await sign_up()).client
    a, w, p, g, r = (things[k] for k in ("activity", "workout", "plan", "gear", "race"))
    job_id = things["job"]["job_id"]
    matrix: list[tuple[str, str, str, dict[str, Any]]] = [
        ("GET", f"/api/v1/activities/{a['id']}", f"/api/v1/activities/{NOBODY}", {}),
        ("GET", f"/api/v1/activities/{a['id']}/samples", f"/api/v1/activities/{NOBODY}/samples", {}),
        ("DELETE", f"/api/v1/activities/{a['id']}", f"/api/v1/activities/{NOBODY}", {}),
        ("GET", f"/api/v1/feed/activities/{a['id']}", f"/api/v1/feed/activities/{NOBODY}", {}),
        (
            "POST",
            f"/api/v1/feed/activities/{a['id']}/comments",
            f"/api/v1/feed/activities/{NOBODY}/comments",
            {"json": {"body": "Stolen"}},
        ),
        ("GET", f"/api/v1/feed?athlete_id={athlete.user_id}", f"/api/v1/feed?athlete_id={NOBODY}", {}),
        ("GET", f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{uuid.uuid4()}", {}),
        ("GET", f"/api/v1/workouts/{w['workout_id']}", f"/api/v1/workouts/{NOBODY}", {}),
        ("POST", f"/api/v1/workouts/{w['workout_id']}/push", f"/api/v1/workouts/{NOBODY}/push", {"json": {}}),
        ("DELETE", f"/api/v1/workouts/{w['workout_id']}", f"/api/v1/workouts/{NOBODY}", {}),
        ("GET", f"/api/v1/plans/{p['plan_id']}", f"/api/v1/plans/{NOBODY}", {}),
        (
            "POST",
            f"/api/v1/plans/{p['plan_id']}/adapt",
            f"/api/v1/plans/{NOBODY}/adapt",
            {"json": {"force": True}},
        ),
        (
            "GET",
            f"/api/v1/plans/calendar?start=2020-01-01&end=2020-12-31&plan_id={p['plan_id']}",
            f"/api/v1/plans/calendar?start=2020-01-01&end=2020-12-31&plan_id={NOBODY}",
            {},
        ),
        ("GET", f"/api/v1/gear/{g['id']}", f"/api/v1/gear/{NOBODY}", {}),
        ("PATCH", f"/api/v1/gear/{g['id']}", f"/api/v1/gear/{NOBODY}", {"json": {"name": "Stolen"}}),
        ("POST", f"/api/v1/gear/{g['id']}/retire", f"/api/v1/gear/{NOBODY}/retire", {"json": {}}),
        ("DELETE", f"/api/v1/gear/{g['id']}", f"/api/v1/gear/{NOBODY}", {}),
        ("GET", f"/api/v1/races/{r['id']}", f"/api/v1/races/{NOBODY}", {}),
        ("PATCH", f"/api/v1/races/{r['id']}", f"/api/v1/races/{NOBODY}", {"json": {"name": "Stolen"}}),
        ("DELETE", f"/api/v1/races/{r['id']}", f"/api/v1/races/{NOBODY}", {}),
    ]
    for method, path, missing, request in matrix:
        await assert_same_as_missing(other, method, path, missing, **request)
        theirs = await other.request(method, path, **request)
        for secret in (a.get("name"), w["name"], p["name"], g["name"], r["name"]):
            assert not secret or secret not in theirs.text, f"{method} {path} leaked {secret!r}"

    # nothing changed for the owner
    owner = athlete.client
    assert (await owner.get(f"/api/v1/activities/{a['id']}")).json()["name"] == a["name"]
    assert (await owner.get(f"/api/v1/activities/{a['id']}/samples")).json()["sample_count"] > 0
    assert (await owner.get(f"/api/v1/jobs/{job_id}")).json()["state"] == "queued"
    assert (await owner.get(f"/api/v1/workouts/{w['workout_id']}")).json()["name"] == w["name"]
    assert (await owner.get(f"/api/v1/plans/{p['plan_id']}")).json()["weeks"] == p["weeks"]
    kept_gear = (await owner.get(f"/api/v1/gear/{g['id']}")).json()
    assert (kept_gear["name"], kept_gear["is_retired"]) == (g["name"], False)
    assert (await owner.get(f"/api/v1/races/{r['id']}")).json()["name"] == r["name"]


async def test_lists_show_only_your_own(athlete: Account, sign_up: SignUp) -> None:
    await athlete.client.post("/api/v1/workouts/generate", json={"kind": "easy"})
    other = (await sign_up()).client
    assert (await other.get("/api/v1/activities")).json()["total"] == 0
    assert (await other.get("/api/v1/workouts")).json()["total"] == 0
    assert (await other.get("/api/v1/gear", params={"include_retired": True})).json()["gear"] == []
    assert (await other.get("/api/v1/races", params={"include_past": True})).json()["races"] == []
    assert (await other.get("/api/v1/health/daily")).json()["days"] == []
    assert (await other.get("/api/v1/training/load", params={"days": 28})).json()["today"]["ctl"] == 0
    assert_problem(await other.get("/api/v1/plans/current"), 404, "not_found")


async def test_resources_need_a_signed_in_user(client: httpx.AsyncClient) -> None:
    for path in (
        "/api/v1/activities",
        "/api/v1/workouts",
        "/api/v1/gear",
        "/api/v1/races",
        "/api/v1/health/daily",
    ):
        assert_problem(await client.get(path), 401, "unauthorized")


async def test_ids_beyond_bigint_are_a_422_not_a_database_error(sign_up: SignUp) -> None:
    """Found by the schema fuzz: an id past 2^63 - 1 used to reach asyncpg and answer 500."""
    me = await sign_up()
    for path in ("activities", "workouts", "plans", "gear", "races"):
        problem = assert_problem(await me.client.get(f"/api/v1/{path}/{2**63}"), 422, "invalid_input")
        assert problem["errors"][0]["field"].startswith("path.")
    assert_problem(await me.client.get("/api/v1/races/0"), 422, "invalid_input")
