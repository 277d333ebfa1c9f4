"""schemathesis over the whole OpenAPI spec, against a real api process (uvicorn on loopback, on the test
PostgreSQL and Redis) with a signed-in user: whatever the generated input, no answer is a 5xx.

The user signs in with a personal API token (bearer, so no CSRF header is needed) and has real data (an
imported run, a shoe, a race), so generated ids sometimes exist. Left out: revoking tokens (a generated
id could revoke the token this run signs in with; `tests/api/test_tokens.py` covers revocation).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation

from api.app import create_app
from core.runtime import Services, libpq_url
from tests.api.conftest import PASSWORD
from tests.support.shared_data import require

MAX_EXAMPLES = int(os.environ.get("RUNCOACH_FUZZ_EXAMPLES", "12"))
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class LiveApi:
    base_url: str
    token: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the api process exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the api process did not become ready")


def _delete_user(database_url: str, email: str) -> None:
    async def delete() -> None:
        conn = await asyncpg.connect(libpq_url(database_url))
        try:
            user_id = await conn.fetchval("SELECT id FROM users WHERE email = $1", email)
            await conn.execute("DELETE FROM activity_samples WHERE user_id = $1", user_id)
            await conn.execute("DELETE FROM users WHERE id = $1", user_id)
        finally:
            await conn.close()

    asyncio.run(delete())


def _sign_in_with_data(base_url: str, email: str) -> str:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        assert (
            client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code
            == 201
        )
        login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        token = client.post("/api/v1/tokens", json={"name": "schemathesis"}).json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        run = require("fit/fitdecode/tests/files/garmin-fenix-5-run.fit").read_bytes()
        client.post("/api/v1/gear", json={"name": "Fuzz shoe"}, headers=bearer)
        client.post(
            "/api/v1/races",
            json={"name": "Fuzz 10K", "date": "2099-05-01", "distance": "10k"},
            headers=bearer,
        )
        queued = client.post("/api/v1/activities/import", files={"files": ("run.fit", run)}, headers=bearer)
        assert queued.status_code == 202, queued.text
    return str(token)


@pytest.fixture(scope="module")
def live_api(services: Services, test_home: Path) -> Iterator[LiveApi]:
    port = _free_port()
    # not under the API tests' e-mail domain: that user is deleted after every test, this one per module
    email = f"fuzz-{uuid.uuid4().hex[:10]}@fuzz-test.example.com"
    env = {
        **os.environ,
        "DATABASE_URL": services.database_url,
        "REDIS_URL": services.redis_url,
        "RUNCOACH_HOME": str(test_home),
        "RUNCOACH_ENV": "test",
        "RUNCOACH_LOG_JSON": "false",
        "RUNCOACH_LOG_LEVEL": "WARNING",
        "RUNCOACH_LLM_PROVIDER": "offline",
        # a configured Strava app, as an operator sets it (nothing reaches Strava: no route here calls it
        # without a user's authorization code)
        "RUNCOACH_STRAVA_CLIENT_ID": "12345",
        "RUNCOACH_STRAVA_CLIENT_SECRET": "fuzz-not-a-real-secret",
    }
    for secret in (
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "TELEGRAM_BOT_TOKEN",
    ):
        env.pop(secret, None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=REPO,
        env=env,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url, process)
        yield LiveApi(base_url=base_url, token=_sign_in_with_data(base_url, email))
    finally:
        process.terminate()
        process.wait(timeout=15)
        _delete_user(services.database_url, email)


def _operations(base_url: str) -> list[APIOperation]:
    spec = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    schema = spec.exclude(method="DELETE", path_regex=r"^/api/v1/tokens/")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the spec has an operation schemathesis cannot read: {result}"
        operations.append(result.ok())
    return operations


def _tag(operation: APIOperation) -> str:
    tags = operation.definition.raw.get("tags") or ["default"]
    return str(tags[0])


def _fuzzer(operation: APIOperation, base_url: str, headers: dict[str, str]) -> Callable[[], None]:
    """A hypothesis test that sends `MAX_EXAMPLES` generated requests for one operation; a 5xx fails it."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=60)
        if response.status_code >= 500:
            raise AssertionError(
                f"{operation.method.upper()} {case.formatted_path} → {response.status_code}: "
                + response.text[:300]
            )

    return run


#: 5xx this fuzz found in other areas' routes, reported to their owners; each item still runs (a fix shows
#: as XPASS), and every other tag must be clean
KNOWN_5XX: dict[str, str] = {}  # tag → why it may still answer 5xx (none known)
TAGS = sorted(
    {
        str(op.get("tags", ["default"])[0])
        for item in create_app().openapi()["paths"].values()
        for op in item.values()
    }
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "tag",
    [
        pytest.param(tag, marks=pytest.mark.xfail(reason=KNOWN_5XX[tag], strict=False))
        if tag in KNOWN_5XX
        else tag
        for tag in TAGS
    ],
)
def test_no_input_makes_the_api_fail_with_a_5xx(
    tag: str, live_api: LiveApi, engine: object, redis: object
) -> None:
    """Every operation of the tag, `MAX_EXAMPLES` generated requests each (schemathesis' own pytest plugin
    does not run on pytest 9, so hypothesis drives its strategies here directly)."""
    headers = {"Authorization": f"Bearer {live_api.token}"}
    operations = [op for op in _operations(live_api.base_url) if _tag(op) == tag]
    assert operations, f"no operations tagged {tag}"
    failures: list[str] = []
    for operation in operations:
        try:
            _fuzzer(operation, live_api.base_url, headers)()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert not failures, "\n".join(failures)
