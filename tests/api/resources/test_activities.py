"""Activities over HTTP on real imported FIT files: list with filters and paging, detail with laps and
zones, chart samples, delete (with its samples, laps and gear links)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from core.database import session_scope
from core.models import Activity, ActivityGear, Lap, activity_samples
from tests.api.conftest import Account, SignUp, assert_problem
from tests.api.resources.conftest import fit_file, import_files

RUN = "activity-small-fenix2-run.fit"  # a Fenix 2 run with GPS and heart rate
BIKE = "garmin-edge-820-bike.fit"
MULTISPORT = "activity-large-fenxi2-multisport.fit"


async def _import(account: Account, *names: str) -> dict[str, int]:
    job = await import_files(account, [fit_file(n) for n in names])
    files: list[dict[str, Any]] = job["files"]
    assert [f["status"] for f in files] == ["imported"] * len(names), files
    return {f["file"]: f["activity_id"] for f in files}


async def _stored(user_id: int, activity_id: int) -> tuple[int, int, int, int]:
    async with session_scope() as session:
        activities = await session.scalar(
            select(func.count()).where(
                Activity.user_id == user_id,
                (Activity.id == activity_id) | (Activity.parent_id == activity_id),
            )
        )
        laps = await session.scalar(select(func.count()).where(Lap.user_id == user_id))
        samples = await session.scalar(
            select(func.count()).select_from(activity_samples).where(activity_samples.c.user_id == user_id)
        )
        links = await session.scalar(select(func.count()).where(ActivityGear.activity_id == activity_id))
    return int(activities or 0), int(laps or 0), int(samples or 0), int(links or 0)


async def test_list_filters_pages_and_counts(sign_up: SignUp) -> None:
    me = await sign_up()
    ids = await _import(me, RUN, BIKE)
    everything = (await me.client.get("/api/v1/activities")).json()
    assert everything["total"] == 2 and everything["next_offset"] is None
    assert {a["id"] for a in everything["items"]} == set(ids.values())
    starts = [a["start_time"] for a in everything["items"]]
    assert starts == sorted(starts, reverse=True), "newest first"

    runs = (await me.client.get("/api/v1/activities", params={"sport": "running"})).json()
    assert [a["id"] for a in runs["items"]] == [ids[RUN]] and runs["total"] == 1
    by_device = (await me.client.get("/api/v1/activities", params={"q": "EDGE"})).json()
    assert [a["id"] for a in by_device["items"]] == [ids[BIKE]]
    assert (await me.client.get("/api/v1/activities", params={"q": "100%_"})).json()["total"] == 0

    first = (await me.client.get("/api/v1/activities", params={"limit": 1})).json()
    assert first["total"] == 2 and len(first["items"]) == 1 and first["next_offset"] == 1
    second = (await me.client.get("/api/v1/activities", params={"limit": 1, "offset": 1})).json()
    assert second["next_offset"] is None
    assert {first["items"][0]["id"], second["items"][0]["id"]} == set(ids.values())

    day = runs["items"][0]["local_date"]
    same_day = await me.client.get("/api/v1/activities", params={"since": day, "until": day})
    assert ids[RUN] in [a["id"] for a in same_day.json()["items"]]
    after = await me.client.get("/api/v1/activities", params={"since": "2099-01-01"})
    assert after.json() == {"items": [], "total": 0, "limit": 50, "offset": 0, "next_offset": None}


async def test_detail_has_laps_gear_and_heart_rate_zones(sign_up: SignUp) -> None:
    me = await sign_up()
    assert (await me.client.patch("/api/v1/me", json={"max_hr": 190})).status_code == 200
    shoe = await me.client.post("/api/v1/gear", json={"name": "Fenix test shoe"})
    assert shoe.status_code == 201, shoe.text
    ids = await _import(me, RUN)
    detail = await me.client.get(f"/api/v1/activities/{ids[RUN]}")
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["sport"] == "running" and body["sample_count"] > 0
    assert body["laps"] and all(lap["distance_km"] is not None for lap in body["laps"])
    assert [g["name"] for g in body["gear"]] == ["Fenix test shoe"], "the default shoe is linked on import"
    zones = body["hr_zones"]
    assert zones is not None and (zones["max_hr"], zones["anchor"]) == (190, "profile")
    assert [(z["low_bpm"], z["high_bpm"]) for z in zones["zones"]] == [
        (95, 114),
        (114, 133),
        (133, 152),
        (152, 171),
        (171, 190),
    ]
    in_zones = sum(z["seconds"] for z in zones["zones"])
    assert 0 < in_zones <= (body["duration_s"] or 0) * 1.05 + 60, "zone time cannot exceed the activity"
    average_zone = next(z for z in zones["zones"] if z["low_bpm"] <= body["avg_hr"] < z["high_bpm"])
    assert average_zone["seconds"] > 0


async def test_multisport_detail_lists_its_legs(sign_up: SignUp) -> None:
    me = await sign_up()
    ids = await _import(me, MULTISPORT)
    body = (await me.client.get(f"/api/v1/activities/{ids[MULTISPORT]}")).json()
    assert len(body["legs"]) >= 2
    assert {leg["sport"] for leg in body["legs"]} >= {"cycling", "running"}
    chart = (await me.client.get(f"/api/v1/activities/{ids[MULTISPORT]}/samples")).json()
    assert chart["sample_count"] > 0, "a multisport parent's samples are its legs'"


async def test_samples_are_downsampled_for_charts_and_the_map(sign_up: SignUp) -> None:
    me = await sign_up()
    ids = await _import(me, RUN)
    stored = (await me.client.get(f"/api/v1/activities/{ids[RUN]}")).json()["sample_count"]
    chart = (await me.client.get(f"/api/v1/activities/{ids[RUN]}/samples", params={"points": 100})).json()
    assert chart["sample_count"] == stored > 100
    points = chart["points"]
    assert len(points) == 100
    assert {"heart_rate", "speed_mps", "pace_s_per_km", "lat", "lon", "distance_m"} <= set(chart["has"])
    times = [p["t_s"] for p in points]
    assert times == sorted(times) and times[0] >= 0
    distances = [p["distance_m"] for p in points if p["distance_m"] is not None]
    assert distances == sorted(distances)
    assert all(p["lat"] is not None and -90 <= p["lat"] <= 90 for p in points)
    for p in points:
        if p["pace_s_per_km"] is not None:
            assert p["pace_s_per_km"] == pytest.approx(1000 / p["speed_mps"], rel=2e-3)
    async with session_scope() as session:
        mean_hr = await session.scalar(
            select(func.avg(activity_samples.c.heart_rate)).where(
                activity_samples.c.user_id == me.user_id, activity_samples.c.activity_id == ids[RUN]
            )
        )
    assert mean_hr is not None
    chart_hr = [p["heart_rate"] for p in points if p["heart_rate"] is not None]
    assert sum(chart_hr) / len(chart_hr) == pytest.approx(float(mean_hr), abs=1.5), "buckets keep the mean"
    whole = (await me.client.get(f"/api/v1/activities/{ids[RUN]}/samples", params={"points": 5000})).json()
    assert len(whole["points"]) == min(stored, 5000)
    too_many = await me.client.get(f"/api/v1/activities/{ids[RUN]}/samples", params={"points": 5001})
    body = assert_problem(too_many, 422, "invalid_input")
    assert body["errors"][0]["field"] == "query.points"


async def test_delete_removes_samples_laps_and_gear_links(sign_up: SignUp) -> None:
    me = await sign_up()
    await me.client.post("/api/v1/gear", json={"name": "Shoe"})
    ids = await _import(me, RUN, BIKE)
    activities, laps, samples, links = await _stored(me.user_id, ids[RUN])
    assert activities == 1 and laps > 0 and samples > 0 and links == 1
    gone = await me.client.delete(f"/api/v1/activities/{ids[RUN]}")
    assert gone.status_code == 204, gone.text
    assert_problem(await me.client.get(f"/api/v1/activities/{ids[RUN]}"), 404, "not_found")
    activities, laps_after, samples_after, links = await _stored(me.user_id, ids[RUN])
    assert activities == 0 and links == 0
    bike = (await me.client.get(f"/api/v1/activities/{ids[BIKE]}")).json()
    assert samples_after == bike["sample_count"], "only the deleted activity's samples went"
    assert laps_after == len(bike["laps"])
    assert (await me.client.get("/api/v1/gear")).json()["gear"][0]["activities"] == 0
    assert_problem(await me.client.delete(f"/api/v1/activities/{ids[RUN]}"), 404, "not_found")
