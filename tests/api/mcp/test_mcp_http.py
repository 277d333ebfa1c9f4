"""The MCP server over streamable HTTP, exercised by the SDK's own client against uvicorn on loopback."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from mcp.shared.exceptions import MCPError
from sqlalchemy import func, select

from api.app import create_app
from core.database import session_scope
from core.models import Activity, Integration, Race
from tests.api.conftest import PASSWORD, assert_problem, client_for, login, make_settings
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
        assert ("approval_id" in tool.input_schema.get("properties", {})) is spec.side_effect
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


@asynccontextmanager
async def browser_of(athlete: Athlete) -> AsyncIterator[httpx.AsyncClient]:
    """The athlete signed in to the web app (a cookie session), where approvals are answered."""
    async with client_for(create_app(make_settings())) as browser:
        assert (await login(browser, athlete.email, PASSWORD)).status_code == 200
        yield browser


async def approve(athlete: Athlete, approval_id: str, *, answer: str = "approve") -> httpx.Response:
    async with browser_of(athlete) as browser:
        return await browser.post(f"/api/v1/mcp/approvals/{approval_id}/{answer}")


async def approved(client: Any, athlete: Athlete, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """A data-changing call: asked, approved by the athlete in the web app, then collected."""
    asked = structured(await client.call_tool(tool, args))
    assert asked["error"] == "awaiting_approval", asked
    approval_id = asked["approval"]["approval_id"]
    assert (await approve(athlete, approval_id)).status_code == 200
    done = await client.call_tool(tool, {**args, "approval_id": approval_id})
    assert not done.is_error, done
    return structured(done)


async def add_race(client: Any, athlete: Athlete) -> int:
    created = await approved(
        client, athlete, "add_race", {"name": "Autumn marathon", "date": "2031-10-05", "distance": "marathon"}
    )
    return int(created["id"])


async def test_every_call_is_scoped_to_the_tokens_user(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    other = await make_athlete(with_run=False)
    async with connect(mcp_url, athlete.token) as client:
        race_id = await add_race(client, athlete)
    async with connect(mcp_url, other.token) as client:
        assert structured(await client.call_tool("list_activities", {}))["activities"] == []
        assert structured(await client.call_tool("list_races", {}))["races"] == []
        asked = structured(await client.call_tool("delete_race", {"race_id": race_id}))["approval"]
    # the request went to the *caller's* inbox; approving it there runs as them: someone else's race is a 404
    assert_problem(await approve(athlete, asked["approval_id"]), 404)
    assert_problem(await approve(other, asked["approval_id"]), 404, "not_found")
    assert await race_count(athlete.user_id) == 1


async def test_a_side_effect_waits_for_the_athletes_approval_in_the_web_inbox(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    """Before: the confirmation id went back to the calling agent, which could confirm by itself."""
    async with connect(mcp_url, athlete.token) as client:
        race_id = await add_race(client, athlete)
        first = await client.call_tool("delete_race", {"race_id": race_id})
        assert first.is_error
        body = structured(first)
        assert body["error"] == "awaiting_approval" and "awaiting the athlete's approval" in body["message"]
        approval = body["approval"]
        assert approval["tool"] == "delete_race" and approval["arguments"] == {"race_id": race_id}
        assert "confirmation_id" not in json.dumps(body)
        # the agent sending the id back approves nothing
        still = structured(await client.call_tool("delete_race", {"race_id": race_id, **_id(approval)}))
        assert still["error"] == "awaiting_approval"
        assert await race_count(athlete.user_id) == 1

        async with browser_of(athlete) as browser:
            inbox = (await browser.get("/api/v1/notifications", params={"unread": True})).json()
            [asking] = [n for n in inbox["notifications"] if n["trigger"] == "mcp_approval"]
            assert asking["data"]["approval_id"] == approval["approval_id"]
            assert "delete_race" in asking["title"] and str(race_id) in asking["body"]
            # the API token the asking app holds cannot answer it
            as_app = await browser.post(
                f"/api/v1/mcp/approvals/{approval['approval_id']}/approve",
                headers={"Authorization": f"Bearer {athlete.token}"},
            )
            assert_problem(as_app, 403, "forbidden")
            assert await race_count(athlete.user_id) == 1
            pressed = await browser.post(f"/api/v1/mcp/approvals/{approval['approval_id']}/approve")
            assert pressed.status_code == 200, pressed.text
            assert pressed.json()["status"] == "done"
            assert await race_count(athlete.user_id) == 0
            unread = (await browser.get("/api/v1/notifications", params={"unread": True})).json()
            assert all(n["trigger"] != "mcp_approval" for n in unread["notifications"])
            assert_problem(
                await browser.post(f"/api/v1/mcp/approvals/{approval['approval_id']}/approve"), 404
            )

        collected = await client.call_tool("delete_race", {"race_id": race_id, **_id(approval)})
        assert not collected.is_error, collected
        again = await client.call_tool("delete_race", {"race_id": race_id, **_id(approval)})
        assert structured(again)["error"] == "approval_unknown"


def _id(approval: dict[str, Any]) -> dict[str, str]:
    return {"approval_id": approval["approval_id"]}


async def test_a_denied_side_effect_never_runs(mcp_url: str, athlete: Athlete, connect: Connect) -> None:
    async with connect(mcp_url, athlete.token) as client:
        race_id = await add_race(client, athlete)
        approval = structured(await client.call_tool("delete_race", {"race_id": race_id}))["approval"]
        denied = await approve(athlete, approval["approval_id"], answer="deny")
        assert denied.status_code == 200 and denied.json()["status"] == "denied"
        assert_problem(await approve(athlete, approval["approval_id"]), 404)
        told = structured(await client.call_tool("delete_race", {"race_id": race_id, **_id(approval)}))
        assert told["error"] == "approval_denied"
    assert await race_count(athlete.user_id) == 1


async def test_an_approval_is_for_that_exact_call(mcp_url: str, athlete: Athlete, connect: Connect) -> None:
    async with connect(mcp_url, athlete.token) as client:
        keep, target = await add_race(client, athlete), await add_race(client, athlete)
        approval = structured(await client.call_tool("delete_race", {"race_id": target}))["approval"]
        assert (await approve(athlete, approval["approval_id"])).status_code == 200
        swapped = await client.call_tool("delete_race", {"race_id": keep, **_id(approval)})
        assert structured(swapped)["error"] == "approval_unknown"
        made_up = await client.call_tool("delete_race", {"race_id": target, "approval_id": "guess"})
        assert structured(made_up)["error"] == "approval_unknown"
    assert await race_count(athlete.user_id) == 1, "only the approved call ran"


async def test_two_presses_at_once_run_the_tool_once(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    async with connect(mcp_url, athlete.token) as client:
        race_id = await add_race(client, athlete)
        approval = structured(await client.call_tool("delete_race", {"race_id": race_id}))["approval"]
    async with browser_of(athlete) as browser:
        url = f"/api/v1/mcp/approvals/{approval['approval_id']}/approve"
        results = await asyncio.gather(browser.post(url), browser.post(url))
    assert sorted(r.status_code for r in results) == [200, 404]
    assert await race_count(athlete.user_id) == 0


async def test_the_request_also_goes_to_telegram_when_linked(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    async with session_scope() as session:
        session.add(
            Integration(user_id=athlete.user_id, provider="telegram", external_id="4242", status="connected")
        )
    async with connect(mcp_url, athlete.token) as client:
        await client.call_tool("delete_race", {"race_id": 1})
    async with browser_of(athlete) as browser:
        [asking] = (await browser.get("/api/v1/notifications")).json()["notifications"]
    assert {d["channel"] for d in asking["deliveries"]} == {"web", "telegram"}


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


async def test_revoking_the_apps_token_voids_what_it_asked_for(
    mcp_url: str, athlete: Athlete, connect: Connect
) -> None:
    async with connect(mcp_url, athlete.token) as client:
        race_id = await add_race(client, athlete)
        approval = structured(await client.call_tool("delete_race", {"race_id": race_id}))["approval"]
    async with session_scope() as session:
        row = await find_active_token(session, athlete.token)
        assert row is not None
        await revoke_token(session, athlete.user_id, row.id, now=dt.datetime.now(dt.UTC))
    void = assert_problem(await approve(athlete, approval["approval_id"]), 409, "conflict")
    assert "revoked" in void["detail"]
    assert await race_count(athlete.user_id) == 1
