"""`runcoach mcp` over stdio: the SDK client starts the real command as a subprocess, as assistants do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mcp import Client, StdioServerParameters

from core.runtime import Services
from tests.api.mcp.conftest import HANG_S, Athlete

REPO = Path(__file__).resolve().parents[3]


def server_env(services: Services, token: str | None) -> dict[str, str]:
    env = {
        "DATABASE_URL": services.database_url,
        "REDIS_URL": services.redis_url,
        "RUNCOACH_HOME": os.environ["RUNCOACH_HOME"],
        "RUNCOACH_ENV": "test",
        "RUNCOACH_LOG_JSON": "false",
    }
    if token is not None:
        env["RUNCOACH_MCP_TOKEN"] = token
    return env


async def test_stdio_lists_and_calls_tools_as_the_tokens_user(services: Services, athlete: Athlete) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "cli", "mcp"],
        env=server_env(services, athlete.token),
        cwd=REPO,
    )
    async with Client(params, read_timeout_seconds=HANG_S) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        who = await client.call_tool("whoami", {})
        listed = await client.call_tool("list_activities", {})
        refused = await client.call_tool("delete_race", {"race_id": 1})
    assert {"whoami", "list_activities", "delete_race"} <= names
    assert isinstance(who.structured_content, dict) and who.structured_content["email"] == athlete.email
    assert isinstance(listed.structured_content, dict)
    assert [a["id"] for a in listed.structured_content["activities"]] == [athlete.activity_id]
    assert refused.is_error and isinstance(refused.structured_content, dict)
    assert refused.structured_content["error"] == "awaiting_approval"


def test_stdio_refuses_a_bad_token_with_a_message(services: Services) -> None:
    env = {**os.environ, **server_env(services, "rc_00000000_" + "B" * 43)}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "mcp"],
        env=env,
        cwd=REPO,
        input="",
        capture_output=True,
        text=True,
        timeout=HANG_S * 2,
    )
    assert done.returncode == 1
    assert "API token is not valid" in done.stderr
    assert done.stdout == ""  # nothing but protocol messages ever reaches stdout


def test_stdio_without_a_token_says_how_to_give_one(services: Services) -> None:
    env = {k: v for k, v in {**os.environ, **server_env(services, None)}.items() if k != "RUNCOACH_MCP_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "mcp"],
        env=env,
        cwd=REPO,
        input="",
        capture_output=True,
        text=True,
        timeout=HANG_S * 2,
    )
    assert done.returncode == 2
    assert "RUNCOACH_MCP_TOKEN" in done.stderr
