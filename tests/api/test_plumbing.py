"""Request ids, metrics, CORS, the OpenAPI document, and no secrets in logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from tests.api.conftest import PASSWORD, SignUp, client_for, login, new_email, register


async def test_request_ids(client: httpx.AsyncClient) -> None:
    kept = await client.get("/healthz", headers={"X-Request-ID": "edge-42.a_b"})
    assert kept.headers["x-request-id"] == "edge-42.a_b"
    fresh = await client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["x-request-id"])
    replaced = await client.get("/healthz", headers={"X-Request-ID": "x" * 65})
    assert replaced.headers["x-request-id"] != "x" * 65
    evil = await client.get("/healthz", headers={"X-Request-ID": "a b{}"})
    assert re.fullmatch(r"[0-9a-f]{32}", evil.headers["x-request-id"])


async def test_request_latency_histogram_uses_route_templates(
    sign_up: SignUp, client: httpx.AsyncClient
) -> None:
    account = await sign_up()
    await account.client.get("/api/v1/me")
    await account.client.delete("/api/v1/tokens/987654321")
    await client.get("/no/such/path/123")
    text = (await client.get("/metrics/")).text

    def count(route: str, method: str, status: str) -> float | None:
        labels = {"route": route, "method": method, "status": status}
        return REGISTRY.get_sample_value("runcoach_http_request_duration_seconds_count", labels)

    assert (count("/api/v1/me", "GET", "200") or 0) >= 1, [ln for ln in text.splitlines() if "_count" in ln]
    assert (count("/api/v1/tokens/{token_id}", "DELETE", "404") or 0) >= 1
    assert (count("unmatched", "GET", "404") or 0) >= 1
    assert 'route="/api/v1/tokens/{token_id}"' in text
    assert "987654321" not in text and "/no/such/path" not in text


async def test_no_cors_by_default(client: httpx.AsyncClient) -> None:
    preflight = await client.options(
        "/api/v1/me", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in preflight.headers


async def test_cors_only_for_configured_origins(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory(cors_origins=["https://app.example"])
    async with client_for(app) as c:
        ask = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-csrf-token,content-type",
        }
        allowed = await c.options("/api/v1/tokens", headers={"Origin": "https://app.example", **ask})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        refused = await c.options("/api/v1/tokens", headers={"Origin": "https://evil.example", **ask})
        assert "access-control-allow-origin" not in refused.headers
        simple = await c.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in simple.headers


def _walk_refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        refs = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return refs.union(*(_walk_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_walk_refs(v) for v in node))
    return set()


async def test_openapi_document_is_complete_and_valid(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    schemas = spec["components"]["schemas"]
    for ref in _walk_refs(spec):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    assert "HTTPValidationError" not in schemas
    op_ids = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            op_ids.append(op["operationId"])
            assert op.get("summary") and op.get("tags"), where
            # one success answer: a 2xx with a typed body (JSON, an SSE stream, a FIT file), a 204, or a
            # redirect (an SSE replay may also answer 204: nothing left to replay)
            ok = [code for code in op["responses"] if code[0] in "23"]
            assert len(ok) == 1 or (len(ok) == 2 and "204" in ok), where
            if ok[0][0] == "2" and ok[0] != "204":
                content = op["responses"][ok[0]]["content"]
                assert set(content) & {"application/json", "text/event-stream", "application/vnd.ant.fit"}, (
                    where
                )
                if "application/json" in content:
                    assert content["application/json"]["schema"], where
            for code, response in op["responses"].items():
                if int(code) >= 400 and path.startswith("/api/"):
                    assert list(response["content"]) == ["application/problem+json"], (where, code)
            if path.startswith("/api/v1/") and not path.startswith("/api/v1/auth/"):
                assert op.get("security"), f"{where} should be behind sign-in"
                assert "401" in op["responses"], where
    assert len(op_ids) == len(set(op_ids))
    assert {"personalToken", "sessionCookie"} <= set(spec["components"]["securitySchemes"])
    try:
        from openapi_spec_validator import validate
    except ImportError:
        return
    validate(spec)  # pragma: no cover - only where openapi-spec-validator is installed


async def test_no_secret_reaches_a_log_record(
    app: FastAPI, sign_up: SignUp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    account = await sign_up()
    token = (await account.client.post("/api/v1/tokens", json={"name": "t"})).json()["token"]
    new_password = "another long passphrase"
    await account.client.post(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": new_password}
    )
    async with client_for(app, headers={"Authorization": f"Bearer {token}"}) as bearer:
        await bearer.get("/api/v1/me")
        await bearer.get("/api/v1/me?token=" + token[:5])
    await login(account.client, account.email, "a wrong password guess")
    async with client_for(app) as c:
        await register(c, new_email(), "short")
        await c.post("/api/v1/auth/login", content=b'{"email": "x@y.zz", "password": "pw-in-bad-json"')
    secrets = [
        PASSWORD,
        new_password,
        "a wrong password guess",
        "pw-in-bad-json",
        token,
        token.split("_")[2],
        account.session_cookie,
        account.csrf,
    ]
    assert caplog.records, "expected access log lines"
    for record in caplog.records:
        line = record.getMessage() + " " + (caplog.handler.format(record) if record.exc_info else "")
        for secret in secrets:
            assert secret not in line, f"{record.name} logged a secret: {line[:200]}"
