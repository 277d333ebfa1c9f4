"""`runcoach strava subscribe|subscriptions|unsubscribe` as an operator runs it: a real process whose
stravalib reaches the Strava fake through the standard proxy variables, while the api (a real uvicorn here)
answers Strava's handshake."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from pydantic import SecretStr

from tests.api.webhooks.conftest import HANG_S, VERIFY_TOKEN, Serve
from tests.fakes import FakeStrava

REPO = Path(__file__).resolve().parents[3]


async def _runcoach(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli",
        *args,
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), HANG_S)
    return int(process.returncode or 0), out.decode(), err.decode()


async def test_subscribe_list_and_unsubscribe_from_the_command_line(
    strava: FakeStrava, app_factory: Callable[..., FastAPI], serve: Serve, tmp_path: Path
) -> None:
    url = await serve(app_factory(strava_webhook_verify_token=SecretStr(VERIFY_TOKEN)))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNCOACH_", "STRAVA_"))}
    env.update(
        RUNCOACH_HOME=str(tmp_path),
        RUNCOACH_LOG_JSON="false",
        RUNCOACH_STRAVA_CLIENT_ID=str(strava.client_id),
        RUNCOACH_STRAVA_CLIENT_SECRET=strava.client_secret,
        RUNCOACH_STRAVA_WEBHOOK_VERIFY_TOKEN=VERIFY_TOKEN,
        RUNCOACH_STRAVA_WEBHOOK_CALLBACK_URL=f"{url}/api/v1/webhooks/strava",
        HTTPS_PROXY=strava.proxy_url,
        REQUESTS_CA_BUNDLE=strava.ca_bundle,
        NO_PROXY="",
    )
    code, out, err = await _runcoach(env, "strava", "subscriptions")
    assert code == 0 and "No Strava push subscription" in out, err

    code, out, err = await _runcoach(env, "strava", "subscribe")
    assert code == 0, err
    (sub_id,) = strava.subscriptions
    assert (
        out.strip()
        == f"Subscribed: Strava sends events of subscription {sub_id} to {url}/api/v1/webhooks/strava"
    )
    assert strava.handshakes == [200]  # Strava checked our callback before it answered

    code, out, err = await _runcoach(env, "strava", "subscribe")
    assert code == 1 and "already exists" in err and "runcoach strava subscriptions" in err

    code, out, _ = await _runcoach(env, "strava", "subscriptions")
    assert code == 0 and out.startswith(f"{sub_id}  {url}/api/v1/webhooks/strava  (since ")

    code, out, err = await _runcoach(env, "strava", "unsubscribe")
    assert (code, out.strip()) == (0, f"Deleted Strava push subscription {sub_id}."), err
    assert strava.subscriptions == {}
