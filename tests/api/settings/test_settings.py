"""`GET/PATCH /api/v1/settings`: time zone, units and the athlete's numbers, with bounds, clear field errors,
nothing half-changed, and each athlete's settings their own."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from api.auth import CSRF_HEADER
from tests.api.conftest import SignUp, assert_problem

FULL = {
    "timezone": "Europe/Berlin",
    "units": "imperial",
    "sex": "female",
    "birth_date": "1988-04-02",
    "weight_kg": 58.5,
    "max_hr": 188,
    "resting_hr": 46,
    "lthr": 171,
    "threshold_pace_s_per_km": 252.0,
}


async def _settings(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/api/v1/settings")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_new_account_has_defaults_and_every_field_can_be_set(sign_up: SignUp) -> None:
    account = await sign_up()
    assert await _settings(account.client) == {
        "timezone": "UTC",
        "units": "metric",
        "sex": None,
        "birth_date": None,
        "weight_kg": None,
        "max_hr": None,
        "resting_hr": None,
        "lthr": None,
        "threshold_pace_s_per_km": None,
    }
    changed = await account.client.patch("/api/v1/settings", json=FULL)
    assert changed.status_code == 200, changed.text
    assert changed.json() == FULL
    assert await _settings(account.client) == FULL  # stored, not only echoed
    me = (await account.client.get("/api/v1/me")).json()
    assert (me["timezone"], me["weight_kg"], me["threshold_pace_s_per_km"]) == ("Europe/Berlin", 58.5, 252.0)


async def test_only_sent_fields_change_and_null_clears(sign_up: SignUp) -> None:
    account = await sign_up()
    await account.client.patch("/api/v1/settings", json=FULL)
    assert (await account.client.patch("/api/v1/settings", json={"max_hr": 190})).status_code == 200
    cleared = await account.client.patch("/api/v1/settings", json={"weight_kg": None, "birth_date": None})
    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == {**FULL, "max_hr": 190, "weight_kg": None, "birth_date": None}
    assert_problem(
        await account.client.patch("/api/v1/settings", json={"timezone": None}), 422, "invalid_input"
    )
    assert_problem(await account.client.patch("/api/v1/settings", json={"units": None}), 422, "invalid_input")


def _years_ago(years: int, days: int = 0) -> str:
    today = date.today()
    try:
        then = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        then = today.replace(year=today.year - years, day=28)
    return (then + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"timezone": "Berlin"}, "body.timezone", "IANA name"),
        ({"timezone": "Mars/Olympus_Mons"}, "body.timezone", "IANA name"),
        ({"units": "furlongs"}, "body.units", "metric"),
        ({"sex": "x"}, "body.sex", "female"),
        ({"max_hr": 400}, "body.max_hr", "less than or equal to 240"),
        ({"resting_hr": 10}, "body.resting_hr", "greater than or equal to 25"),
        ({"lthr": 300}, "body.lthr", "less than or equal to 230"),
        ({"weight_kg": 3}, "body.weight_kg", "greater than or equal to 25"),
        ({"weight_kg": "heavy"}, "body.weight_kg", "number"),
        ({"threshold_pace_s_per_km": 60}, "body.threshold_pace_s_per_km", "greater than or equal to 120"),
        ({"threshold_pace_s_per_km": 1200}, "body.threshold_pace_s_per_km", "less than or equal to 900"),
        ({"birth_date": "2090-01-01"}, "body.birth_date", "age from 10 to 110"),
        ({"birth_date": _years_ago(10, days=1)}, "body.birth_date", "age of 9"),
        ({"birth_date": "1900-01-01"}, "body.birth_date", "age from 10 to 110"),
        ({"birth_date": "02/04/1988"}, "body.birth_date", "date"),
        ({"display_name": "Ann"}, "body.display_name", "Extra inputs"),
        ({"email": "someone@example.com"}, "body.email", "Extra inputs"),
    ],
)
async def test_bad_values_are_named_and_change_nothing(
    sign_up: SignUp, change: dict[str, Any], field: str, says: str
) -> None:
    account = await sign_up()
    await account.client.patch("/api/v1/settings", json=FULL)
    # a valid change sent together with the bad one must not be applied either
    response = await account.client.patch("/api/v1/settings", json={"resting_hr": 50, **change})
    body = assert_problem(response, 422, "invalid_input")
    assert [e["field"] for e in body["errors"]] == [field], body
    assert says in body["errors"][0]["message"], body
    assert await _settings(account.client) == FULL


async def test_boundary_values_are_accepted(sign_up: SignUp) -> None:
    account = await sign_up()
    edges = {"weight_kg": 25, "threshold_pace_s_per_km": 900, "birth_date": _years_ago(10), "max_hr": 240}
    response = await account.client.patch("/api/v1/settings", json=edges)
    assert response.status_code == 200, response.text
    assert response.json()["birth_date"] == edges["birth_date"]


async def test_heart_rates_must_stay_in_order(sign_up: SignUp) -> None:
    account = await sign_up()
    await account.client.patch("/api/v1/settings", json=FULL)
    body = assert_problem(
        await account.client.patch("/api/v1/settings", json={"lthr": 195}), 422, "invalid_input"
    )
    assert "lthr (195) must be below max_hr (188)" in body["detail"]
    body = assert_problem(
        await account.client.patch("/api/v1/settings", json={"resting_hr": 115, "lthr": 110}),
        422,
        "invalid_input",
    )
    assert "resting_hr (115) must be below lthr (110)" in body["detail"]
    assert await _settings(account.client) == FULL  # the failed request was rolled back


async def test_signing_in_is_required_and_cookie_writes_need_csrf(
    sign_up: SignUp, client: httpx.AsyncClient
) -> None:
    assert_problem(await client.get("/api/v1/settings"), 401, "unauthorized")
    assert_problem(await client.patch("/api/v1/settings", json={"units": "imperial"}), 401, "unauthorized")
    account = await sign_up()
    account.client.headers.pop(CSRF_HEADER)
    assert_problem(
        await account.client.patch("/api/v1/settings", json={"units": "imperial"}), 403, "csrf_failed"
    )
    assert (await _settings(account.client))["units"] == "metric"


async def test_each_athlete_changes_only_their_own_settings(sign_up: SignUp) -> None:
    ann, bob = await sign_up(), await sign_up()
    await ann.client.patch("/api/v1/settings", json=FULL)
    assert (await _settings(bob.client))["timezone"] == "UTC"
    await bob.client.patch("/api/v1/settings", json={"timezone": "Asia/Tokyo", "max_hr": 201})
    assert await _settings(ann.client) == FULL
    assert (await _settings(bob.client))["timezone"] == "Asia/Tokyo"
