"""The turn context: loaded through the registry tools, kept in Redis under the athlete's data version, and
loaded afresh as soon as that version changes (any committed change to what the athlete sees)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from agent.context import load_context
from core import data_versions as versions
from core.models import Race
from tests.factories import create_user
from tools.deps import ToolDeps
from tools.registry import all_tools


def _races(context: dict[str, object]) -> list[str]:
    races = context["next_race"]
    assert isinstance(races, dict)
    return [race["name"] for race in races["races"]]


async def test_the_context_is_reused_until_the_athletes_data_version_changes(
    db: AsyncSession, redis: Redis
) -> None:
    user = await create_user(db)
    deps = ToolDeps.for_user(db, user, redis=redis)
    first = await load_context(deps)
    assert _profile(first)["email"] == user.email and _races(first) == []

    # a race stored without telling the data version (no commit hook ran): the cached context is reused
    db.add(Race(user_id=user.id, name="Spring 10K", date=deps.today + timedelta(days=30), distance_m=10_000))
    await db.flush()
    assert await load_context(deps) == first

    # a committed change replaces the version (tools/account/versions.py): the next turn sees the race
    await versions.bump(redis, user.id)
    assert _races(await load_context(deps)) == ["Spring 10K"]

    # without Redis, or with the cache turned off, the context is loaded every time
    assert _races(await load_context(ToolDeps.for_user(db, user))) == ["Spring 10K"]
    db.add(
        Race(user_id=user.id, name="Autumn half", date=deps.today + timedelta(days=90), distance_m=21_097.5)
    )
    await db.flush()
    off = deps.settings.model_copy(update={"chat_context_cache_s": 0})
    uncached = ToolDeps.for_user(db, user, redis=redis, settings=off)
    assert _races(await load_context(uncached)) == ["Spring 10K", "Autumn half"]
    assert _races(await load_context(deps)) == ["Spring 10K"]  # the cached one, still


def _profile(context: dict[str, object]) -> dict[str, object]:
    profile = context["profile"]
    assert isinstance(profile, dict)
    return profile


async def test_another_day_or_another_athlete_never_shares_a_context(db: AsyncSession, redis: Redis) -> None:
    one, two = await create_user(db), await create_user(db)
    today = ToolDeps.for_user(db, one, redis=redis)
    assert _profile(await load_context(today))["email"] == one.email
    assert _profile(await load_context(ToolDeps.for_user(db, two, redis=redis)))["email"] == two.email
    next_day = today.today + timedelta(days=1)
    tomorrow = ToolDeps(session=db, user=one, today=next_day, tz=today.tz, redis=redis)
    assert _profile(await load_context(tomorrow))["today"] == next_day.isoformat()


async def test_a_context_tool_whose_statement_fails_costs_only_its_own_entry(db: AsyncSession) -> None:
    """The context tools share one savepoint; a failed statement aborts it, and the context is loaded again
    tool by tool: every other entry is there, and the turn's transaction is still usable."""
    user = await create_user(db)
    deps = ToolDeps.for_user(db, user)
    real = {spec.name: spec for spec in all_tools()}

    async def broken_zones(deps: ToolDeps, args: BaseModel) -> BaseModel:
        await deps.session.execute(text("SELECT 1 / 0"))  # division by zero: the transaction is aborted
        raise AssertionError("unreachable")

    specs = [
        dataclasses.replace(spec, fn=broken_zones) if name == "zones" else spec for name, spec in real.items()
    ]
    context = await load_context(deps, specs)
    assert "zones" not in context
    assert _profile(context)["email"] == user.email
    assert {"training_load", "readiness", "next_race", "last_7_days"} <= context.keys()
    full = await load_context(deps)  # the real tools: the same entries, and zones
    assert "zones" in full and {key: value for key, value in full.items() if key != "zones"} == context
    assert await db.scalar(text("SELECT 1")) == 1  # the session goes on
