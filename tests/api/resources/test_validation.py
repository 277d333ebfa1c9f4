"""Text PostgreSQL cannot store (the NUL character) is a clear 422 that stores nothing — found by the schema
fuzz, where it was a 500."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import SignUp, assert_problem


async def test_a_nul_character_in_text_is_a_422_and_nothing_is_stored(sign_up: SignUp) -> None:
    me = await sign_up()
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/api/v1/gear", {"json": {"name": "Peg\x00asus"}}),
        ("POST", "/api/v1/races", {"json": {"name": "City\x0010K", "date": "2099-01-01", "distance": "10k"}}),
        ("GET", "/api/v1/activities", {"params": {"q": "park\x00run"}}),
        ("POST", "/api/v1/workouts/generate", {"json": {"kind": "easy", "vdot": 40, "name": "Easy\x00"}}),
    ]
    for method, path, request in requests:
        problem = assert_problem(await me.client.request(method, path, **request), 422, "invalid_input")
        assert "NUL character" in problem["detail"], (path, problem)
    assert (await me.client.get("/api/v1/gear")).json()["gear"] == []
    assert (await me.client.get("/api/v1/races")).json()["races"] == []
    assert (await me.client.get("/api/v1/workouts")).json()["total"] == 0
