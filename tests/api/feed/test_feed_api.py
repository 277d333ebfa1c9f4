"""The feed and coaching over HTTP, on real FIT files: invite → accept → read and comment → revoke, the
ETag that follows the athlete's data, and bad input answered with what to fix and nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from core.database import session_scope
from core.models import ActivityComment
from tests.api.conftest import assert_problem
from tests.api.feed.conftest import Cast, fit_file, import_files, link


async def _activities(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    body = (await client.get("/api/v1/activities", params={"limit": 50})).json()
    return list(body["items"])


async def test_invite_accept_comment_revoke(cast: Cast) -> None:
    athlete, coach = cast.athlete, cast.coach
    invited = await athlete.client.post(
        "/api/v1/coaching/coaches", json={"email": coach.email, "can_view_details": True}
    )
    assert invited.status_code == 201, invited.text
    assert (invited.json()["status"], invited.json()["coach"]) == ("pending", None)
    assert_problem(
        await coach.client.get("/api/v1/feed", params={"athlete_id": athlete.user_id}), 404, "not_found"
    )

    invitations = (await coach.client.get("/api/v1/coaching")).json()["invitations"]
    assert [i["athlete"]["id"] for i in invitations] == [athlete.user_id]
    accepted = await coach.client.post(f"/api/v1/coaching/invitations/{invitations[0]['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "active"
    mine = (await athlete.client.get("/api/v1/coaching")).json()["coaches"]
    assert [(c["status"], c["coach"]["id"]) for c in mine] == [("active", coach.user_id)]

    # the coach's feed of the athlete: their activities, newest first, as the athlete's own list has them
    feed = await coach.client.get("/api/v1/feed", params={"athlete_id": athlete.user_id})
    assert feed.status_code == 200, feed.text
    own = await _activities(athlete.client)
    assert [i["activity"]["id"] for i in feed.json()["items"]] == [a["id"] for a in own]
    item = feed.json()["items"][0]
    assert item["coach_comment"]["source"] == "computed"
    assert item["coach_comment"]["text"].startswith(f"{own[0]['distance_km']:.2f} km in ")
    assert not item["mine"] and item["athlete"]["id"] == athlete.user_id

    detail = await coach.client.get(f"/api/v1/feed/activities/{item['activity']['id']}")
    assert detail.status_code == 200 and detail.json()["detail"]["laps"]
    said = await coach.client.post(
        f"/api/v1/feed/activities/{item['activity']['id']}/comments", json={"body": "Strong finish."}
    )
    assert said.status_code == 201, said.text

    # the athlete sees it on their own feed
    theirs = (await athlete.client.get("/api/v1/feed")).json()["items"][0]
    assert [(c["author"]["id"], c["body"]) for c in theirs["comments"]] == [(coach.user_id, "Strong finish.")]

    held_etag = feed.headers["etag"]
    revoked = await athlete.client.delete(f"/api/v1/coaching/coaches/{invited.json()['id']}")
    assert revoked.status_code == 204
    gone = await coach.client.get(
        "/api/v1/feed", params={"athlete_id": athlete.user_id}, headers={"If-None-Match": held_etag}
    )
    assert_problem(gone, 404, "not_found")  # not a 304 from a tag the coach still holds
    assert_problem(
        await coach.client.get(f"/api/v1/feed/activities/{item['activity']['id']}"), 404, "not_found"
    )
    assert (await coach.client.get("/api/v1/feed", params={"athletes": True})).json()["items"] == []
    # the comment stays with the athlete
    kept = (await athlete.client.get("/api/v1/feed")).json()["items"][0]["comments"]
    assert [c["body"] for c in kept] == ["Strong finish."]


async def test_the_coachs_etag_moves_with_the_athletes_data(cast: Cast) -> None:
    await link(cast)
    url, params = "/api/v1/feed", {"athlete_id": cast.athlete.user_id}
    first = await cast.coach.client.get(url, params=params)
    etag = first.headers["etag"]
    again = await cast.coach.client.get(url, params=params, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # the athlete imports a new run: the coach's next revalidation gets it
    job = await import_files(cast.athlete, [fit_file("compressed-speed-distance.fit")])
    assert job["state"] == "succeeded", job
    fresh = await cast.coach.client.get(url, params=params, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["etag"] != etag
    assert len(fresh.json()["items"]) == len(first.json()["items"]) + 1
    # a comment by the athlete moves it too
    activity_id = fresh.json()["items"][0]["activity"]["id"]
    said = await cast.athlete.client.post(
        f"/api/v1/feed/activities/{activity_id}/comments", json={"body": "Tough one"}
    )
    assert said.status_code == 201
    after = await cast.coach.client.get(url, params=params, headers={"If-None-Match": fresh.headers["etag"]})
    assert after.status_code == 200 and after.json()["items"][0]["comments"][0]["body"] == "Tough one"


async def test_a_coach_deleting_their_comment_moves_the_athletes_etag(cast: Cast) -> None:
    """The delete names only the coach in its conditions; the comment row names the athlete too, and the
    unit of work bumps both (no write path has to remember the other side)."""
    await link(cast, can_comment=True)
    feed = await cast.athlete.client.get("/api/v1/feed")
    activity_id = feed.json()["items"][0]["activity"]["id"]
    said = await cast.coach.client.post(
        f"/api/v1/feed/activities/{activity_id}/comments", json={"body": "Great pacing"}
    )
    assert said.status_code == 201, said.text
    seen = await cast.athlete.client.get("/api/v1/feed")
    assert seen.json()["items"][0]["comments"][0]["body"] == "Great pacing"
    deleted = await cast.coach.client.delete(f"/api/v1/feed/comments/{said.json()['id']}")
    assert deleted.status_code == 204
    after = await cast.athlete.client.get("/api/v1/feed", headers={"If-None-Match": seen.headers["etag"]})
    assert after.status_code == 200 and after.json()["items"][0]["comments"] == []


async def test_pages_follow_the_cursor(cast: Cast) -> None:
    client = cast.athlete.client
    whole = (await client.get("/api/v1/feed")).json()["items"]
    first = (await client.get("/api/v1/feed", params={"limit": 1})).json()
    second = (await client.get("/api/v1/feed", params={"limit": 1, "cursor": first["next_cursor"]})).json()
    assert [i["activity"]["id"] for i in first["items"] + second["items"]] == [
        i["activity"]["id"] for i in whole
    ]
    assert second["next_cursor"] is None


async def test_bad_input_is_a_clear_422_and_stores_nothing(cast: Cast) -> None:
    await link(cast, can_comment=True)
    client = cast.coach.client
    activity_id = (await client.get("/api/v1/feed", params={"athlete_id": cast.athlete.user_id})).json()[
        "items"
    ][0]["activity"]["id"]
    problem = assert_problem(
        await client.get("/api/v1/feed", params={"cursor": "garbage!"}), 422, "invalid_input"
    )
    assert "without it" in problem["detail"]
    assert_problem(
        await client.get("/api/v1/feed", params={"athlete_id": cast.athlete.user_id, "athletes": True}),
        422,
        "invalid_input",
    )
    for body in ({"body": "   "}, {"body": ""}, {"body": "x" * 2001}, {}):
        assert_problem(
            await client.post(f"/api/v1/feed/activities/{activity_id}/comments", json=body),
            422,
            "invalid_input",
        )
    assert_problem(
        await cast.athlete.client.post("/api/v1/coaching/coaches", json={"email": "not-an-address"}),
        422,
        "invalid_input",
    )
    assert_problem(
        await cast.athlete.client.post("/api/v1/coaching/coaches", json={"email": cast.coach.email}),
        409,
        "conflict",
    )
    async with session_scope() as session:
        written = await session.scalar(
            select(func.count())
            .select_from(ActivityComment)
            .where(ActivityComment.kind == "written", ActivityComment.activity_id == activity_id)
        )
    assert written == 0


async def test_grants_are_enforced_over_http(cast: Cast) -> None:
    link_id = await link(cast, can_view_details=False, can_comment=False)
    client = cast.coach.client
    activity_id = (await client.get("/api/v1/feed", params={"athlete_id": cast.athlete.user_id})).json()[
        "items"
    ][0]["activity"]["id"]
    assert_problem(await client.get(f"/api/v1/feed/activities/{activity_id}"), 403, "forbidden")
    assert_problem(
        await client.post(f"/api/v1/feed/activities/{activity_id}/comments", json={"body": "hi"}),
        403,
        "forbidden",
    )
    patched = await cast.athlete.client.patch(
        f"/api/v1/coaching/coaches/{link_id}", json={"can_comment": True}
    )
    assert (
        patched.status_code == 200
        and patched.json()["can_comment"]
        and not patched.json()["can_view_details"]
    )
    ok = await client.post(f"/api/v1/feed/activities/{activity_id}/comments", json={"body": "hi"})
    assert ok.status_code == 201
    # the coach can stop on their side too
    assert (await client.delete(f"/api/v1/coaching/athletes/{link_id}")).status_code == 204
    assert_problem(
        await client.get("/api/v1/feed", params={"athlete_id": cast.athlete.user_id}), 404, "not_found"
    )


async def test_the_feed_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/feed", "/api/v1/coaching"):
        assert_problem(await client.get(path), 401, "unauthorized")
