"""Machinery shared by the loopback fakes of external services.

`LoopbackServer` is a threaded HTTP/1.1 server bound to 127.0.0.1 on a free port. It is at the same time an
HTTPS-intercepting CONNECT proxy for a fixed list of hostnames: a client configured to use it as its proxy
(`https_proxy`, or `requests.Session.proxies`) opens `CONNECT sso.garmin.com:443`, the server answers
`200 Connection established`, then terminates TLS itself with a certificate for that hostname signed by a
throwaway CA created for this server (`ThrowawayCA`). The client verifies that certificate against the CA
bundle it was given, exactly as it verifies the real service, and then speaks plain HTTP/1.1 inside the
tunnel. The client library therefore runs its real code path: real URLs and hostnames, real TLS with
certificate verification, real HTTP framing. CONNECT to any hostname not served is refused (403) and logged,
so nothing leaks to the internet.

Requests that are not tunnelled (`GET /path` straight to `http://127.0.0.1:<port>`) are served as the
fake's default host, which is convenient for our own code that takes a base URL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.parser
import email.policy
import ipaddress
import json
import re
import shutil
import socket
import ssl
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOOPBACK = "127.0.0.1"


# ----------------------------------------------------------------------------------------------------
# Requests and replies
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilePart:
    """One part of a multipart/form-data body."""

    name: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Request:
    """One request as the fake received it (also the entry type of the request log)."""

    method: str
    host: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased; a repeated header keeps its last value
    body: bytes
    tls: bool
    # Filled in once the request has been answered.
    status: int = 0
    source: str = ""

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        query = urlencode([(k, v) for k, vs in self.query.items() for v in vs])
        return f"{scheme}://{self.host}{self.path}" + (f"?{query}" if query else "")

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First value of query parameter `name`."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        """An application/x-www-form-urlencoded body (first value of each field)."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}

    def multipart(self) -> dict[str, FilePart]:
        """A multipart/form-data body, by field name."""
        content_type = self.header("content-type", "")
        if not content_type.startswith("multipart/"):
            return {}
        raw = b"Content-Type: " + content_type.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + self.body
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        parts: dict[str, FilePart] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            filename = part.get_filename()
            payload = part.get_payload(decode=True)
            parts[name] = FilePart(
                name=name,
                filename=filename,
                content_type=part.get_content_type(),
                data=payload if isinstance(payload, bytes) else b"",
            )
        return parts

    def cookie(self, name: str) -> str | None:
        jar = SimpleCookie()
        jar.load(self.header("cookie", "") or "")
        morsel = jar.get(name)
        return morsel.value if morsel else None


@dataclass
class Reply:
    """What the fake sends back; `source` says where the body came from (recorded:<cassette>, …)."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    source: str = "synthesized"

    @classmethod
    def json(
        cls,
        payload: Any,
        status: int = 200,
        *,
        headers: Iterable[tuple[str, str]] = (),
        source: str = "synthesized",
        content_type: str = "application/json;charset=UTF-8",
    ) -> Reply:
        body = json.dumps(payload).encode()
        return cls(status, body, [("Content-Type", content_type), *headers], source)

    @classmethod
    def text(
        cls,
        text: str,
        status: int = 200,
        *,
        content_type: str = "text/plain;charset=utf-8",
        headers: Iterable[tuple[str, str]] = (),
        source: str = "synthesized",
    ) -> Reply:
        return cls(status, text.encode(), [("Content-Type", content_type), *headers], source)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


# ----------------------------------------------------------------------------------------------------
# Fault injection
# ----------------------------------------------------------------------------------------------------


@dataclass
class Fault:
    """An error answer the fake gives instead of the normal one, `times` times (None: until removed).

    `path` is a regular expression searched in the request path (anchor it with ^…$ to be exact), `host` a
    substring of the hostname, `method` an HTTP method; unset criteria match everything.
    """

    status: int
    path: str = ".*"
    method: str | None = None
    host: str | None = None
    times: int | None = 1
    retry_after: int | None = None
    body: Any = None  # bytes, str or a JSON-able value; None: the service's usual error body for `status`
    headers: dict[str, str] = field(default_factory=dict)
    hits: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def matches(self, request: Request) -> bool:
        if self.exhausted:
            return False
        if self.method and self.method.upper() != request.method:
            return False
        if self.host and self.host.lower() not in request.host:
            return False
        return re.search(self.path, request.path) is not None


class FaultInjector:
    """Thread-safe list of pending faults; the first matching one fires."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        status: int,
        path: str = ".*",
        *,
        method: str | None = None,
        host: str | None = None,
        times: int | None = 1,
        retry_after: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        fault = Fault(status, path, method, host, times, retry_after, body, dict(headers or {}))
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, request: Request) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    fault.hits += 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __iter__(self) -> Iterator[Fault]:
        with self._lock:
            return iter(list(self._faults))


# ----------------------------------------------------------------------------------------------------
# Certificates
# ----------------------------------------------------------------------------------------------------


class ThrowawayCA:
    """A CA created for one fake server, and one server certificate for all the hostnames it serves.

    Keys are EC P-256 (generation takes a millisecond). The certificates carry the extensions strict
    verifiers want (key usage, SKI/AKI, EKU serverAuth), so they also pass Python 3.13's VERIFY_X509_STRICT.
    """

    def __init__(self, directory: Path, hostnames: Iterable[str], common_name: str) -> None:
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        names = sorted(set(hostnames))
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf_cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca_name)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=True,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        self.ca_path = directory / "ca.pem"
        self.ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        cert_path = directory / "server.pem"
        key_path = directory / "server.key"
        cert_path.write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            leaf_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        self.server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_context.load_cert_chain(cert_path, key_path)
        # HTTP/1.1 only: curl_cffi's browser impersonation offers h2 and falls back cleanly.
        self.server_context.set_alpn_protocols(["http/1.1"])


# ----------------------------------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------------------------------


class _SocketWriter:
    """`wfile` for a TLS socket: every write goes out whole (like socketserver's private _SocketWriter)."""

    closed = False

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def write(self, data: bytes) -> int:
        self._sock.sendall(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: LoopbackServer

    def __init__(self, owner: LoopbackServer) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.threads: list[threading.Thread] = []
        self.track_lock = threading.Lock()
        super().__init__((LOOPBACK, 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{self.owner.name}-conn",
            daemon=True,
        )
        with self.track_lock:
            self.threads = [t for t in self.threads if t.is_alive()]
            self.threads.append(thread)
        thread.start()

    def track(self, sock: socket.socket, *, add: bool) -> None:
        with self.track_lock:
            if add:
                self.connections.add(sock)
            else:
                self.connections.discard(sock)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request is not an error of the fake.
        self.owner.note_connection_error(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection ends after this
    server: _Server
    _tunnel_host: str | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.track(self.connection, add=False)
            if isinstance(self.connection, ssl.SSLSocket):
                with contextlib.suppress(OSError):
                    self.connection.close()

    # -- CONNECT: become the TLS endpoint of the tunnel ---------------------------------------------

    def do_CONNECT(self) -> None:
        owner = self.server.owner
        host = self.path.rsplit(":", 1)[0].strip("[]").lower()
        if host not in owner.intercept_hosts or owner.ca is None:
            owner.refused.append(f"CONNECT {self.path}")
            self.send_error(HTTPStatus.FORBIDDEN, f"{owner.name} does not serve {host}")
            self.close_connection = True
            return
        self.send_response(HTTPStatus.OK, "Connection established")
        self.end_headers()
        plain = self.connection
        try:
            tls = owner.ca.server_context.wrap_socket(plain, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            # E.g. the client does not trust the throwaway CA: it aborts the handshake. Not a fake error.
            owner.tls_failures.append(f"{host}: {exc}")
            self.close_connection = True
            return
        self.server.track(plain, add=False)
        self.server.track(tls, add=True)
        self.connection = tls
        self.rfile = tls.makefile("rb", self.rbufsize)
        self.wfile = _SocketWriter(tls)
        self._tunnel_host = host
        self.close_connection = False  # keep serving requests inside the tunnel

    # -- everything else ----------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        owner = self.server.owner
        body = self._read_body()
        target = self.path
        if target.startswith(("http://", "https://")):  # absolute-form: plain-HTTP proxying
            parts = urlsplit(target)
            host = (parts.hostname or "").lower()
            if host not in owner.intercept_hosts:
                owner.refused.append(f"{self.command} {target}")
                self.send_error(HTTPStatus.FORBIDDEN, f"{owner.name} does not serve {host}")
                return
        else:
            parts = urlsplit(target)
            host = self._tunnel_host or (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
            if host in ("", LOOPBACK, "localhost") or host not in owner.intercept_hosts:
                host = owner.default_host
        request = Request(
            method=self.command,
            host=host,
            path=parts.path or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            tls=self._tunnel_host is not None,
        )
        try:
            reply = owner.dispatch(request)
        except Exception:
            text = traceback.format_exc()
            owner.errors.append(f"{request.method} {request.url}\n{text}")
            reply = Reply.text(text, 500, source="fake-error")
        request.status = reply.status
        request.source = reply.source
        self._write(reply)

    def _write(self, reply: Reply) -> None:
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = ""
        self.send_response(reply.status, phrase)
        for key, value in reply.headers:
            self.send_header(key, value)
        no_body = reply.status in (204, 304) or 100 <= reply.status < 200
        if not no_body:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if not no_body and self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve


class LoopbackServer:
    """A `_Server` on a free loopback port, running in a background thread."""

    def __init__(
        self,
        dispatch: Callable[[Request], Reply],
        *,
        name: str,
        default_host: str,
        intercept_hosts: Iterable[str] = (),
    ) -> None:
        self.dispatch = dispatch
        self.name = name
        self.default_host = default_host
        self.intercept_hosts = frozenset(h.lower() for h in intercept_hosts) | {default_host}
        self.ca: ThrowawayCA | None = None
        self.refused: list[str] = []
        self.tls_failures: list[str] = []
        self.errors: list[str] = []
        self.connection_errors: list[str] = []
        self._tmp: Path | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def note_connection_error(self, text: str) -> None:
        self.connection_errors.append(text)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{self.name} is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def ca_bundle(self) -> str:
        if self.ca is None:
            raise RuntimeError(f"{self.name} is not running")
        return str(self.ca.ca_path)

    def start(self) -> None:
        if self._server is not None:
            return
        self._tmp = Path(tempfile.mkdtemp(prefix=f"{self.name}-"))
        self.ca = ThrowawayCA(self._tmp, self.intercept_hosts, f"{self.name} throwaway test CA")
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with server.track_lock:
            connections = list(server.connections)
            threads = list(server.threads)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        for thread in threads:
            thread.join(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)


class FakeService:
    """Base of the fakes: lifecycle, request log, fault injection. Subclasses implement `handle`."""

    name = "fake"
    default_host = "localhost"
    intercept_hosts: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.faults = FaultInjector()
        self.request_log: list[Request] = []
        self._lock = threading.RLock()
        self._server = LoopbackServer(
            self._dispatch,
            name=self.name,
            default_host=self.default_host,
            intercept_hosts=self.intercept_hosts,
        )

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> FakeService:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> Any:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def base_url(self) -> str:
        """Plain-HTTP loopback URL; requests sent straight to it are served as `default_host`."""
        return self._server.url

    @property
    def proxy_url(self) -> str:
        """Give this to a client as its HTTP(S) proxy: it reaches the real hostnames, served by the fake."""
        return self._server.url

    @property
    def ca_bundle(self) -> str:
        """PEM file of the throwaway CA that signed the fake's certificate."""
        return self._server.ca_bundle

    # -- diagnostics --------------------------------------------------------------------------------

    @property
    def errors(self) -> list[str]:
        """Tracebacks of exceptions raised by the fake itself while answering (should stay empty)."""
        return list(self._server.errors)

    @property
    def refused(self) -> list[str]:
        """Requests for hostnames this fake does not serve (they were answered 403, never forwarded)."""
        return list(self._server.refused)

    @property
    def tls_failures(self) -> list[str]:
        return list(self._server.tls_failures)

    def requests_to(
        self, path: str = ".*", *, method: str | None = None, host: str | None = None
    ) -> list[Request]:
        """Logged requests whose path matches the regex `path` (searched), optionally by method and host."""
        with self._lock:
            return [
                r
                for r in self.request_log
                if re.search(path, r.path)
                and (method is None or r.method == method.upper())
                and (host is None or host in r.host)
            ]

    def clear_log(self) -> None:
        with self._lock:
            self.request_log.clear()

    # -- faults -------------------------------------------------------------------------------------

    def inject(
        self,
        status: int,
        path: str = ".*",
        *,
        method: str | None = None,
        host: str | None = None,
        times: int | None = 1,
        retry_after: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Answer the next `times` matching requests with `status` (see `Fault`)."""
        return self.faults.add(
            status,
            path,
            method=method,
            host=host,
            times=times,
            retry_after=retry_after,
            body=body,
            headers=headers,
        )

    def fault_reply(self, fault: Fault, request: Request) -> Reply:
        if fault.body is None:
            reply = self.default_error(fault.status, request)
        elif isinstance(fault.body, bytes):
            reply = Reply(fault.status, fault.body, [("Content-Type", "application/octet-stream")])
        elif isinstance(fault.body, str):
            reply = Reply.text(fault.body, fault.status)
        else:
            reply = Reply.json(fault.body, fault.status)
        if fault.retry_after is not None:
            reply.headers.append(("Retry-After", str(fault.retry_after)))
        reply.headers.extend(fault.headers.items())
        reply.source = f"fault:{fault.status}"
        return reply

    def default_error(self, status: int, request: Request) -> Reply:
        return Reply.json({"message": HTTPStatus(status).phrase}, status)

    # -- dispatch -----------------------------------------------------------------------------------

    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.request_log.append(request)
            fault = self.faults.take(request)
            reply = self.fault_reply(fault, request) if fault is not None else self.handle(request)
            return self.finalize(request, reply)

    def finalize(self, request: Request, reply: Reply) -> Reply:
        """Hook run on every reply, faults included (e.g. rate-limit headers)."""
        return reply

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError
