"""The MCP server over streamable HTTP, exercised by the SDK's own client against uvicorn on loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx2
import pytest
from mcp.shared.exceptions import MCPError
from sqlalchemy import func, select

from core.database import session_scope
from core.models import Activity, Race
from tests.api.mcp.conftest import Athlete, Connect, make_athlete
from tools.account.tokens import find_active_token, revoke_token
from tools.registry import all_tools


def structured(result: Any) -> dict[str, Any]:
    assert isinstance(result.structured_content, dict), result
    return result.structured_content


async def race_count(user_id: int) -> int:
    async with session_scope() as session:
        return int(
            await session.scalar(select(func.count()).select_from(Race).where(Race.user_id == user_id)) or 0
        )


async def test_lists_every_registered_tool_with_schemas(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    async with connect(mcp_url, athlete.token) as client:
        listed = {tool.name: tool for tool in (await client.list_tools()).tools}
    specs = {spec.name: spec for spec in all_tools()}
    assert set(listed) == set(specs)
    for name, spec in specs.items():
        tool = listed[name]
        assert tool.description and tool.description.startswith(spec.description.split("\n")[0])
        assert set(spec.input_model.model_json_schema().get("properties", {})) <= set(
            tool.input_schema.get("properties", {})
        )
        assert tool.annotations is not None and tool.annotations.destructive_hint is spec.side_effect
        assert ("confirmation_id" in tool.input_schema.get("properties", {})) is spec.side_effect
        assert tool.output_schema is not None


async def test_read_tool_returns_the_callers_real_data(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    async with session_scope() as session:
        stored = await session.get(Activity, athlete.activity_id)
        assert stored is not None and stored.distance_m
    async with connect(mcp_url, athlete.token) as client:
        who = structured(await client.call_tool("whoami", {}))
        listed = await client.call_tool("list_activities", {"limit": 5})
    assert who["email"] == athlete.email
    assert not listed.is_error
    activities = structured(listed)["activities"]
    assert [a["id"] for a in activities] == [athlete.activity_id]
    assert activities[0]["sport"] == stored.sport
    assert activities[0]["distance_km"] == pytest.approx(stored.distance_m / 1000, abs=0.01)


async def test_every_call_is_scoped_to_the_tokens_user(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    other = await make_athlete(with_run=False)
    async with connect(mcp_url, athlete.token) as client:
        race = await confirmed(
            client,
            "add_race",
            {"name": "Spring 10k", "date": "2031-04-12", "distance": "10k", "priority": "A"},
        )
    async with connect(mcp_url, other.token) as client:
        assert structured(await client.call_tool("list_activities", {}))["activities"] == []
        assert structured(await client.call_tool("list_races", {}))["races"] == []
        asked = structured(await client.call_tool("delete_race", {"race_id": race["id"]}))
        denied = await client.call_tool(
            "delete_race", {"race_id": race["id"], "confirmation_id": asked["approval"]["confirmation_id"]}
        )
    assert denied.is_error and structured(denied)["error"] == "not_found"
    assert await race_count(athlete.user_id) == 1


async def confirmed(client: Any, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """A data-changing call: it first answers with an approval request, then runs with its confirmation."""
    asked = structured(await client.call_tool(tool, args))
    assert asked["error"] == "approval_required", asked
    done = await client.call_tool(tool, {**args, "confirmation_id": asked["approval"]["confirmation_id"]})
    assert not done.is_error, done
    return structured(done)


async def add_race(client: Any) -> int:
    created = await confirmed(
        client, "add_race", {"name": "Autumn marathon", "date": "2031-10-05", "distance": "marathon"}
    )
    return int(created["id"])


async def test_side_effect_refused_without_consent_then_runs_once_with_it(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    async with connect(mcp_url, athlete.token) as client:
        race_id = await add_race(client)

        first = await client.call_tool("delete_race", {"race_id": race_id})
        assert first.is_error
        body = structured(first)
        assert body["error"] == "approval_required"
        approval = body["approval"]
        assert approval["tool"] == "delete_race" and approval["arguments"] == {"race_id": race_id}
        assert await race_count(athlete.user_id) == 1  # nothing ran

        confirmed = await client.call_tool(
            "delete_race", {"race_id": race_id, "confirmation_id": approval["confirmation_id"]}
        )
        assert not confirmed.is_error, confirmed
        assert await race_count(athlete.user_id) == 0

        replay = await client.call_tool(
            "delete_race", {"race_id": race_id, "confirmation_id": approval["confirmation_id"]}
        )
        assert replay.is_error and structured(replay)["error"] == "confirmation_invalid"


async def test_consent_is_for_that_exact_call(mcp_url: str, athlete: Athlete, connect: Connect) -> None:
    async with connect(mcp_url, athlete.token) as client:
        keep, target = await add_race(client), await add_race(client)
        asked = structured(await client.call_tool("delete_race", {"race_id": target}))["approval"]
        swapped = await client.call_tool(
            "delete_race", {"race_id": keep, "confirmation_id": asked["confirmation_id"]}
        )
        assert structured(swapped)["error"] == "confirmation_invalid"
        made_up = await client.call_tool("delete_race", {"race_id": target, "confirmation_id": "guess"})
        assert structured(made_up)["error"] == "confirmation_invalid"
        # a refused id is burnt: even the call it was issued for needs a new approval
        again = await client.call_tool(
            "delete_race", {"race_id": target, "confirmation_id": asked["confirmation_id"]}
        )
        assert structured(again)["error"] == "confirmation_invalid"
    assert await race_count(athlete.user_id) == 2


async def test_two_concurrent_calls_with_one_confirmation_run_once(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    async with connect(mcp_url, athlete.token) as client:
        race_id = await add_race(client)
        asked = structured(await client.call_tool("delete_race", {"race_id": race_id}))["approval"]
        args = {"race_id": race_id, "confirmation_id": asked["confirmation_id"]}
        results = await asyncio.gather(
            client.call_tool("delete_race", args), client.call_tool("delete_race", args)
        )
    outcomes = sorted("ok" if not r.is_error else structured(r)["error"] for r in results)
    assert outcomes == ["confirmation_invalid", "ok"]
    assert await race_count(athlete.user_id) == 0


async def test_bad_arguments_and_unknown_tools_are_clear_errors(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    async with connect(mcp_url, athlete.token) as client:
        bad = await client.call_tool("add_race", {"name": "x", "date": "not a date", "distance": "10k"})
        assert bad.is_error and structured(bad)["error"] == "invalid_input"
        assert "date" in structured(bad)["message"]
        with pytest.raises(MCPError, match="no tool named"):
            await client.call_tool("drop_database", {})
    assert await race_count(athlete.user_id) == 0


@pytest.mark.parametrize("token", ["", "rc_00000000_" + "A" * 43, "not-a-token"])
async def test_a_bad_token_is_refused_before_any_tool(mcp_url: str, athlete: Athlete, token: str) -> None:
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    ping = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    async with httpx2.AsyncClient() as http:
        response = await http.post(mcp_url, json=ping, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_revoked_token_stops_working_at_once(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    async with connect(mcp_url, athlete.token) as client:
        assert not (await client.call_tool("whoami", {})).is_error
        async with session_scope() as session:
            row = await find_active_token(session, athlete.token)
            assert row is not None
            await revoke_token(session, athlete.user_id, row.id, now=dt.datetime.now(dt.UTC))
        with pytest.raises(MCPError, match="error response"):  # the transport's word for the 401
            await client.call_tool("whoami", {})


async def test_a_foreign_host_or_origin_is_refused_on_loopback(mcp_url: str, athlete: Athlete) -> None:
    """DNS rebinding: a web page on another name that resolves to 127.0.0.1 must not reach the server."""
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "Authorization": f"Bearer {athlete.token}",
    }
    ping = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    async with httpx2.AsyncClient() as http:
        host = await http.post(mcp_url, json=ping, headers={**headers, "Host": "evil.example.com"})
        origin = await http.post(
            mcp_url, json=ping, headers={**headers, "Origin": "https://evil.example.com"}
        )
    assert host.status_code == 421
    assert origin.status_code == 403
