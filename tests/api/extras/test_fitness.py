"""GET /api/v1/training/fitness on the demo athlete: effective VO2max per run, trend, marathon shape."""

from __future__ import annotations

import httpx

from tests.api.conftest import Account, SignUp


async def test_fitness_of_the_demo_athlete(athlete: Account) -> None:
    response = await athlete.client.get("/api/v1/training/fitness", params={"days": 30})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["method"] == "hrr" and body["max_hr"]["value"] == 188
    assert len(body["runs"]) >= 8 and all(30 <= r["vo2max"] <= 70 for r in body["runs"])
    assert body["trend"]["current"] > 0
    assert 0 <= body["marathon_shape"]["percent"] <= 100


async def test_fitness_of_an_empty_account_explains_itself(sign_up: SignUp) -> None:
    account = await sign_up()
    body = (await account.client.get("/api/v1/training/fitness")).json()
    assert body["runs"] == [] and body["marathon_shape"] is None
    assert any("max heart rate" in note for note in body["notes"])


async def test_fitness_needs_sign_in(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/training/fitness")).status_code == 401
