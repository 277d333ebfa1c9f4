"""Training load, zones, predictions, readiness and daily health over HTTP, on the demo athlete's
generated training (stored through the product's own paths) and on an empty account."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.database import session_scope
from core.models import Activity, DailyHealth, User
from tests.api.conftest import Account, SignUp, assert_problem
from tools.fitness.vdot import vdot_from_race


async def _today(account: Account) -> tuple[date, ZoneInfo]:
    async with session_scope() as session:
        user = await session.get_one(User, account.user_id)
    tz = ZoneInfo(user.timezone)
    return datetime.now(tz).date(), tz


async def test_training_load_series_adds_up_to_the_stored_loads(athlete: Account) -> None:
    today, tz = await _today(athlete)
    response = await athlete.client.get("/api/v1/training/load", params={"days": 28})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["daily"]) == 28 and body["weekly"] is None
    assert body["daily"][-1]["day"] == today.isoformat() == body["today"]["day"]
    first = date.fromisoformat(body["daily"][0]["day"])
    async with session_scope() as session:
        stored = await session.scalar(
            select(func.sum(Activity.training_load)).where(
                Activity.user_id == athlete.user_id,
                Activity.start_time >= datetime.combine(first, time(), tz),
            )
        )
    assert sum(p["load"] for p in body["daily"]) == pytest.approx(float(stored or 0), abs=0.1 * 28)
    assert body["today"]["ctl"] > 0 and sum(body["activities_by_method"].values()) > 0
    weekly = (await athlete.client.get("/api/v1/training/load", params={"days": 180})).json()
    assert weekly["daily"] is None and weekly["weekly"]
    bad = await athlete.client.get("/api/v1/training/load", params={"resolution": "hourly"})
    assert assert_problem(bad, 422, "invalid_input")["errors"][0]["field"] == "query.resolution"


async def test_zones_come_from_the_profile(athlete: Account) -> None:
    body = (await athlete.client.get("/api/v1/training/zones")).json()
    assert body["anchors"]["max_hr"] == {"value": 188.0, "source": "profile", "detail": "set in the profile"}
    max_hr_zones = body["heart_rate"]["max_hr"]
    assert [z["name"] for z in max_hr_zones] == ["Z1", "Z2", "Z3", "Z4", "Z5"]
    assert max_hr_zones[-1]["high_bpm"] == 188 and max_hr_zones[0]["low_bpm"] == 94
    only_lthr = (await athlete.client.get("/api/v1/training/zones", params={"hr_method": "lthr"})).json()
    assert list(only_lthr["heart_rate"]) == ["lthr"]


async def test_predictions_from_a_given_race_and_from_best_efforts(athlete: Account, sign_up: SignUp) -> None:
    given = await athlete.client.get(
        "/api/v1/training/predictions", params={"distance_m": 5000, "time_s": 1200}
    )
    assert given.status_code == 200, given.text
    body = given.json()
    assert body["source"] == "input" and body["vdot"] == pytest.approx(vdot_from_race(5000, 1200), abs=0.05)
    assert [p["name"] for p in body["predictions"]][:2] == ["5K", "10K"]
    targets = await athlete.client.get(
        "/api/v1/training/predictions",
        params=[("distance_m", "5000"), ("time_s", "1200"), ("targets_m", "3000"), ("targets_m", "15000")],
    )
    assert [p["distance_m"] for p in targets.json()["predictions"]] == [3000, 15000]
    found = (await athlete.client.get("/api/v1/training/predictions")).json()
    assert found["source"] == "best_effort" and found["effort"] is not None

    half = await athlete.client.get("/api/v1/training/predictions", params={"distance_m": 5000})
    problem = assert_problem(half, 422, "invalid_input")
    assert "both distance_m and time_s" in problem["detail"]
    empty = await sign_up()
    none = await empty.client.get("/api/v1/training/predictions")
    assert "import runs first" in assert_problem(none, 422, "invalid_input")["detail"]


async def test_readiness_scores_last_night(athlete: Account, sign_up: SignUp) -> None:
    today, _ = await _today(athlete)
    body = (await athlete.client.get("/api/v1/training/readiness")).json()
    assert body["day"] == today.isoformat() and body["score"] is not None and 0 <= body["score"] <= 100
    assert {c["component"] for c in body["components"]} >= {"sleep", "hrv", "resting_hr"}
    nothing = (await (await sign_up()).client.get("/api/v1/training/readiness")).json()
    assert any(r["status"] == "missing" for r in nothing["reasons"]) and nothing["notes"]


async def test_daily_health_returns_the_stored_days_and_their_averages(
    athlete: Account, sign_up: SignUp
) -> None:
    today, _ = await _today(athlete)
    since = today - timedelta(days=9)
    response = await athlete.client.get("/api/v1/health/daily", params={"since": since.isoformat()})
    assert response.status_code == 200, response.text
    body = response.json()
    async with session_scope() as session:
        rows = list(
            (
                await session.execute(
                    select(DailyHealth)
                    .where(DailyHealth.user_id == athlete.user_id, DailyHealth.day >= since)
                    .order_by(DailyHealth.day)
                )
            ).scalars()
        )
    assert [d["day"] for d in body["days"]] == [r.day.isoformat() for r in rows] and len(rows) == 10
    assert body["days"][0]["resting_hr"] == rows[0].resting_hr
    assert body["days"][0]["sleep_h"] == pytest.approx((rows[0].sleep_s or 0) / 3600, abs=0.01)
    resting = [r.resting_hr for r in rows if r.resting_hr is not None]
    assert body["averages"]["resting_hr"] == pytest.approx(sum(resting) / len(resting), abs=0.05)

    swapped = await athlete.client.get(
        "/api/v1/health/daily", params={"since": today.isoformat(), "until": since.isoformat()}
    )
    assert len(swapped.json()["days"]) == 10 and "swapped" in swapped.json()["notes"][0]
    empty = (await (await sign_up()).client.get("/api/v1/health/daily")).json()
    assert empty["days"] == [] and "connect Garmin" in empty["notes"][0]
    assert_problem(await athlete.client.get("/api/v1/health/daily", params={"since": "yesterday"}), 422)
