"""A minimal S3-compatible object store client: PUT, GET and HEAD of one object, signed with AWS Signature
Version 4 over plain httpx (boto3 is not a dependency; these three calls are all the originals need).

Works with AWS S3, MinIO, Ceph RGW, Cloudflare R2, Backblaze B2, Garage…: path-style URLs
(`{endpoint}/{bucket}/{key}`), which every S3-compatible server accepts; the payload is signed (its SHA-256
in `x-amz-content-sha256`), so a body altered on the way is refused by the server.
Signing follows the AWS SigV4 specification; `tests/tools/activities/test_originals_store.py` checks it
against the worked example in AWS's S3 documentation.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import httpx

from core.errors import NotFound, ServiceUnavailable

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def signing_key(secret_key: str, day: str, region: str, service: str = "s3") -> bytes:
    """kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")."""
    return _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), service), "aws4_request")


def canonical_request(
    method: str, path: str, query: str, headers: Mapping[str, str], payload_sha256: str
) -> tuple[str, str]:
    """(canonical request, signed header list) per SigV4: every given header is signed, names lower-case
    and sorted, values trimmed; `path` is already URI-encoded."""
    names = sorted(name.lower() for name in headers)
    values = {name.lower(): " ".join(value.strip().split()) for name, value in headers.items()}
    canonical_headers = "".join(f"{name}:{values[name]}\n" for name in names)
    signed = ";".join(names)
    return f"{method}\n{path}\n{query}\n{canonical_headers}\n{signed}\n{payload_sha256}", signed


def authorization(
    *,
    access_key: str,
    secret_key: str,
    region: str,
    amz_date: str,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    payload_sha256: str,
    service: str = "s3",
) -> str:
    """The `Authorization` header value for a request (headers must include host and x-amz-date)."""
    day = amz_date[:8]
    request, signed = canonical_request(method, path, query, headers, payload_sha256)
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = f"{ALGORITHM}\n{amz_date}\n{scope}\n{hashlib.sha256(request.encode()).hexdigest()}"
    key = signing_key(secret_key, day, region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={access_key}/{scope},SignedHeaders={signed},Signature={signature}"


@dataclass(frozen=True)
class S3Store:
    endpoint: str
    bucket: str
    region: str
    access_key: str
    secret_key: str
    prefix: str = ""
    timeout_s: float = 30.0

    def _path(self, key: str) -> str:
        base = urlsplit(self.endpoint).path.rstrip("/")
        return f"{base}/{quote(self.bucket, safe='')}/{quote(self.prefix + key, safe='/-_.~')}"

    def _request(self, method: str, key: str, body: bytes = b"") -> httpx.Response:
        parts = urlsplit(self.endpoint)
        path = self._path(key)
        payload = hashlib.sha256(body).hexdigest()
        amz_date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        headers = {"host": parts.netloc, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
        headers["authorization"] = authorization(
            access_key=self.access_key,
            secret_key=self.secret_key,
            region=self.region,
            amz_date=amz_date,
            method=method,
            path=path,
            query="",
            headers=headers,
            payload_sha256=payload,
        )
        url = f"{parts.scheme}://{parts.netloc}{path}"
        try:
            with httpx.Client(timeout=self.timeout_s) as client:
                return client.request(method, url, headers=headers, content=body)
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(
                f"The object store at {parts.netloc} did not answer ({type(exc).__name__}); check "
                "RUNCOACH_S3_ENDPOINT_URL and that the server is up.",
                details={"service": "object_store"},
            ) from exc

    def _fail(self, response: httpx.Response, what: str) -> ServiceUnavailable:
        code = ""
        if b"<Code>" in response.content:
            code = response.content.split(b"<Code>", 1)[1].split(b"</Code>", 1)[0].decode(errors="replace")
        return ServiceUnavailable(
            f"The object store refused to {what} (HTTP {response.status_code} {code}); check the bucket "
            "name, the region and the access key's permissions.",
            details={"service": "object_store", "status": response.status_code, "code": code},
        )

    def exists(self, key: str) -> bool:
        response = self._request("HEAD", key)
        if response.status_code == 404:
            return False
        if response.status_code >= 300:
            raise self._fail(response, "look up an original file")
        return True

    def put(self, key: str, data: bytes) -> None:
        response = self._request("PUT", key, data)
        if response.status_code >= 300:
            raise self._fail(response, "store an original file")

    def delete(self, key: str) -> None:
        """Remove an object; one that is already gone is fine (S3 answers 204 either way)."""
        response = self._request("DELETE", key)
        if response.status_code >= 300 and response.status_code != 404:
            raise self._fail(response, "delete an original file")

    def get(self, key: str) -> bytes:
        response = self._request("GET", key)
        if response.status_code == 404:
            raise NotFound("The original file of this activity is not in the object store.")
        if response.status_code >= 300:
            raise self._fail(response, "read an original file")
        return response.content
