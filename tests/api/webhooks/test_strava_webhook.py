"""Strava's webhook end to end: the subscription is created with stravalib against the Strava fake, which
checks our callback's handshake on a real uvicorn; events are posted by the fake in Strava's shape; imports
run as jobs on the real worker, from Strava's own example activities and from a real FIT file uploaded to
Strava."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from core.database import session_scope
from core.errors import IntegrationError
from core.models import Activity, Notification, User
from tests.api.conftest import assert_problem, client_for
from tests.api.webhooks.conftest import (
    VERIFY_TOKEN,
    Serve,
    activities_of,
    count_with_strava_id,
    job,
    jobs_of,
)
from tests.fakes import FakeStrava
from tests.support.shared_data import require
from tests.tools.garmin.helpers import integration_of
from tests.tools.strava.helpers import connect_strava
from tools.activities.importer import import_fit
from tools.deps import ToolDeps
from tools.integrations.push.strava_subscription import (
    CALLBACK_PATH,
    create_subscription,
    delete_subscription,
    list_subscriptions,
)
from tools.registry import call_tool

TINY_RUN = "fitdecode/tests/files/garmin-fenix-5-run.fit"  # a real watch file, 21 records
RIDE_2018 = 154504250376823  # a Strava example activity (MountainBikeRide with streams)
WEBHOOK = "/api/v1/webhooks/strava"

AppFactory = Callable[..., FastAPI]


async def _subscribed(strava: FakeStrava, app_factory: AppFactory, serve: Serve, **overrides: Any) -> FastAPI:
    """The app served on loopback and subscribed at Strava (the fake runs the real handshake)."""
    app = app_factory(strava_webhook_verify_token=SecretStr(VERIFY_TOKEN), **overrides)
    url = await serve(app)
    settings = app.state.settings.model_copy(update={"strava_webhook_callback_url": url + WEBHOOK})
    app.state.settings = settings
    created = await create_subscription(settings)
    assert strava.subscriptions[created.id]["callback_url"] == url + WEBHOOK
    return app


async def _push(strava: FakeStrava, event: dict[str, Any]) -> dict[str, Any]:
    response = await asyncio.to_thread(strava.push_event, event)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _upload_to_strava(strava: FakeStrava, data: bytes) -> int:
    """The runner's watch file reaches Strava another way (Garmin's own Strava sync, say)."""
    elsewhere = strava.client(access_token=strava.issue_tokens()["access_token"], rate_limit_requests=False)
    uploaded = await asyncio.to_thread(
        lambda: elsewhere.upload_activity(data, data_type="fit").wait(poll_interval=0)
    )
    return int(uploaded.id)


async def _tool(user: User, name: str, args: dict[str, Any]) -> dict[str, Any]:
    async with session_scope() as session:
        deps = ToolDeps.for_user(session, await session.get_one(User, user.id))
        return (await call_tool(name, deps, args)).model_dump()


async def _stored(user: User, strava_id: int) -> Activity:
    async with session_scope() as session:
        found = await session.execute(
            select(Activity).where(Activity.user_id == user.id, Activity.strava_activity_id == strava_id)
        )
        return found.scalar_one()


# ---- the handshake and subscription management -------------------------------------------------------


async def test_handshake_echoes_the_challenge_only_for_our_verify_token(app_factory: AppFactory) -> None:
    async with client_for(app_factory(strava_webhook_verify_token=SecretStr(VERIFY_TOKEN))) as client:
        ok = await client.get(
            WEBHOOK,
            params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "15f7d1a9"},
        )
        assert ok.status_code == 200 and ok.json() == {"hub.challenge": "15f7d1a9"}
        wrong = await client.get(
            WEBHOOK,
            params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "15f7d1a9"},
        )
        assert "verify token does not match" in assert_problem(wrong, 403, "forbidden")["detail"]
        incomplete = await client.get(WEBHOOK, params={"hub.verify_token": VERIFY_TOKEN})
        assert "hub.mode=subscribe" in assert_problem(incomplete, 422, "invalid_input")["detail"]
    async with client_for(app_factory()) as off:  # no verify token configured: no webhook at all
        assert_problem(await off.get(WEBHOOK, params={"hub.mode": "subscribe"}), 404, "not_found")
        body = {"object_type": "activity", "object_id": 1, "aspect_type": "create", "owner_id": 1,
                "subscription_id": 1, "event_time": 1}  # fmt: skip
        assert "not enabled" in assert_problem(await off.post(WEBHOOK, json=body), 404)["detail"]


async def test_subscribe_list_and_unsubscribe_through_stravalib_with_the_real_handshake(
    strava: FakeStrava, app_factory: AppFactory, serve: Serve
) -> None:
    await _subscribed(strava, app_factory, serve)
    assert strava.handshakes == [200]
    (listed,) = await list_subscriptions()
    assert listed.callback_url is not None and listed.callback_url.endswith(CALLBACK_PATH)
    # Strava allows one subscription per app: a second is refused, with what to do next
    settings = app_factory(strava_webhook_verify_token=SecretStr(VERIFY_TOKEN)).state.settings
    with pytest.raises(IntegrationError, match=r"already exists.*runcoach strava subscriptions"):
        await create_subscription(
            settings.model_copy(update={"strava_webhook_callback_url": listed.callback_url})
        )
    await delete_subscription(listed.id)
    assert await list_subscriptions() == []
    sent = strava.requests_to("^/api/v3/push_subscriptions/", method="DELETE")
    assert len(sent) == 1 and "client_secret" not in sent[0].url  # the secret went in the body


async def test_subscribing_with_a_token_the_api_does_not_have_fails_at_strava(
    strava: FakeStrava, app_factory: AppFactory, serve: Serve
) -> None:
    app = app_factory(strava_webhook_verify_token=SecretStr(VERIFY_TOKEN))
    url = await serve(app)
    mine = app.state.settings.model_copy(
        update={
            "strava_webhook_callback_url": url + WEBHOOK,
            "strava_webhook_verify_token": SecretStr("other"),
        }
    )
    with pytest.raises(IntegrationError, match="handshake"):
        await create_subscription(mine)
    assert strava.handshakes == [403] and strava.subscriptions == {}


# ---- events ------------------------------------------------------------------------------------------


async def test_a_pushed_activity_is_imported_once_however_often_it_arrives_and_then_polling_skips_it(
    strava: FakeStrava, app_factory: AppFactory, serve: Serve, worker: None, user: User
) -> None:
    await connect_strava(strava, user.id)
    await _subscribed(strava, app_factory, serve)
    data = (require("fit") / TINY_RUN).read_bytes()
    strava_id = await _upload_to_strava(strava, data)

    event = strava.event("activity", strava_id, "create")
    first = await _push(strava, event)
    again = await _push(strava, event)  # Strava retried (our 200 got lost)
    assert first["status"] == again["status"] == "queued"
    assert first["job_ids"] == again["job_ids"] and len(first["job_ids"]) == 1
    done = await job(first["job_ids"][0])
    assert done.state == "succeeded", done.error
    assert ((done.result or {})["imported"], (done.result or {})["skipped"]) == (1, 0)
    stored = await _stored(user, strava_id)
    assert (stored.source, stored.external_id, stored.sport) == ("strava", str(strava_id), "running")
    assert stored.sample_count == len(strava.streams_for(strava_id)["time"]) > 0
    assert (await integration_of(user.id, "strava")).last_sync_at is None  # one push moves no poll window

    polled = await job((await _tool(user, "sync_strava", {"days": 5000}))["job_id"])
    assert polled.state == "succeeded", polled.error
    result = polled.result or {}
    assert result["skipped"] == 1 and result["imported"] == result["activities_seen"] - 1
    assert await count_with_strava_id(user.id, strava_id) == 1
    late = await _push(strava, event)  # a last retry after all that
    assert late["job_ids"] == first["job_ids"] and await count_with_strava_id(user.id, strava_id) == 1
    assert len(await jobs_of(user.id, "strava.activity")) == 1


async def test_a_push_for_an_activity_polling_already_imported_stores_nothing_new(
    strava: FakeStrava, app_factory: AppFactory, serve: Serve, worker: None, user: User
) -> None:
    await connect_strava(strava, user.id)
    await _subscribed(strava, app_factory, serve)
    polled = await job((await _tool(user, "sync_strava", {"days": 5000}))["job_id"])
    assert polled.state == "succeeded", polled.error
    before = len(await activities_of(user.id))

    pushed = await job((await _push(strava, strava.event("activity", RIDE_2018, "create")))["job_ids"][0])
    assert pushed.state == "succeeded", pushed.error
    assert ((pushed.result or {})["imported"], (pushed.result or {})["skipped"]) == (0, 1)
    assert len(await activities_of(user.id)) == before and await count_with_strava_id(user.id, RIDE_2018) == 1


async def test_the_watch_file_already_imported_is_linked_not_duplicated_and_keeps_its_own_sport(
    strava: FakeStrava, app_factory: AppFactory, serve: Serve, worker: None, user: User
) -> None:
    await connect_strava(strava, user.id)
    await _subscribed(strava, app_factory, serve)
    data = (require("fit") / TINY_RUN).read_bytes()
    async with session_scope() as session:
        from_watch = await import_fit(session, user.id, data, filename="watch.fit", name="Tempo Tuesday")
    strava_id = await _upload_to_strava(strava, data)

    pushed = await job((await _push(strava, strava.event("activity", strava_id, "create")))["job_ids"][0])
    assert ((pushed.result or {})["imported"], (pushed.result or {})["skipped"]) == (0, 1)
    (only,) = await activities_of(user.id)
    assert (
        only.id == from_watch.activity_id and only.strava_activity_id == strava_id and only.source != "strava"
    )

    renamed = await _push(
        strava, strava.event("activity", strava_id, "update", updates={"title": "Tempo", "type": "Ride"})
    )
    assert renamed["status"] == "updated"
    (only,) = await activities_of(user.id)
    assert (only.name, only.sport) == ("Tempo", "running")  # the file's sport stays; the title follows Strava

    deleted = await _push(strava, strava.event("activity", strava_id, "delete"))
    assert deleted["status"] == "recorded" and "Nothing was deleted" in deleted["detail"]
    (only,) = await activities_of(user.id)
    assert only.id == from_watch.activity_id and only.strava_activity_id is None  # unlinked, kept
    assert await _notices(user) == []  # nothing of Strava's was lost: no notice needed


async def _notices(user: User) -> list[Notification]:
    async with session_scope() as session:
        rows = await session.execute(select(Notification).where(Notification.user_id == user.id))
        return list(rows.scalars())


async def test_update_and_delete_of_an_activity_from_strava(
    strava: FakeStrava, app_factory: AppFactory, serve: Serve, worker: None, user: User
) -> None:
    await connect_strava(strava, user.id)
    await _subscribed(strava, app_factory, serve)
    done = await job((await _push(strava, strava.event("activity", RIDE_2018, "create")))["job_ids"][0])
    assert done.state == "succeeded", done.error
    ride = await _stored(user, RIDE_2018)
    assert (ride.name, ride.sport, ride.sub_sport) == ("Happy Friday", "cycling", "mountain")

    updated = await _push(
        strava,
        strava.event("activity", RIDE_2018, "update", updates={"title": "Commute home", "type": "Run"}),
    )
    assert updated["status"] == "updated" and updated["job_ids"] == []
    ride = await _stored(user, RIDE_2018)
    assert (ride.name, ride.sport, ride.sub_sport) == ("Commute home", "running", None)
    privacy = await _push(strava, strava.event("activity", RIDE_2018, "update", updates={"private": "true"}))
    assert privacy["status"] == "ignored" and "privacy is not stored" in privacy["detail"]

    for _ in range(2):  # Strava may send it again
        gone = await _push(strava, strava.event("activity", RIDE_2018, "delete"))
        assert gone["status"] == "recorded" and "Nothing was deleted" in gone["detail"]
    kept = await _stored(user, RIDE_2018)
    assert kept.id == ride.id and kept.sample_count == ride.sample_count > 0
    (notice,) = await _notices(user)
    assert notice.trigger == "strava_deleted" and notice.data == {
        "activity_id": ride.id,
        "strava_activity_id": RIDE_2018,
    }
    assert "Commute home" in notice.title and "delete it from the activity page" in notice.body


async def test_an_update_for_an_activity_not_stored_yet_imports_it(
    strava: FakeStrava, app_factory: AppFactory, serve: Serve, worker: None, user: User
) -> None:
    await connect_strava(strava, user.id)
    await _subscribed(strava, app_factory, serve)
    strava.activities[RIDE_2018]["name"] = "Renamed on Strava"
    out = await _push(
        strava, strava.event("activity", RIDE_2018, "update", updates={"title": "Renamed on Strava"})
    )
    assert out["status"] == "queued"
    assert (await job(out["job_ids"][0])).state == "succeeded"
    assert (await _stored(user, RIDE_2018)).name == "Renamed on Strava"


async def test_revoking_access_on_strava_marks_the_connection_and_keeps_the_data(
    strava: FakeStrava, app_factory: AppFactory, serve: Serve, worker: None, user: User
) -> None:
    await connect_strava(strava, user.id)
    await _subscribed(strava, app_factory, serve)
    assert (
        await job((await _push(strava, strava.event("activity", RIDE_2018, "create")))["job_ids"][0])
    ).state == ("succeeded")
    out = await _push(strava, strava.revoke_access())
    assert out["status"] == "queued"  # the event is unsigned: Strava is asked first
    assert (await job(out["job_ids"][0])).result == {"revoked": True}
    integration = await integration_of(user.id, "strava")
    assert integration.status == "needs_reauth"
    assert "removed RunCoach's access on Strava" in integration.settings["status_message"]
    status = await _tool(user, "strava_status", {})
    assert not status["connected"] and "Connect Strava again" in status["message"]
    assert await count_with_strava_id(user.id, RIDE_2018) == 1  # imported data stays
    # a create after that is not queued: the connection must be made again first
    later = await _push(strava, strava.event("activity", 96089609, "create"))
    assert later["status"] == "ignored" and "connected again" in later["detail"]


async def test_a_forged_revocation_changes_nothing_while_strava_still_accepts_the_token(
    strava: FakeStrava, app_factory: AppFactory, serve: Serve, worker: None, user: User
) -> None:
    await connect_strava(strava, user.id)
    await _subscribed(strava, app_factory, serve)
    forged = strava.event("athlete", strava.athlete_id, "update", updates={"authorized": "false"})
    out = await _push(strava, forged)  # posted by anyone who knows the URL; the tokens are still good
    assert out["status"] == "queued"
    assert (await job(out["job_ids"][0])).result == {"revoked": False}
    assert (await integration_of(user.id, "strava")).status == "connected"
    assert strava.requests_to("^/api/v3/athlete$")  # Strava was asked
    again = await _push(strava, forged)  # the same event again: the same check, not a second one
    assert again["job_ids"] == out["job_ids"]


async def test_unknown_athletes_and_other_subscriptions_are_acknowledged_and_ignored(
    strava: FakeStrava, app_factory: AppFactory, serve: Serve, user: User
) -> None:
    await connect_strava(strava, user.id)
    await _subscribed(strava, app_factory, serve)
    (ours,) = strava.subscriptions
    stranger = await _push(strava, strava.event("activity", RIDE_2018, "create", owner_id=424242))
    assert stranger["status"] == "ignored" and "No account here" in stranger["detail"]
    foreign = await _push(strava, strava.event("activity", RIDE_2018, "create", subscription_id=ours + 1))
    assert foreign["status"] == "ignored" and "another subscription" in foreign["detail"]
    again = await _push(strava, strava.event("activity", RIDE_2018, "create", subscription_id=ours + 1))
    assert again["status"] == "ignored"
    assert await jobs_of(user.id, "strava.activity") == []
    # our id was learned from Strava once (cached), not asked again on every event
    assert len(strava.requests_to("^/api/v3/push_subscriptions$", method="GET")) == 1

    # with the id pinned in the settings, Strava is not asked at all
    pinned = app_factory(strava_webhook_verify_token=SecretStr(VERIFY_TOKEN), strava_subscription_id=ours + 7)
    async with client_for(pinned) as client:
        out = await client.post(WEBHOOK, json=strava.event("activity", RIDE_2018, "create"))
        assert out.status_code == 200 and out.json()["status"] == "ignored"
    assert len(strava.requests_to("^/api/v3/push_subscriptions$", method="GET")) == 1


async def test_a_malformed_event_is_a_clear_422_and_queues_nothing(
    strava: FakeStrava, app_factory: AppFactory, user: User
) -> None:
    await connect_strava(strava, user.id)
    app = app_factory(strava_webhook_verify_token=SecretStr(VERIFY_TOKEN), strava_subscription_id=1)
    async with client_for(app) as client:
        event = strava.event("activity", RIDE_2018, "create", subscription_id=1)
        del event["owner_id"]
        bad = assert_problem(await client.post(WEBHOOK, json=event), 422, "invalid_input")
        assert any(e["field"] == "body.owner_id" for e in bad["errors"])
        assert_problem(
            await client.post(WEBHOOK, content=b"not json", headers={"content-type": "application/json"}), 422
        )
    assert await jobs_of(user.id, "strava.activity") == []


async def test_webhook_calls_are_rate_limited_per_address(app_factory: AppFactory) -> None:
    app = app_factory(strava_webhook_verify_token=SecretStr(VERIFY_TOKEN), rate_limit_webhook_ip="2/minute")
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "c"}
    async with client_for(app, ip="203.0.113.9") as client:
        assert [(await client.get(WEBHOOK, params=query)).status_code for _ in range(2)] == [200, 200]
        limited = await client.get(WEBHOOK, params=query)
        assert_problem(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1
    async with client_for(app, ip="203.0.113.10") as other:  # another address has its own budget
        assert (await other.get(WEBHOOK, params=query)).status_code == 200
