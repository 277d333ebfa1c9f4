"""An OpenID Connect relying party: discovery, PKCE, the code exchange and ID-token verification.

Only what the authorization-code flow needs, written against the specs (OpenID Connect Core 1.0 §3.1,
RFC 7636 PKCE, RFC 7517/7518 JWK/JWA, RFC 7519 JWT) with `cryptography` for the signature:

- The discovery document (`<issuer>/.well-known/openid-configuration`) gives the endpoints and the JWKS URL;
  its `issuer` must equal the configured one. Documents and key sets are cached for an hour per URL; an ID
  token signed with a key id we have not seen refetches the key set once (key rotation).
- ID tokens: RS256 only (`alg: none`, HMAC or anything else is refused, so a token cannot choose a weaker
  check), signature against the issuer's key with the token's `kid`, then `iss`, `aud` (and `azp` when
  there are several audiences), `exp` and `iat` with a small clock leeway, and the `nonce` we sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import BaseModel, ValidationError

from core.errors import IntegrationError, Unauthorized

CACHE_S = 3600.0
LEEWAY_S = 60
HTTP_TIMEOUT_S = 10.0


class IdTokenInvalid(Unauthorized):
    code = "id_token_invalid"


class Discovery(BaseModel):
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str


_discovery: dict[str, tuple[float, Discovery]] = {}
_jwks: dict[str, tuple[float, dict[str, rsa.RSAPublicKey]]] = {}


def b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_pkce() -> Pkce:
    verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-], within RFC 7636's 43–128
    return Pkce(verifier, b64url(hashlib.sha256(verifier.encode()).digest()))


async def _get_json(client: httpx.AsyncClient, url: str, what: str) -> Any:
    try:
        response = await client.get(url, timeout=HTTP_TIMEOUT_S)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise IntegrationError(
            f"The sign-in provider's {what} could not be read ({url}). Try again later."
        ) from exc


async def discover(client: httpx.AsyncClient, issuer: str) -> Discovery:
    issuer = issuer.rstrip("/")
    cached = _discovery.get(issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    data = await _get_json(client, f"{issuer}/.well-known/openid-configuration", "discovery document")
    try:
        found = Discovery.model_validate(data)
    except ValidationError as exc:
        raise IntegrationError("The sign-in provider's discovery document is incomplete.") from exc
    if found.issuer.rstrip("/") != issuer:
        raise IntegrationError(f"The discovery document at {issuer} names another issuer ({found.issuer}).")
    _discovery[issuer] = (time.monotonic() + CACHE_S, found)
    return found


def authorization_url(
    discovery: Discovery, *, client_id: str, redirect_uri: str, state: str, nonce: str, pkce: Pkce, scope: str
) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "code_challenge": pkce.challenge,
        "code_challenge_method": "S256",
    }
    separator = "&" if "?" in discovery.authorization_endpoint else "?"
    return f"{discovery.authorization_endpoint}{separator}{urlencode(query)}"


async def exchange_code(
    client: httpx.AsyncClient,
    discovery: Discovery,
    *,
    code: str,
    redirect_uri: str,
    client_id: str,
    client_secret: str,
    verifier: str,
) -> str:
    """The authorization code → the ID token (client_secret_post, with the PKCE verifier)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "client_secret": client_secret,
        "code_verifier": verifier,
    }
    try:
        response = await client.post(discovery.token_endpoint, data=form, timeout=HTTP_TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise IntegrationError("The sign-in provider could not be reached. Try again later.") from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200:
        reason = body.get("error_description") or body.get("error") or f"HTTP {response.status_code}"
        raise Unauthorized(f"The sign-in provider refused the sign-in ({reason}). Start again.")
    token = body.get("id_token")
    if not isinstance(token, str):
        raise IntegrationError("The sign-in provider answered without an ID token.")
    return token


def _rsa_key(jwk: dict[str, Any]) -> rsa.RSAPublicKey | None:
    if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
        return None
    try:
        n = int.from_bytes(b64url_decode(jwk["n"]), "big")
        e = int.from_bytes(b64url_decode(jwk["e"]), "big")
        return rsa.RSAPublicNumbers(e, n).public_key()
    except (KeyError, ValueError, TypeError, binascii.Error):
        return None


async def _keys(client: httpx.AsyncClient, jwks_uri: str, *, refresh: bool) -> dict[str, rsa.RSAPublicKey]:
    cached = _jwks.get(jwks_uri)
    if cached and cached[0] > time.monotonic() and not refresh:
        return cached[1]
    data = await _get_json(client, jwks_uri, "signing keys")
    keys = {
        str(jwk.get("kid", "")): key
        for jwk in (data.get("keys") or [] if isinstance(data, dict) else [])
        if isinstance(jwk, dict) and (key := _rsa_key(jwk)) is not None
    }
    _jwks[jwks_uri] = (time.monotonic() + CACHE_S, keys)
    return keys


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    parts = token.split(".")
    if len(parts) != 3:
        raise IdTokenInvalid("The ID token is not a signed JWT.")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, binascii.Error) as exc:
        raise IdTokenInvalid("The ID token is malformed.") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise IdTokenInvalid("The ID token is malformed.")
    return header, claims, f"{parts[0]}.{parts[1]}".encode(), signature


async def verify_id_token(
    client: httpx.AsyncClient,
    discovery: Discovery,
    token: str,
    *,
    client_id: str,
    nonce: str,
    accepted_issuers: tuple[str, ...] = (),
    now: float | None = None,
) -> dict[str, Any]:
    """The token's claims, once its signature, issuer, audience, lifetime and nonce all check out."""
    header, claims, signed, signature = _segments(token)
    if header.get("alg") != "RS256":
        raise IdTokenInvalid(f"The ID token's algorithm {header.get('alg')!r} is not accepted (RS256 only).")
    kid = str(header.get("kid", ""))
    keys = await _keys(client, discovery.jwks_uri, refresh=False)
    if kid not in keys:
        keys = await _keys(client, discovery.jwks_uri, refresh=True)
    key = keys.get(kid) or (next(iter(keys.values())) if not kid and len(keys) == 1 else None)
    if key is None:
        raise IdTokenInvalid("The ID token was signed with a key the provider does not publish.")
    try:
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise IdTokenInvalid("The ID token's signature is not valid.") from exc

    if claims.get("iss") not in {discovery.issuer, *accepted_issuers}:
        raise IdTokenInvalid("The ID token was issued by someone else.")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
        raise IdTokenInvalid("The ID token was issued for another application.")
    now = time.time() if now is None else now
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or exp + LEEWAY_S <= now:
        raise IdTokenInvalid("The ID token has expired. Start the sign-in again.")
    if not isinstance(iat, int | float) or iat - LEEWAY_S > now:
        raise IdTokenInvalid("The ID token claims to be issued in the future; check the server's clock.")
    if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], nonce):
        raise IdTokenInvalid("The ID token does not belong to this sign-in (nonce mismatch). Start again.")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise IdTokenInvalid("The ID token names no subject.")
    return claims
