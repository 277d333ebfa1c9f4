"""The cross-user matrix for the feed and coaching routes: someone without a link gets a 404 that looks
exactly like an id nobody has, changes nothing, and sees none of the athlete's data."""

from __future__ import annotations

from typing import Any

from tests.api.feed.conftest import Cast, link
from tests.api.isolation import assert_same_as_missing

NOBODY = 2**31 - 1


async def test_every_feed_and_coaching_id_route_is_a_404_without_a_link(cast: Cast) -> None:
    link_id = await link(cast)
    coach = cast.coach.client
    feed = (await coach.get("/api/v1/feed", params={"athlete_id": cast.athlete.user_id})).json()["items"]
    activity = feed[0]["activity"]
    said = (
        await coach.post(
            f"/api/v1/feed/activities/{activity['id']}/comments", json={"body": "Coach's secret note"}
        )
    ).json()
    a = cast.athlete.user_id
    matrix: list[tuple[str, str, str, dict[str, Any]]] = [
        ("GET", f"/api/v1/feed?athlete_id={a}", f"/api/v1/feed?athlete_id={NOBODY}", {}),
        ("GET", f"/api/v1/feed/activities/{activity['id']}", f"/api/v1/feed/activities/{NOBODY}", {}),
        (
            "POST",
            f"/api/v1/feed/activities/{activity['id']}/comments",
            f"/api/v1/feed/activities/{NOBODY}/comments",
            {"json": {"body": "hello"}},
        ),
        ("DELETE", f"/api/v1/feed/comments/{said['id']}", f"/api/v1/feed/comments/{NOBODY}", {}),
        (
            "PATCH",
            f"/api/v1/coaching/coaches/{link_id}",
            f"/api/v1/coaching/coaches/{NOBODY}",
            {"json": {"can_comment": False}},
        ),
        ("DELETE", f"/api/v1/coaching/coaches/{link_id}", f"/api/v1/coaching/coaches/{NOBODY}", {}),
        (
            "POST",
            f"/api/v1/coaching/invitations/{link_id}/accept",
            f"/api/v1/coaching/invitations/{NOBODY}/accept",
            {},
        ),
        ("DELETE", f"/api/v1/coaching/athletes/{link_id}", f"/api/v1/coaching/athletes/{NOBODY}", {}),
    ]
    secrets = [said["body"], feed[0]["coach_comment"]["text"], cast.athlete.email]
    for outsider in (cast.stranger.client, cast.other_athlete.client):
        for method, path, missing, request in matrix:
            await assert_same_as_missing(outsider, method, path, missing, **request)
            answer = await outsider.request(method, path, **request)
            for secret in secrets:
                assert secret not in answer.text, f"{method} {path} leaked {secret!r}"
        assert (await outsider.get("/api/v1/feed", params={"athletes": True})).json()["items"] == []
        assert (await outsider.get("/api/v1/coaching")).json() == {
            "coaches": [],
            "athletes": [],
            "invitations": [],
        }

    # the athlete cannot act as the coach, nor the coach as the athlete
    await assert_same_as_missing(
        cast.athlete.client,
        "DELETE",
        f"/api/v1/coaching/athletes/{link_id}",
        f"/api/v1/coaching/athletes/{NOBODY}",
    )
    await assert_same_as_missing(
        coach, "DELETE", f"/api/v1/coaching/coaches/{link_id}", f"/api/v1/coaching/coaches/{NOBODY}"
    )
    # nothing changed: the link, the grants and the comment are all still there
    overview = (await coach.get("/api/v1/coaching")).json()
    assert [(x["id"], x["can_comment"]) for x in overview["athletes"]] == [(link_id, True)]
    again = (await coach.get(f"/api/v1/feed/activities/{activity['id']}")).json()
    assert [c["body"] for c in again["comments"]] == [said["body"]]
