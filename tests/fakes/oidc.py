"""A local OpenID Connect identity provider on loopback, speaking the real protocol (Google's shape).

- `GET /.well-known/openid-configuration`: the discovery document (issuer = this server's URL).
- `GET /authorize`: checks client_id, the registered redirect_uri, `response_type=code`, the `openid` scope,
  a state, a nonce and an S256 PKCE challenge, "signs in" `FakeOidc.user` (no login page) and redirects
  (302) to `redirect_uri?code=…&state=…`; with `deny=True` it redirects with `error=access_denied`.
- `POST /token`: `authorization_code` grant, client authentication (client_secret_post or _basic), the same
  redirect_uri, the PKCE verifier, each code once; answers the RFC 6749 JSON with an RS256 ID token.
- `GET /jwks`: the public signing key as a JWK set.

Knobs for tests: `user` (the claims of whoever signs in), `claim_overrides` (merged into the next ID
tokens: `{"nonce": "x"}`, `{"exp": …}`), `sign_with` (`"issuer"`, `"rogue"` — another key under the same
kid — or `"none"` for an unsigned token). Errors found while answering are kept in `errors`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ._core import FakeService, Reply, Request

CLIENT_ID = "runcoach-test.apps.example.com"
CLIENT_SECRET = "test-client-secret-not-real"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str
    user: dict[str, Any]
    used: bool = False


@dataclass
class OidcUser:
    sub: str = field(default_factory=lambda: str(secrets.randbelow(10**21)))
    email: str = "runner@example.com"
    email_verified: bool = True
    name: str = "Test Runner"

    def claims(self) -> dict[str, Any]:
        return {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
        }


class FakeOidc(FakeService):
    name = "fake-oidc"
    default_host = "127.0.0.1"

    def __init__(self, *, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris: set[str] = set()
        self.user = OidcUser()
        self.claim_overrides: dict[str, Any] = {}
        self.sign_with: Literal["issuer", "rogue", "none"] = "issuer"
        self.deny = False
        self.kid = secrets.token_hex(8)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._rogue = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._grants: dict[str, _Grant] = {}
        self.problems: list[str] = []

    @property
    def issuer(self) -> str:
        return self.base_url

    # -- protocol -----------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        if request.method == "GET" and request.path == "/.well-known/openid-configuration":
            return Reply.json(self.discovery())
        if request.method == "GET" and request.path == "/jwks":
            return Reply.json(self.jwks())
        if request.method == "GET" and request.path == "/authorize":
            return self._authorize(request)
        if request.method == "POST" and request.path == "/token":
            return self._token(request)
        return Reply.json({"error": "not_found"}, 404)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["aud", "email", "email_verified", "exp", "iat", "iss", "name", "sub"],
        }

    def jwks(self) -> dict[str, Any]:
        numbers = self._key.public_key().public_numbers()
        jwk = {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid}
        return {"keys": [{**jwk, "n": _int_b64(numbers.n), "e": _int_b64(numbers.e)}]}

    def _refuse(self, message: str, status: int = 400, error: str = "invalid_request") -> Reply:
        self.problems.append(message)
        return Reply.json({"error": error, "error_description": message}, status)

    def _authorize(self, request: Request) -> Reply:
        q = {k: v[-1] for k, v in request.query.items()}
        if q.get("client_id") != self.client_id:
            return self._refuse("unknown client_id", error="unauthorized_client")
        redirect_uri = q.get("redirect_uri", "")
        if redirect_uri not in self.redirect_uris:
            return self._refuse(f"redirect_uri {redirect_uri!r} is not registered")
        if q.get("response_type") != "code" or "openid" not in q.get("scope", "").split():
            return self._refuse("response_type must be code and scope must include openid")
        if not q.get("state") or not q.get("nonce"):
            return self._refuse("state and nonce are required")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return self._refuse("an S256 PKCE code_challenge is required")
        if self.deny:
            target = f"{redirect_uri}?{urlencode({'error': 'access_denied', 'state': q['state']})}"
            return Reply(302, b"", [("Location", target)])
        code = secrets.token_urlsafe(24)
        self._grants[code] = _Grant(
            self.client_id, redirect_uri, q["nonce"], q["code_challenge"], self.user.claims()
        )
        return Reply(
            302, b"", [("Location", f"{redirect_uri}?{urlencode({'code': code, 'state': q['state']})}")]
        )

    def _client_auth(self, request: Request, form: dict[str, str]) -> tuple[str, str]:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user, password
        return form.get("client_id", ""), form.get("client_secret", "")

    def _token(self, request: Request) -> Reply:
        form = {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}
        client_id, secret = self._client_auth(request, form)
        if client_id != self.client_id or not secrets.compare_digest(secret, self.client_secret):
            return self._refuse("client authentication failed", 401, "invalid_client")
        if form.get("grant_type") != "authorization_code":
            return self._refuse("only authorization_code", error="unsupported_grant_type")
        grant = self._grants.get(form.get("code", ""))
        if grant is None or grant.used:
            return self._refuse("unknown or used code", error="invalid_grant")
        grant.used = True
        if form.get("redirect_uri") != grant.redirect_uri:
            return self._refuse("redirect_uri differs from the authorization request", error="invalid_grant")
        verifier = form.get("code_verifier", "")
        if _b64(hashlib.sha256(verifier.encode()).digest()) != grant.challenge:
            return self._refuse("PKCE verification failed", error="invalid_grant")
        return Reply.json(
            {
                "access_token": secrets.token_urlsafe(32),
                "token_type": "Bearer",
                "expires_in": 3599,
                "scope": "openid email profile",
                "id_token": self.id_token(grant),
            },
            headers=[("Cache-Control", "no-store")],
        )

    def id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": grant.client_id,
            "azp": grant.client_id,
            "iat": now,
            "exp": now + 3600,
            "nonce": grant.nonce,
            **grant.user,
            **self.claim_overrides,
        }
        alg = "none" if self.sign_with == "none" else "RS256"
        header = _b64(json.dumps({"alg": alg, "kid": self.kid, "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims).encode())
        signing_input = f"{header}.{payload}".encode()
        if self.sign_with == "none":
            return f"{header}.{payload}."
        key = self._key if self.sign_with == "issuer" else self._rogue
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{_b64(signature)}"
