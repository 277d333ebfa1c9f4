"""Every response carries the security headers: no MIME sniffing, no framing, a referrer policy, a content
policy that keeps the web app to its own origin (the API docs page only loses framing), HSTS over https."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from api.middleware import CONTENT_SECURITY_POLICY


async def _get(app: FastAPI, url: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.get(url)


async def test_every_response_is_sent_with_the_security_headers(app: FastAPI) -> None:
    for path in ("/healthz", "/api/v1/activities", "/no-such-page"):  # ok, 401, a problem: all of them
        response = await _get(app, f"http://runcoach.test{path}")
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert (
            "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
            and "script-src 'self'" in CONTENT_SECURITY_POLICY
        )
        assert "strict-transport-security" not in response.headers, "HSTS only over https"
    docs = await _get(app, "http://runcoach.test/api/docs")
    assert docs.headers["content-security-policy"] == "frame-ancestors 'none'"  # Swagger UI comes from a CDN
    secure = await _get(app, "https://runcoach.test/healthz")
    assert secure.headers["strict-transport-security"].startswith("max-age=31536000")
