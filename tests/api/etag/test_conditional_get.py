"""ETag / If-None-Match on the dashboard and list endpoints: 304, no body, until the caller's data changes."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from api.etag import make_etag, matches
from core import data_versions as versions
from core.database import session_scope
from tests.api.conftest import Account, SignUp
from tests.api.etag.conftest import fit_file, import_files

RUN = "2013-02-06-12-11-14.fit"
OTHER_RUN = "garmin-fenix-5-run.fit"

#: every endpoint that opted in (the plan endpoints answer 404 without a plan, so they are checked apart)
LISTS = [
    "/api/v1/activities",
    "/api/v1/activities?sport=running&limit=5",
    "/api/v1/training/load",
    "/api/v1/training/readiness",
    "/api/v1/gear",
    "/api/v1/races",
    "/api/v1/notifications",
]


async def revalidate(client: httpx.AsyncClient, url: str, etag: str) -> httpx.Response:
    return await client.get(url, headers={"If-None-Match": etag})


async def first(client: httpx.AsyncClient, url: str) -> tuple[httpx.Response, str]:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    etag = response.headers["etag"]
    assert etag.startswith('W/"') and response.headers["cache-control"] == "private, no-cache"
    return response, etag


@pytest.mark.parametrize("url", LISTS)
async def test_a_matching_etag_gets_304_without_a_body(sign_up: SignUp, url: str) -> None:
    account = await sign_up()
    _, etag = await first(account.client, url)
    again = await revalidate(account.client, url, etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    stale = await revalidate(account.client, url, 'W/"something-else"')
    assert stale.status_code == 200 and stale.headers["etag"] == etag


async def test_an_import_changes_the_etag(sign_up: SignUp) -> None:
    account = await sign_up()
    url = "/api/v1/activities"
    empty, etag = await first(account.client, url)
    assert empty.json()["total"] == 0
    assert (await revalidate(account.client, url, etag)).status_code == 304

    job = await import_files(account, [fit_file(RUN)])
    assert job["state"] == "succeeded", job

    after = await revalidate(account.client, url, etag)
    assert after.status_code == 200
    assert after.json()["total"] == 1
    new_etag = after.headers["etag"]
    assert new_etag != etag
    assert (await revalidate(account.client, url, new_etag)).status_code == 304
    # the load and readiness a dashboard shows changed with it
    assert (await revalidate(account.client, "/api/v1/training/load", etag)).status_code == 200


async def test_deleting_an_activity_changes_the_etag(sign_up: SignUp) -> None:
    account = await sign_up()
    await import_files(account, [fit_file(RUN)])
    listed, etag = await first(account.client, "/api/v1/activities")
    activity_id = listed.json()["items"][0]["id"]
    deleted = await account.client.delete(f"/api/v1/activities/{activity_id}")
    assert deleted.status_code in (200, 204), deleted.text
    after = await revalidate(account.client, "/api/v1/activities", etag)
    assert after.status_code == 200 and after.json()["total"] == 0


async def test_race_and_gear_writes_change_their_lists(sign_up: SignUp) -> None:
    account = await sign_up()
    _, races_tag = await first(account.client, "/api/v1/races")
    _, gear_tag = await first(account.client, "/api/v1/gear")
    added = await account.client.post(
        "/api/v1/races", json={"name": "City 10k", "date": "2031-05-01", "distance": "10k"}
    )
    assert added.status_code == 201, added.text
    races = await revalidate(account.client, "/api/v1/races", races_tag)
    assert races.status_code == 200 and [r["id"] for r in races.json()["races"]] == [added.json()["id"]]

    shoe = await account.client.post("/api/v1/gear", json={"name": "Trainer", "kind": "shoes"})
    assert shoe.status_code == 201, shoe.text
    gear = await revalidate(account.client, "/api/v1/gear", gear_tag)
    assert gear.status_code == 200 and len(gear.json()["gear"]) == 1


async def test_another_users_writes_leave_my_etag_alone(sign_up: SignUp) -> None:
    alice, bob = await sign_up(), await sign_up()
    tags = {url: (await first(alice.client, url))[1] for url in LISTS}
    await import_files(bob, [fit_file(OTHER_RUN)])
    added = await bob.client.post(
        "/api/v1/races", json={"name": "Bob's 5k", "date": "2031-06-01", "distance": "5k"}
    )
    assert added.status_code == 201, added.text
    for url, etag in tags.items():
        assert (await revalidate(alice.client, url, etag)).status_code == 304, url
    # and Bob's own tags did change
    assert (await first(bob.client, "/api/v1/races"))[1] != (await first(alice.client, "/api/v1/races"))[1]


async def test_the_same_url_has_different_tags_for_different_users(sign_up: SignUp) -> None:
    alice, bob = await sign_up(), await sign_up()
    _, alice_tag = await first(alice.client, "/api/v1/activities")
    assert (await revalidate(bob.client, "/api/v1/activities", alice_tag)).status_code == 200


def plan_request(weeks: int) -> dict[str, object]:
    race_day = dt.date.today() + dt.timedelta(weeks=weeks)
    return {"race_date": race_day.isoformat(), "distance": "half", "vdot": 45, "current_weekly_km": 30}


async def test_plan_endpoints_revalidate_after_a_plan_is_generated(sign_up: SignUp) -> None:
    account = await sign_up()
    none = await account.client.get("/api/v1/plans/current")
    assert none.status_code == 404  # no plan: a problem, never a 304
    generated = await account.client.post("/api/v1/plans/generate", json=plan_request(12))
    assert generated.status_code == 201, generated.text
    tags = {}
    start, end = dt.date.today(), dt.date.today() + dt.timedelta(weeks=4)
    for url in ("/api/v1/plans/current", f"/api/v1/plans/calendar?start={start}&end={end}"):
        _, tags[url] = await first(account.client, url)
        assert (await revalidate(account.client, url, tags[url])).status_code == 304, url
    refused = await account.client.post("/api/v1/plans/generate", json=plan_request(14))
    assert refused.status_code == 409  # an active plan is replaced only when asked to
    for url, etag in tags.items():
        assert (await revalidate(account.client, url, etag)).status_code == 304, url
    again = await account.client.post(
        "/api/v1/plans/generate", json={**plan_request(14), "replace_active": True}
    )
    assert again.status_code == 201, again.text
    for url, etag in tags.items():
        assert (await revalidate(account.client, url, etag)).status_code == 200, url


async def test_the_version_changes_only_after_the_commit(sign_up: SignUp, redis: Redis) -> None:
    account: Account = await sign_up()
    before = await versions.current(redis, account.user_id)
    async with session_scope() as session:
        await session.execute(text("SELECT 1"))
        async with session.begin_nested():  # a tool's savepoint, released: still nothing committed
            versions.changed(session, account.user_id)
        assert await versions.current(redis, account.user_id) == before  # not yet: nothing is committed
    after = await versions.current(redis, account.user_id)
    assert after != before

    with pytest.raises(RuntimeError):
        async with session_scope() as session:
            versions.changed(session, account.user_id)
            raise RuntimeError("the write failed")
    assert await versions.current(redis, account.user_id) == after  # rolled back: nothing to revalidate


async def test_a_lost_version_never_repeats_an_old_tag(sign_up: SignUp, redis: Redis) -> None:
    account = await sign_up()
    _, etag = await first(account.client, "/api/v1/races")
    await redis.delete(f"runcoach:data-version:{account.user_id}")  # e.g. Redis lost its data
    assert (await revalidate(account.client, "/api/v1/races", etag)).status_code == 200


def test_tags_depend_on_the_day_the_path_and_the_user() -> None:
    base = {"user_id": 1, "today": "2026-11-20", "target": "/api/v1/races"}
    tag = make_etag("v1", **base)  # type: ignore[arg-type]
    assert make_etag("v1", **base) == tag  # type: ignore[arg-type]
    for change in ({"today": "2026-11-21"}, {"target": "/api/v1/races?include_past=true"}, {"user_id": 2}):
        assert make_etag("v1", **{**base, **change}) != tag  # type: ignore[arg-type]
    assert make_etag("v2", **base) != tag  # type: ignore[arg-type]


def test_if_none_match_lists_and_weak_comparison() -> None:
    tag = 'W/"abc"'
    assert matches('W/"abc"', tag) and matches('"abc"', tag) and matches('W/"x", W/"abc"', tag)
    assert not matches(None, tag) and not matches("", tag) and not matches('"abcd"', tag)
    assert not matches("*", tag)
