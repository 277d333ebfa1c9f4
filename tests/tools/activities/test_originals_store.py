"""Originals in an S3-compatible bucket: SigV4 checked against AWS's own worked example, then the real
client against a loopback S3 server that verifies each request's signature from what arrived on the wire."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, ServiceUnavailable
from core.settings import Settings, get_settings
from tests.factories import create_user
from tests.support.shared_data import require
from tools.activities.importer import import_fit
from tools.activities.object_store import authorization
from tools.activities.originals import activity_original, key_for, load_original, path_for, save_original

# AWS S3 documentation, "Signature Calculations for the Authorization Header: Transferring Payload in a
# Single Chunk", example "GET Object" (the keys are AWS's published example keys, not credentials)
AWS_EXAMPLE_ACCESS = "AKIAIOSFODNN7EXAMPLE"
AWS_EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AWS_EXAMPLE_SIGNATURE = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
BUCKET = "runcoach-originals"
ACCESS, SECRET = "test-access-key", "test-secret-key-for-the-fake-s3"


def test_sigv4_reproduces_the_aws_documentation_example() -> None:
    empty = hashlib.sha256(b"").hexdigest()
    header = authorization(
        access_key=AWS_EXAMPLE_ACCESS,
        secret_key=AWS_EXAMPLE_SECRET,
        region="us-east-1",
        amz_date="20130524T000000Z",
        method="GET",
        path="/test.txt",
        query="",
        headers={
            "Host": "examplebucket.s3.amazonaws.com",
            "Range": "bytes=0-9",
            "x-amz-content-sha256": empty,
            "x-amz-date": "20130524T000000Z",
        },
        payload_sha256=empty,
    )
    assert header == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        f"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature={AWS_EXAMPLE_SIGNATURE}"
    )


class FakeS3(ThreadingHTTPServer):
    """Path-style S3 on loopback: PUT/GET/HEAD objects of one bucket, SigV4 verified, errors as S3 XML."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _S3Handler)
        self.objects: dict[str, bytes] = {}
        self.requests: list[tuple[str, str]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _S3Handler(BaseHTTPRequestHandler):
    server: FakeS3

    def log_message(self, format: str, *args: object) -> None:  # quiet
        return

    def _error(self, status: int, code: str) -> None:
        body = f"<?xml version='1.0'?><Error><Code>{code}</Code></Error>".encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _verified(self, body: bytes) -> bool:
        auth = self.headers.get("Authorization", "")
        try:
            credential = auth.split("Credential=")[1].split(",")[0]
            signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
        except IndexError:
            return False
        access, day, region, _, _ = credential.split("/")
        if access != ACCESS or self.headers["x-amz-content-sha256"] != hashlib.sha256(body).hexdigest():
            return False
        expected = authorization(
            access_key=ACCESS,
            secret_key=SECRET,
            region=region,
            amz_date=self.headers["x-amz-date"],
            method=self.command,
            path=self.path,
            query="",
            headers={name: self.headers[name] for name in signed},  # as received
            payload_sha256=self.headers["x-amz-content-sha256"],
        )
        return expected == auth and day == self.headers["x-amz-date"][:8]

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append((self.command, self.path))
        if not self._verified(body):
            return self._error(403, "SignatureDoesNotMatch")
        bucket, _, key = self.path.lstrip("/").partition("/")
        if bucket != BUCKET:
            return self._error(404, "NoSuchBucket")
        if self.command == "DELETE":  # S3 answers 204 whether or not the object existed
            self.server.objects.pop(key, None)
            self.send_response(204)
            self.end_headers()
            return
        if self.command == "PUT":
            self.server.objects[key] = body
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = self.server.objects.get(key)
        if data is None:
            return self._error(404, "NoSuchKey")
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(data)

    do_GET = do_PUT = do_HEAD = do_DELETE = _handle


@pytest.fixture
def s3() -> Iterator[FakeS3]:
    server = FakeS3()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def bucket_settings(s3: FakeS3, tmp_path: Path, **overrides: object) -> Settings:
    values = {
        "home": tmp_path,
        "s3_bucket": BUCKET,
        "s3_endpoint_url": s3.url,
        "s3_access_key_id": ACCESS,
        "s3_secret_access_key": SECRET,
        "s3_prefix": "originals/",
        **overrides,
    }
    return Settings.model_validate(values)


def test_originals_round_trip_through_the_bucket_and_are_stored_once(s3: FakeS3, tmp_path: Path) -> None:
    settings = bucket_settings(s3, tmp_path)
    data = require("fit/fitdecode/tests/files/garmin-fenix-5-run.fit").read_bytes()
    sha = save_original(data, settings)
    assert sha == hashlib.sha256(data).hexdigest()
    assert s3.objects == {f"originals/{key_for(sha)}": data}
    assert not path_for(sha, settings).exists()  # nothing on disk
    assert save_original(data, settings) == sha
    assert [m for m, _ in s3.requests] == ["HEAD", "PUT", "HEAD"]  # the second save only looks
    assert load_original(sha, settings) == data
    with pytest.raises(NotFound):
        load_original("0" * 64, settings)


def test_bucket_failures_are_clear_and_lose_nothing(s3: FakeS3, tmp_path: Path) -> None:
    data = b"not really a FIT file, but bytes to keep"
    wrong_key = bucket_settings(s3, tmp_path, s3_secret_access_key="not-the-secret")
    with pytest.raises(ServiceUnavailable, match="HTTP 403"):  # HEAD answers carry no body
        save_original(data, wrong_key)
    assert s3.objects == {}
    with pytest.raises(ServiceUnavailable, match="did not answer"):
        save_original(data, bucket_settings(s3, tmp_path, s3_endpoint_url="http://127.0.0.1:9"))
    with pytest.raises(ServiceUnavailable, match="ACCESS_KEY_ID"):
        save_original(data, bucket_settings(s3, tmp_path, s3_access_key_id=None))
    settings = bucket_settings(s3, tmp_path)
    sha = save_original(data, settings)
    s3.objects[f"originals/{key_for(sha)}"] = data + b"!"  # damaged in the bucket
    with pytest.raises(ServiceUnavailable, match="damaged"):
        load_original(sha, settings)


def test_files_kept_on_disk_before_the_bucket_are_still_found(s3: FakeS3, tmp_path: Path) -> None:
    data = b"an original imported before the bucket was configured"
    on_disk = Settings.model_validate({"home": tmp_path})
    sha = save_original(data, on_disk)
    assert load_original(sha, bucket_settings(s3, tmp_path)) == data
    assert s3.requests == []


async def test_an_import_keeps_its_original_in_the_bucket(
    db: AsyncSession, s3: FakeS3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "RUNCOACH_S3_BUCKET": BUCKET,
        "RUNCOACH_S3_ENDPOINT_URL": s3.url,
        "RUNCOACH_S3_ACCESS_KEY_ID": ACCESS,
        "RUNCOACH_S3_SECRET_ACCESS_KEY": SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        user = await create_user(db)
        data = require("fit/fitdecode/tests/files/garmin-fenix-5-run.fit").read_bytes()
        result = await import_fit(db, user.id, data, filename="run.fit")
        assert result.activity_id is not None
        sha = hashlib.sha256(data).hexdigest()
        assert s3.objects[f"originals/{key_for(sha)}"] == data
        original = await activity_original(db, user.id, result.activity_id)
        assert original.data == data and original.filename.endswith(f"_running_{result.activity_id}.fit")
        stranger = await create_user(db)
        with pytest.raises(NotFound):
            await activity_original(db, stranger.id, result.activity_id)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
