"""Proving user isolation: another user's object is a 404 — never a 403, never its data.

Use it for every route that takes an id (activities, threads, jobs, gear, …):

    owner, other = await sign_up(), await sign_up()
    thing = (await owner.client.post("/api/v1/things", json=...)).json()
    await assert_hidden_from(other.client, "GET", f"/api/v1/things/{thing['id']}", leaks=[thing["name"]])
    await assert_hidden_from(other.client, "DELETE", f"/api/v1/things/{thing['id']}")
    # and the owner still has it:
    assert (await owner.client.get(f"/api/v1/things/{thing['id']}")).status_code == 200

A 404 that does not exist at all must look the same: `assert_same_as_missing` compares the answer for
someone else's id with the answer for an id nobody has (so ids cannot be probed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx


async def assert_hidden_from(
    other: httpx.AsyncClient, method: str, path: str, *, leaks: Iterable[str] = (), **request: Any
) -> httpx.Response:
    response = await other.request(method, path, **request)
    assert response.status_code == 404, (
        f"{method} {path} by another user answered {response.status_code}, not 404: {response.text}"
    )
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_found"
    for value in leaks:
        assert str(value) not in response.text, f"{method} {path} leaked {value!r} to another user"
    return response


async def assert_same_as_missing(
    other: httpx.AsyncClient, method: str, path: str, missing_path: str, **request: Any
) -> None:
    theirs = await assert_hidden_from(other, method, path, **request)
    nobody = await other.request(method, missing_path, **request)
    assert nobody.status_code == theirs.status_code
    assert nobody.json()["code"] == theirs.json()["code"]
    assert nobody.json()["title"] == theirs.json()["title"]
