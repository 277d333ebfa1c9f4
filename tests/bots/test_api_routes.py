"""The HTTP side: link codes for the settings page, the link, notifications (list, unread, mark read),
preferences, and the webhook (secret token checked, the update handled by the same bot)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.app import create_app
from bots.telegram import app as telegram_app
from bots.telegram.app import close_webhook_application
from core import database
from core import redis as core_redis
from core.settings import Settings
from tests.api.conftest import client_for, login, register
from tests.bots.conftest import EMAIL_DOMAIN, until
from tests.fakes.telegram import FakeTelegram
from tools.notifications import store
from tools.notifications.preferences import Channel, Trigger
from tools.notifications.telegram_link import redeem_link_code

PASSWORD = "correct horse battery staple"


@asynccontextmanager
async def _closing(client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    try:
        yield client
    finally:
        await client.aclose()


def _http(settings: Settings) -> Settings:
    """No https public URL: the session cookie must not be Secure for the plain-HTTP test client."""
    return settings.model_copy(update={"public_url": None})


async def _signed_in(app: object) -> tuple[httpx.AsyncClient, int]:
    client = client_for(app)  # type: ignore[arg-type]
    email = f"api-{uuid.uuid4().hex[:8]}@{EMAIL_DOMAIN}"
    created = await register(client, email, PASSWORD)
    assert created.status_code == 201, created.text
    signed_in = await login(client, email, PASSWORD)
    assert signed_in.status_code == 200
    return client, signed_in.json()["user"]["id"]


async def test_link_code_link_and_unlink(bot_settings: Settings, redis: Redis, engine: AsyncEngine) -> None:
    app = create_app(_http(bot_settings))
    client, _ = await _signed_in(app)
    async with _closing(client):
        made = await client.post("/api/v1/telegram/link-code")
        assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
        code = made.json()["code"]
        assert len(code) == 8 and f"/start {code}" in made.json()["how"]
        assert (await client.get("/api/v1/telegram/link")).json() == {
            "linked": False,
            "chat_id": None,
            "username": None,
            "linked_at": None,
        }
        async with AsyncSession(engine) as session:
            await redeem_link_code(session, redis, code, chat_id=42, username="runner42")
            await session.commit()
        link = (await client.get("/api/v1/telegram/link")).json()
        assert link["linked"] and link["chat_id"] == "42" and link["username"] == "runner42"
        assert (await client.delete("/api/v1/telegram/link")).status_code == 204
        gone = await client.delete("/api/v1/telegram/link")
        assert gone.status_code == 404 and "No Telegram chat" in gone.json()["detail"]


async def test_notifications_and_preferences(
    bot_settings: Settings, redis: Redis, engine: AsyncEngine
) -> None:
    app = create_app(_http(bot_settings))
    client, user_id = await _signed_in(app)
    other, other_id = await _signed_in(app)
    now = datetime(2026, 10, 14, 8, 0, tzinfo=UTC)
    async with AsyncSession(engine) as session:
        ids = []
        for period in ("2026-10-13", "2026-10-14"):
            row, _ = await store.create_notification(
                session,
                user_id,
                trigger=Trigger.MORNING_READINESS,
                period_key=period,
                title=f"Morning {period}",
                body="…",
                channels=[Channel.WEB],
                now=now,
            )
            ids.append(row.id)
        theirs_row, _ = await store.create_notification(
            session,
            other_id,
            trigger=Trigger.WEEKLY_REVIEW,
            period_key="2026-W42",
            title="Theirs",
            body="…",
            channels=[Channel.WEB],
            now=now,
        )
        theirs = theirs_row.id
        await session.commit()
    async with _closing(client), _closing(other):
        listed = (await client.get("/api/v1/notifications")).json()
        assert listed["unread"] == 2 and {n["id"] for n in listed["notifications"]} == set(ids)
        assert listed["notifications"][0]["deliveries"][0]["channel"] == "web"
        marked = await client.post("/api/v1/notifications/read", json={"ids": [ids[0], theirs]})
        assert marked.json() == {"marked": 1}  # someone else's id is not touched
        unread = (await client.get("/api/v1/notifications", params={"unread": "true"})).json()
        assert [n["id"] for n in unread["notifications"]] == [ids[1]] and unread["unread"] == 1
        assert (await other.get("/api/v1/notifications")).json()["unread"] == 1

        prefs = (await client.get("/api/v1/notifications/preferences")).json()
        assert prefs["quiet_hours"] == {"start": "22:00:00", "end": "07:00:00"} and prefs["channels"] == [
            "web",
            "telegram",
        ]
        changed = await client.put(
            "/api/v1/notifications/preferences",
            json={"quiet_hours": {"start": "23:00", "end": "06:30"}, "triggers": {"gear_threshold": False}},
        )
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert body["quiet_hours"] == {"start": "23:00:00", "end": "06:30:00"}
        assert body["triggers"]["gear_threshold"] is False and body["triggers"]["after_run"] is True
        bad = await client.put("/api/v1/notifications/preferences", json={"weekly_review_day": 9})
        assert bad.status_code == 422
        assert (await client.get("/api/v1/notifications/preferences")).json() == body  # nothing changed


async def test_webhook_checks_the_secret_and_hands_the_update_to_the_bot(
    bot_settings: Settings, telegram: FakeTelegram, redis: Redis, engine: AsyncEngine
) -> None:
    settings = _http(bot_settings).model_copy(update={"telegram_webhook_secret": SecretStr("s3cret-token")})
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 99, "type": "private"},
            "from": {"id": 99, "is_bot": False, "first_name": "R"},
            "text": "hello",
        },
    }
    off = client_for(create_app(bot_settings))
    app = create_app(settings)
    client = client_for(app)
    try:
        async with off:
            assert (await off.post("/api/v1/telegram/webhook", json=update)).status_code == 404
        async with client:
            url = "/api/v1/telegram/webhook"
            assert (await client.post(url, json=update)).status_code == 403
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "nope"}
            assert (await client.post(url, json=update, headers=wrong)).status_code == 403
            right = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            assert (await client.post(url, json={"no": "update"}, headers=right)).status_code == 422
            accepted = await client.post(url, json=update, headers=right)
            assert accepted.status_code == 200 and accepted.json() == {"ok": True}
            replies = await until(lambda: telegram.bot_messages(99), what="the webhook reply")
            assert replies[0]["text"].startswith("This chat is not linked")
        assert telegram_app._webhook_app is not None
        async with app.router.lifespan_context(app):
            pass  # the app's shutdown stops the webhook's bot too
        assert telegram_app._webhook_app is None
    finally:
        await close_webhook_application()
        database.use_engine(engine)  # the lifespan closed the process's engine and Redis client
        core_redis.use_redis(redis)
