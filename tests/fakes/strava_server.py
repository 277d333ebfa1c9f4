"""A local fake of the Strava API v3, built from `shared/data/strava/` (Strava's swagger and examples).

How the real client reaches it
------------------------------
stravalib 2.6 builds every URL as `https://{ApiV3.server}` + path, with `server = "www.strava.com"`, and does
all HTTP through one `requests.Session` that `Client(requests_session=...)` accepts. The fake is reached by
handing stravalib a session whose `proxies` point at the fake and whose `verify` is the fake's throwaway CA:

    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE in the env override `verify`
    session.proxies = {"https": fake.proxy_url, "http": fake.proxy_url}
    session.verify = fake.ca_bundle
    client = stravalib.Client(requests_session=session)          # == fake.client()

stravalib then sends exactly its production requests (`https://www.strava.com/oauth/token`,
`https://www.strava.com/api/v3/athlete`, …) with TLS verification; the fake terminates TLS for
www.strava.com (see `_core.py`). No environment variable and no library attribute is changed.

What is served from the spec/examples and what is synthesized
--------------------------------------------------------------
No recorded Strava sessions exist. Served from examples: the athlete (the swagger example of
`GET /athlete`), the activities (`activity.3.json`, `activity-manual.3.json`, the swagger examples of
`GET /activities/{id}` and `GET /athlete/activities`; their `athlete.id` is set to the fake athlete's),
the zones and every other swagger operation that has an example (served as-is for GET). Synthesized by
the fake: OAuth (authorize redirect, code exchange, rotating refresh), bearer/scope checks, paging and
`before`/`after` filters, streams (computed from each activity's own totals and polyline, or decoded from
the uploaded FIT file), uploads and their processing states, duplicate detection, rate-limit headers and
429s. Error bodies use Strava's `Fault` shape ({"message": …, "errors": [{"resource", "field", "code"}]}).

Push subscriptions (webhooks), synthesized from Strava's webhook documentation: `POST/GET/DELETE
/api/v3/push_subscriptions` authenticated with the app's client id and secret (one subscription per app);
creating one first calls the callback's GET handshake (`hub.mode`, `hub.challenge`, `hub.verify_token`) and
refuses unless it answers 200 with the challenge echoed, as Strava does. `push_event()` then posts events to
the callback in Strava's shape; `revoke_access()` is the athlete removing the app (tokens dead + the
`authorized: "false"` athlete event).

JSON answers of the main endpoints are validated against stravalib's models (`stravalib.model`, else the
pydantic `strava_model` generated from the same swagger); failures are listed in `schema_errors`.
"""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import hashlib
import io
import json
import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.support.secret_audit import audit_secret

from ._core import FakeService, Reply, Request

STRAVA_HOSTS = ("www.strava.com", "strava.com")
STREAM_TYPES = (
    "time",
    "distance",
    "latlng",
    "altitude",
    "velocity_smooth",
    "heartrate",
    "cadence",
    "watts",
    "temp",
    "moving",
    "grade_smooth",
)
PROCESSING = "Your activity is still being processed."
READY = "Your activity is ready."
ERRORED = "There was an error processing your activity."
DELETED = "The created activity has been deleted."
FIT_SPORTS = {
    "running": ("Run", "Run"),
    "cycling": ("Ride", "Ride"),
    "swimming": ("Swim", "Swim"),
    "walking": ("Walk", "Walk"),
    "hiking": ("Hike", "Hike"),
    "rowing": ("Rowing", "Rowing"),
    "training": ("Workout", "Workout"),
    "fitness_equipment": ("Workout", "Workout"),
}
SUMMARY_ONLY_DROP = (
    "description",
    "calories",
    "segment_efforts",
    "splits_metric",
    "splits_standard",
    "laps",
    "best_efforts",
    "photos",
    "gear",
    "embed_token",
    "similar_activities",
    "highlighted_kudosers",
    "device_name",
    "partner_brand_tag",
    "hide_from_home",
    "leaderboard_opt_out",
    "segment_leaderboard_opt_out",
    "available_zones",
)


def _shared(name: str) -> Path:
    from tests.support.shared_data import require

    return require(name)


def fault_body(message: str, resource: str, field: str, code: str) -> dict[str, Any]:
    return {"message": message, "errors": [{"resource": resource, "field": field, "code": code}]}


def iso(ts: dt.datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


# ----------------------------------------------------------------------------------------------------
# Google encoded polylines (Strava's map format)
# ----------------------------------------------------------------------------------------------------


def decode_polyline(text: str) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    index = lat = lng = 0
    while index < len(text):
        deltas = []
        for _ in range(2):
            shift = result = 0
            while True:
                byte = ord(text[index]) - 63
                index += 1
                result |= (byte & 0x1F) << shift
                shift += 5
                if byte < 0x20:
                    break
            deltas.append(~(result >> 1) if result & 1 else result >> 1)
        lat += deltas[0]
        lng += deltas[1]
        points.append((lat / 1e5, lng / 1e5))
    return points


def encode_polyline(points: list[tuple[float, float]]) -> str:
    out: list[str] = []
    prev = (0, 0)
    for lat, lng in points:
        cur = (round(lat * 1e5), round(lng * 1e5))
        for delta in (cur[0] - prev[0], cur[1] - prev[1]):
            value = ~(delta << 1) if delta < 0 else delta << 1
            while value >= 0x20:
                out.append(chr((0x20 | (value & 0x1F)) + 63))
                value >>= 5
            out.append(chr(value + 63))
        prev = cur
    return "".join(out)


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


# ----------------------------------------------------------------------------------------------------
# The fake
# ----------------------------------------------------------------------------------------------------


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[[Request, re.Match[str]], Reply]
    scopes: tuple[str, ...]  # any one of them grants access
    model: str | None  # strava_model class validating a 2xx answer ("[X]" for a list of X)


class FakeStrava(FakeService):
    """Strava API v3 and OAuth on a loopback port (a context manager); `client()` gives a stravalib Client."""

    name = "fake-strava"
    default_host = "www.strava.com"
    intercept_hosts = STRAVA_HOSTS

    def __init__(
        self,
        *,
        client_id: int = 12345,
        client_secret: str = "fake-client-secret",
        access_token_ttl: int = 6 * 3600,
        rotate_refresh_tokens: bool = True,
        approve_authorization: bool = True,
        processing_polls: int = 1,  # GET /uploads/{id} polls that still answer "processing"
        duplicate_style: str = "html",  # html: "duplicate of <a href='…/activities/N'…" ; text: "activity N"
        rate_limits: tuple[int, int] = (200, 2000),
        read_rate_limits: tuple[int, int] = (100, 1000),
        strava_dir: Path | None = None,
        validate: bool = True,
    ) -> None:
        super().__init__()
        if duplicate_style not in ("html", "text"):
            raise ValueError("duplicate_style is 'html' or 'text'")
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_token_ttl = access_token_ttl
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.approve_authorization = approve_authorization
        self.processing_polls = processing_polls
        self.duplicate_style = duplicate_style
        self.rate_limits = rate_limits
        self.read_rate_limits = read_rate_limits
        self.usage = [0, 0]  # 15-minute, daily (all API requests)
        self.read_usage = [0, 0]  # 15-minute, daily (GET requests)
        self.validate = validate
        self.schema_errors: list[str] = []
        self.unmatched: list[Request] = []

        self.strava_dir = Path(strava_dir) if strava_dir else _shared("strava")
        self.swagger = json.loads((self.strava_dir / "strava_swagger.json").read_text())
        # The swagger's example athlete: athlete.3.json (2013) fails stravalib's own DetailedAthlete model
        # (`agreed_to_terms` is a bool there, a string in the model).
        self.athlete: dict[str, Any] = self._example("/athlete", "get")
        self.athlete_id: int = self.athlete["id"]

        # Activities: detailed representations by id.
        self.activities: dict[int, dict[str, Any]] = {}
        self.activity_sources: dict[int, str] = {}
        for name in ("activity.3.json", "activity-manual.3.json"):
            self._seed(json.loads((self.strava_dir / name).read_text()), name)
        self._seed(self._example("/activities/{id}", "get"), "swagger:getActivityById")
        for summary in self._example("/athlete/activities", "get"):
            detail = dict(summary, resource_state=3)
            self._seed(detail, "swagger:getLoggedInAthleteActivities")
        self._streams: dict[int, dict[str, list[Any]]] = {}

        # OAuth state.
        self._codes: dict[str, dict[str, Any]] = {}
        self._access: dict[str, dict[str, Any]] = {}
        self._refresh: dict[str, dict[str, Any]] = {}

        # Uploads.
        self.uploads: dict[int, dict[str, Any]] = {}
        self._hash_to_activity: dict[str, int] = {}
        self._ids = iter(range(15_000_000_001, 15_999_999_999))

        # Push subscriptions (webhooks).
        self.subscriptions: dict[int, dict[str, Any]] = {}
        self._verify_tokens: dict[int, str] = {}
        self._subscription_ids = iter(range(120_475, 999_999))
        # Strava wants the callback's answer within two seconds; the fake waits longer, since a test on a
        # loaded machine checks the handshake's content, not its timing (no timed assertion in a test)
        self.handshake_timeout_s = 10.0
        self.handshakes: list[int] = []  # what our callback answered to each subscription handshake

        self._routes = self._build_routes()
        self._examples = self._build_example_routes()

    # ------------------------------------------------------------------------------------------------------
    # Client configuration
    # ------------------------------------------------------------------------------------------------------

    def requests_session(self) -> Any:
        """A `requests.Session` that reaches this fake at https://www.strava.com (proxy + throwaway CA)."""
        import requests

        session = requests.Session()
        # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the environment override `verify` (and picks
        # proxies from it) unless trust_env is off: this session must see only what is set here.
        session.trust_env = False
        session.proxies = {"https": self.proxy_url, "http": self.proxy_url}
        session.verify = self.ca_bundle
        return session

    def client(self, **kwargs: Any) -> Any:
        """`stravalib.Client(requests_session=self.requests_session(), **kwargs)`."""
        from stravalib import Client

        return Client(requests_session=self.requests_session(), **kwargs)

    # ------------------------------------------------------------------------------------------------------
    # Test controls
    # ------------------------------------------------------------------------------------------------------

    def issue_tokens(self, scopes: str = "read,activity:read_all,activity:write") -> dict[str, Any]:
        """Mint tokens server-side (skipping the OAuth dance); returns the token-exchange body."""
        with self._lock:
            return self._token_body(self._scopes(scopes))

    def expire_access_tokens(self) -> None:
        with self._lock:
            for info in self._access.values():
                info["expires_at"] = 0

    def set_rate_limit_usage(self, short: int, long: int, *, read_short: int = 0, read_long: int = 0) -> None:
        with self._lock:
            self.usage = [short, long]
            self.read_usage = [read_short, read_long]

    def streams_for(self, activity_id: int) -> dict[str, list[Any]]:
        with self._lock:
            return copy.deepcopy(self._stream_data(self.activities[activity_id]))

    # ------------------------------------------------------------------------------------------------------
    # Seeding helpers
    # ------------------------------------------------------------------------------------------------------

    def _example(self, path: str, method: str) -> Any:
        return copy.deepcopy(
            self.swagger["paths"][path][method]["responses"]["200"]["examples"]["application/json"]
        )

    def _seed(self, activity: dict[str, Any], source: str) -> None:
        activity["athlete"] = {"id": self.athlete_id, "resource_state": 1}
        self.activities[activity["id"]] = activity
        self.activity_sources[activity["id"]] = source

    @staticmethod
    def _summary(activity: dict[str, Any]) -> dict[str, Any]:
        summary = {k: v for k, v in activity.items() if k not in SUMMARY_ONLY_DROP}
        summary["resource_state"] = 2
        if isinstance(summary.get("map"), dict):
            summary["map"] = {k: v for k, v in summary["map"].items() if k != "polyline"}
            summary["map"]["resource_state"] = 2
        return summary

    # ------------------------------------------------------------------------------------------------------
    # Errors, rate limits, validation
    # ------------------------------------------------------------------------------------------------------

    def default_error(self, status: int, request: Request) -> Reply:
        if status == 401:
            body = fault_body("Authorization Error", "Athlete", "access_token", "invalid")
        elif status == 404:
            body = fault_body("Record Not Found", "resource", "path", "invalid")
        elif status == 429:
            body = fault_body("Rate Limit Exceeded", "Application", "rate limit", "exceeded")
        elif status >= 500:
            body = {"message": "error", "errors": []}
        else:
            body = fault_body("Bad Request", "request", "", "invalid")
        return Reply.json(body, status, content_type="application/json; charset=utf-8")

    def _rate_headers(self) -> list[tuple[str, str]]:
        return [
            ("X-RateLimit-Limit", f"{self.rate_limits[0]},{self.rate_limits[1]}"),
            ("X-RateLimit-Usage", f"{self.usage[0]},{self.usage[1]}"),
            ("X-ReadRateLimit-Limit", f"{self.read_rate_limits[0]},{self.read_rate_limits[1]}"),
            ("X-ReadRateLimit-Usage", f"{self.read_usage[0]},{self.read_usage[1]}"),
        ]

    def _count_and_check(self, request: Request) -> Reply | None:
        self.usage = [self.usage[0] + 1, self.usage[1] + 1]
        if request.method == "GET":
            self.read_usage = [self.read_usage[0] + 1, self.read_usage[1] + 1]
        over = self.usage[0] > self.rate_limits[0] or self.usage[1] > self.rate_limits[1]
        read_over = request.method == "GET" and (
            self.read_usage[0] > self.read_rate_limits[0] or self.read_usage[1] > self.read_rate_limits[1]
        )
        if over or read_over:
            return self.default_error(429, request)
        return None

    def finalize(self, request: Request, reply: Reply) -> Reply:
        if request.path.startswith("/api/v3/"):
            reply.headers.extend(self._rate_headers())
        return reply

    def _validated(self, reply: Reply, model: str | None) -> Reply:
        if not (self.validate and model and 200 <= reply.status < 300 and reply.body):
            return reply
        from stravalib import model as client_model
        from stravalib import strava_model

        many = model.startswith("[")
        name = model.strip("[]")
        # Prefer stravalib's client-side classes (what the client parses with), else the generated ones.
        cls = getattr(client_model, name, None) or getattr(strava_model, name)
        payload = json.loads(reply.body)
        try:
            for item in payload if many else [payload]:
                cls.model_validate(item)
        except Exception as exc:
            self.schema_errors.append(f"{model}: {exc}")
        return reply

    # ------------------------------------------------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------------------------------------------------

    def _build_routes(self) -> list[_Route]:
        read = ("read", "read_all", "profile:read_all")
        act_read = ("activity:read", "activity:read_all")
        write = ("activity:write",)

        def r(method: str, path: str, handler: Any, scopes: tuple[str, ...], model: str | None) -> _Route:
            return _Route(method, re.compile(path), handler, scopes, model)

        return [
            r("GET", r"/api/v3/athlete", self._get_athlete, read, "DetailedAthlete"),
            r("GET", r"/api/v3/athlete/activities", self._list_activities, act_read, "[SummaryActivity]"),
            r("GET", r"/api/v3/activities/(\d+)", self._get_activity, act_read, "DetailedActivity"),
            r("PUT", r"/api/v3/activities/(\d+)", self._update_activity, write, "DetailedActivity"),
            r("GET", r"/api/v3/activities/(\d+)/streams", self._get_streams, act_read, None),
            r("GET", r"/api/v3/activities/(\d+)/zones", self._activity_zones, act_read, "[ActivityZone]"),
            r("GET", r"/api/v3/athlete/zones", self._athlete_zones, read, "Zones"),
            r("POST", r"/api/v3/uploads", self._create_upload, write, "Upload"),
            r("GET", r"/api/v3/uploads/(\d+)", self._get_upload, write, "Upload"),
        ]

    def _build_example_routes(self) -> list[tuple[str, re.Pattern[str], Any, str]]:
        out = []
        for path, ops in self.swagger["paths"].items():
            for method, op in ops.items():
                if method == "parameters":
                    continue
                for response in op.get("responses", {}).values():
                    example = response.get("examples", {}).get("application/json")
                    if example is not None:
                        regex = "/api/v3" + re.sub(r"\{[^}]+\}", r"[^/]+", path)
                        out.append((method.upper(), re.compile(regex), example, op.get("operationId", path)))
                        break
        return out

    def handle(self, request: Request) -> Reply:
        path = request.path.rstrip("/") or "/"
        if path in ("/oauth/authorize", "/api/v3/oauth/authorize") and request.method == "GET":
            return self._authorize(request)
        if path in ("/oauth/token", "/api/v3/oauth/token") and request.method == "POST":
            return self._token(request)
        if path in ("/oauth/deauthorize", "/api/v3/oauth/deauthorize") and request.method == "POST":
            return self._deauthorize(request)
        if not path.startswith("/api/v3/"):
            self.unmatched.append(request)
            return self.default_error(404, request)
        if path == "/api/v3/push_subscriptions" or path.startswith("/api/v3/push_subscriptions/"):
            return self._push_subscriptions(request, path)
        limited = self._count_and_check(request)
        if limited is not None:
            return limited
        token = self._bearer(request)
        if token is None:
            return self.default_error(401, request)
        for route in self._routes:
            match = route.pattern.fullmatch(path)
            if match is None or route.method != request.method:
                continue
            if not token["scopes"] & set(route.scopes):
                field = f"{route.scopes[0]}_permission"
                return Reply.json(fault_body("Authorization Error", "AccessToken", field, "missing"), 401)
            return self._validated(route.handler(request, match), route.model)
        for method, pattern, example, operation in self._examples:
            if method == request.method and pattern.fullmatch(path):
                return Reply.json(copy.deepcopy(example), source=f"swagger-example:{operation}")
        self.unmatched.append(request)
        return self.default_error(404, request)

    # ------------------------------------------------------------------------------------------------------
    # OAuth
    # ------------------------------------------------------------------------------------------------------

    @staticmethod
    def _scopes(text: str | None) -> set[str]:
        return {s.strip() for s in (text or "read").split(",") if s.strip()}

    def _token_body(self, scopes: set[str], *, athlete: bool = False) -> dict[str, Any]:
        access, refresh = secrets.token_hex(20), secrets.token_hex(20)
        audit_secret(access)
        audit_secret(refresh)
        expires_at = int(time.time()) + self.access_token_ttl
        self._access[access] = {"scopes": set(scopes), "expires_at": expires_at}
        self._refresh[refresh] = {"scopes": set(scopes)}
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_at": expires_at,
            "expires_in": self.access_token_ttl,
            "refresh_token": refresh,
            "access_token": access,
        }
        if athlete:
            summary_keys = (
                "id", "username", "resource_state", "firstname", "lastname", "bio", "city", "state",
                "country", "sex", "premium", "summit", "created_at", "updated_at", "badge_type_id",
                "weight", "profile_medium", "profile", "friend", "follower",
            )  # fmt: skip
            body["athlete"] = {k: self.athlete.get(k) for k in summary_keys} | {"resource_state": 2}
        return body

    def _params(self, request: Request) -> dict[str, str]:
        params = {k: v[0] for k, v in request.query.items()}
        if request.body and "x-www-form-urlencoded" in (request.header("content-type") or ""):
            params.update(request.form())
        return params

    def _authorize(self, request: Request) -> Reply:
        params = self._params(request)
        if params.get("client_id") != str(self.client_id):
            return Reply.json(fault_body("Bad Request", "Application", "client_id", "invalid"), 400)
        redirect_uri = params.get("redirect_uri")
        if not redirect_uri:
            return Reply.json(fault_body("Bad Request", "Application", "redirect_uri", "invalid"), 400)
        if params.get("response_type") != "code":
            return Reply.json(fault_body("Bad Request", "Application", "response_type", "invalid"), 400)
        scopes = self._scopes(params.get("scope"))
        known = {
            "read",
            "read_all",
            "profile:read_all",
            "profile:write",
            "activity:read",
            "activity:read_all",
        }
        if not scopes <= known | {"activity:write"}:
            return Reply.json(fault_body("Bad Request", "Authorize", "scope", "invalid"), 400)
        query: dict[str, str] = {}
        if params.get("state") is not None:
            query["state"] = params["state"]
        if self.approve_authorization:
            code = secrets.token_hex(20)
            self._codes[code] = {"scopes": scopes, "used": False, "redirect_uri": redirect_uri}
            query |= {"code": code, "scope": ",".join(sorted(scopes))}
        else:
            query["error"] = "access_denied"
        location = redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(query)
        return Reply(302, b"", [("Location", location)], "synthesized")

    def _token(self, request: Request) -> Reply:
        params = self._params(request)
        if params.get("client_id") != str(self.client_id):
            return Reply.json(fault_body("Bad Request", "Application", "client_id", "invalid"), 400)
        if params.get("client_secret") != self.client_secret:
            return Reply.json(fault_body("Bad Request", "Application", "client_secret", "invalid"), 400)
        grant = params.get("grant_type")
        if grant == "authorization_code":
            code = self._codes.get(params.get("code") or "")
            if code is None or code["used"]:
                return Reply.json(fault_body("Bad Request", "AuthorizationCode", "code", "invalid"), 400)
            code["used"] = True
            return Reply.json(self._token_body(code["scopes"], athlete=True))
        if grant == "refresh_token":
            token = params.get("refresh_token") or ""
            info = self._refresh.get(token)
            if info is None:
                return Reply.json(fault_body("Bad Request", "RefreshToken", "refresh_token", "invalid"), 400)
            if self.rotate_refresh_tokens:
                del self._refresh[token]
            return Reply.json(self._token_body(info["scopes"]))
        return Reply.json(fault_body("Bad Request", "Application", "grant_type", "invalid"), 400)

    def _deauthorize(self, request: Request) -> Reply:
        params = self._params(request)
        token = params.get("access_token") or (request.header("authorization") or "").removeprefix("Bearer ")
        if token not in self._access:
            return self.default_error(401, request)
        self._access.clear()
        self._refresh.clear()
        return Reply.json({"access_token": token})

    def _bearer(self, request: Request) -> dict[str, Any] | None:
        auth = request.header("authorization") or ""
        if not auth.startswith("Bearer "):
            return None
        info = self._access.get(auth[len("Bearer ") :])
        if info is None or info["expires_at"] <= time.time():
            return None
        return info

    # ------------------------------------------------------------------------------------------------------
    # Push subscriptions (webhooks)
    # ------------------------------------------------------------------------------------------------------

    def _push_subscriptions(self, request: Request, path: str) -> Reply:
        params = self._params(request)
        if (
            params.get("client_id") != str(self.client_id)
            or params.get("client_secret") != self.client_secret
        ):
            return Reply.json(fault_body("Authorization Error", "Application", "client_id", "invalid"), 401)
        match = re.fullmatch(r"/api/v3/push_subscriptions/(\d+)", path)
        if match is not None and request.method == "DELETE":
            if self.subscriptions.pop(int(match.group(1)), None) is None:
                return Reply.json(
                    fault_body("Resource Not Found", "PushSubscription", "id", "not found"), 404
                )
            return Reply(204, b"", [], "synthesized")
        if match is None and request.method == "GET":
            page = int(request.arg("page") or 1)
            items = list(self.subscriptions.values()) if page == 1 else []
            return Reply.json(items, source="synthesized")
        if match is None and request.method == "POST":
            return self._create_subscription(params)
        return self.default_error(404, request)

    def _create_subscription(self, params: dict[str, str]) -> Reply:
        callback = params.get("callback_url") or ""
        if not callback.startswith(("http://", "https://")):
            return Reply.json(fault_body("Bad Request", "PushSubscription", "callback url", "invalid"), 400)
        if self.subscriptions:
            return Reply.json(fault_body("Bad Request", "PushSubscription", "", "already exists"), 400)
        token = params.get("verify_token") or ""
        challenge = secrets.token_hex(16)
        if not self._handshake_ok(callback, token, challenge):
            code = "GET to callback URL does not return 200"
            return Reply.json(fault_body("Bad Request", "PushSubscription", "callback url", code), 400)
        sub_id = next(self._subscription_ids)
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        self.subscriptions[sub_id] = {
            "id": sub_id,
            "resource_state": 2,
            "application_id": self.client_id,
            "callback_url": callback,
            "created_at": now,
            "updated_at": now,
        }
        self._verify_tokens[sub_id] = token
        return Reply.json({"id": sub_id}, 201, source="synthesized")

    def _handshake_ok(self, callback: str, token: str, challenge: str) -> bool:
        """Strava's subscription check: GET the callback, expect 200 and the challenge echoed as JSON."""
        import requests

        session = requests.Session()
        session.trust_env = False
        query = {"hub.verify_token": token, "hub.challenge": challenge, "hub.mode": "subscribe"}
        try:
            answer = session.get(callback, params=query, timeout=self.handshake_timeout_s)
            self.handshakes.append(answer.status_code)
            return answer.status_code == 200 and answer.json().get("hub.challenge") == challenge
        except (requests.RequestException, ValueError, AttributeError):
            return False
        finally:
            session.close()

    def event(
        self,
        object_type: str,
        object_id: int,
        aspect_type: str,
        *,
        updates: dict[str, Any] | None = None,
        owner_id: int | None = None,
        subscription_id: int | None = None,
    ) -> dict[str, Any]:
        """One webhook event in Strava's shape (the subscription's id, the fake athlete as owner)."""
        if subscription_id is None:
            subscription_id = next(iter(self.subscriptions), 0)
        return {
            "aspect_type": aspect_type,
            "event_time": int(time.time()),
            "object_id": object_id,
            "object_type": object_type,
            "owner_id": self.athlete_id if owner_id is None else owner_id,
            "subscription_id": subscription_id,
            "updates": dict(updates or {}),
        }

    def push_event(self, event: dict[str, Any]) -> Any:
        """POST an event to the subscription's callback as Strava does (JSON body, 2 s to answer); returns
        the `requests.Response`. Blocking: from async code call it through `asyncio.to_thread`."""
        import requests

        (subscription,) = self.subscriptions.values()
        session = requests.Session()
        session.trust_env = False
        try:
            return session.post(subscription["callback_url"], json=event, timeout=self.handshake_timeout_s)
        finally:
            session.close()

    def revoke_access(self) -> dict[str, Any]:
        """The athlete removes the app on strava.com: every token dies; returns the athlete event Strava
        then sends (push it with `push_event`)."""
        with self._lock:
            self._access.clear()
            self._refresh.clear()
        return self.event("athlete", self.athlete_id, "update", updates={"authorized": "false"})

    # ------------------------------------------------------------------------------------------------------
    # Athlete and activities
    # ------------------------------------------------------------------------------------------------------

    def _get_athlete(self, request: Request, _m: re.Match[str]) -> Reply:
        return Reply.json(self.athlete, source="swagger-example:getLoggedInAthlete")

    def _visible(self, activity: dict[str, Any], request: Request) -> bool:
        if not activity.get("private"):
            return True
        token = self._bearer(request) or {"scopes": set()}
        return "activity:read_all" in token["scopes"]

    def _list_activities(self, request: Request, _m: re.Match[str]) -> Reply:
        try:
            before = int(request.arg("before")) if request.arg("before") else None
            after = int(request.arg("after")) if request.arg("after") else None
            page = max(1, int(request.arg("page") or 1))
            per_page = min(200, max(1, int(request.arg("per_page") or 30)))
        except ValueError:
            return Reply.json(fault_body("Bad Request", "Activity", "page", "invalid"), 400)
        items = []
        for activity in self.activities.values():
            start = parse_iso(activity["start_date"]).timestamp()
            if before is not None and not start < before:
                continue
            if after is not None and not start > after:
                continue
            if self._visible(activity, request):
                items.append(activity)
        items.sort(key=lambda a: a["start_date"], reverse=True)  # newest first
        page_items = items[(page - 1) * per_page : page * per_page]
        return Reply.json([self._summary(a) for a in page_items], source="examples+paged")

    def _activity_or_404(self, request: Request, activity_id: int) -> dict[str, Any] | Reply:
        activity = self.activities.get(activity_id)
        if activity is None or not self._visible(activity, request):
            return Reply.json(fault_body("Record Not Found", "Activity", "id", "invalid"), 404)
        return activity

    def _get_activity(self, request: Request, m: re.Match[str]) -> Reply:
        found = self._activity_or_404(request, int(m.group(1)))
        if isinstance(found, Reply):
            return found
        return Reply.json(found, source=f"example:{self.activity_sources[found['id']]}")

    def _update_activity(self, request: Request, m: re.Match[str]) -> Reply:
        found = self._activity_or_404(request, int(m.group(1)))
        if isinstance(found, Reply):
            return found
        try:
            changes = request.json() or {}
        except ValueError:
            return Reply.json(fault_body("Bad Request", "Activity", "body", "invalid"), 400)
        allowed = (
            "commute",
            "trainer",
            "hide_from_home",
            "description",
            "name",
            "type",
            "sport_type",
            "gear_id",
        )
        found.update({k: v for k, v in changes.items() if k in allowed})
        return Reply.json(found)

    def _zone_example(self) -> list[dict[str, Any]]:
        return json.loads((self.strava_dir / "example_zone_response.json").read_text())

    def _activity_zones(self, request: Request, m: re.Match[str]) -> Reply:
        found = self._activity_or_404(request, int(m.group(1)))
        if isinstance(found, Reply):
            return found
        return Reply.json(self._zone_example(), source="example:example_zone_response.json")

    def _athlete_zones(self, request: Request, _m: re.Match[str]) -> Reply:
        """The swagger example of GET /athlete/zones is a list of activity zones, not its own `Zones` schema:
        synthesized as `Zones`, heart-rate bounds from the buckets of example_zone_response.json."""
        heartrate = next(z for z in self._zone_example() if z["type"] == "heartrate")
        zones = [{"min": b["min"], "max": b["max"]} for b in heartrate["distribution_buckets"]]
        return Reply.json({"heart_rate": {"custom_zones": False, "zones": zones}}, source="synthesized")

    # ------------------------------------------------------------------------------------------------------
    # Streams
    # ------------------------------------------------------------------------------------------------------

    def _get_streams(self, request: Request, m: re.Match[str]) -> Reply:
        found = self._activity_or_404(request, int(m.group(1)))
        if isinstance(found, Reply):
            return found
        keys = [k for k in (request.arg("keys") or "").split(",") if k]
        if not keys or any(k not in STREAM_TYPES for k in keys):
            return Reply.json(fault_body("Bad Request", "Stream", "keys", "invalid"), 400)
        data = self._stream_data(found)
        resolution = request.arg("resolution")
        wanted = [k for k in STREAM_TYPES if k in data and (k in keys or k in ("distance",))]
        # Strava always includes the series it indexes by (distance) next to the requested keys.
        streams = []
        for key in wanted:
            values = data[key]
            if resolution in ("low", "medium", "high"):
                limit = {"low": 100, "medium": 1000, "high": 10_000}[resolution]
                step = max(1, math.ceil(len(values) / limit))
                values = values[::step]
            streams.append(
                {
                    "type": key,
                    "data": values,
                    "series_type": "distance",
                    "original_size": len(data[key]),
                    "resolution": resolution or "high",
                }
            )
        if (request.arg("key_by_type") or "").lower() == "true":
            body: Any = {s.pop("type"): s for s in streams}
            reply = Reply.json(body, source="synthesized")
            return self._validated(reply, "StreamSet")
        return Reply.json(streams, source="synthesized")

    def _stream_data(self, activity: dict[str, Any]) -> dict[str, list[Any]]:
        cached = self._streams.get(activity["id"])
        if cached is None:
            cached = self._synthesize_streams(activity)
            self._streams[activity["id"]] = cached
        return cached

    @staticmethod
    def _synthesize_streams(a: dict[str, Any]) -> dict[str, list[Any]]:
        """1 Hz streams whose totals match the activity: distance, times, pause, start/end points, gain."""
        if a.get("manual") or not a.get("elapsed_time"):
            return {}
        elapsed = int(a["elapsed_time"])
        moving_time = int(a.get("moving_time") or elapsed)
        total = float(a.get("distance") or 0.0)
        pause = max(0, elapsed - moving_time)
        pause_start = elapsed // 2
        times = list(range(elapsed + 1))
        moving = [not (pause_start < t <= pause_start + pause) for t in times]
        moving[0] = False
        raw_speed = [(1.0 + 0.25 * math.sin(2 * math.pi * t / 600.0)) if moving[t] else 0.0 for t in times]
        cumulative, run = [], 0.0
        for speed in raw_speed:
            run += speed
            cumulative.append(run)
        scale = total / cumulative[-1] if cumulative[-1] else 0.0
        distance = [round(d * scale, 1) for d in cumulative]
        distance[-1] = round(total, 1)
        velocity = [round(s * scale, 2) for s in raw_speed]
        streams: dict[str, list[Any]] = {
            "time": times,
            "distance": distance,
            "velocity_smooth": velocity,
            "moving": moving,
        }
        fractions = [d / total if total else 0.0 for d in distance]
        gain = float(a.get("total_elevation_gain") or 0.0)
        base = float(a.get("elev_low") or 10.0)
        altitude = [round(base + gain * math.sin(math.pi * f), 1) for f in fractions]
        streams["altitude"] = altitude
        grade = [0.0]
        for i in range(1, len(altitude)):
            step = distance[i] - distance[i - 1]
            grade.append(round(100.0 * (altitude[i] - altitude[i - 1]) / step, 1) if step > 0.5 else 0.0)
        streams["grade_smooth"] = grade
        route: list[tuple[float, float]] = []
        polyline = (a.get("map") or {}).get("polyline") or (a.get("map") or {}).get("summary_polyline")
        if polyline:
            route = decode_polyline(polyline)
        elif a.get("start_latlng") and a.get("end_latlng"):
            route = [tuple(a["start_latlng"]), tuple(a["end_latlng"])]  # type: ignore[list-item]
        if len(route) >= 2:
            if a.get("start_latlng"):
                route[0] = (float(a["start_latlng"][0]), float(a["start_latlng"][1]))
            if a.get("end_latlng"):
                route[-1] = (float(a["end_latlng"][0]), float(a["end_latlng"][1]))
            legs = [_haversine(route[i], route[i + 1]) for i in range(len(route) - 1)]
            length = sum(legs) or 1.0
            latlng = []
            for f in fractions:
                target, i = f * length, 0
                while i < len(legs) - 1 and target > legs[i]:
                    target -= legs[i]
                    i += 1
                t = min(1.0, target / legs[i]) if legs[i] else 0.0
                lat = route[i][0] + (route[i + 1][0] - route[i][0]) * t
                lng = route[i][1] + (route[i + 1][1] - route[i][1]) * t
                latlng.append([round(lat, 6), round(lng, 6)])
            streams["latlng"] = latlng
        if a.get("has_heartrate") and a.get("average_heartrate"):
            avg = float(a["average_heartrate"])
            peak = float(a.get("max_heartrate") or avg + 15)
            streams["heartrate"] = [
                round(min(peak, avg + (peak - avg) * 0.8 * math.sin(2 * math.pi * t / 900.0))) for t in times
            ]
        if a.get("average_cadence"):
            cad = float(a["average_cadence"])
            streams["cadence"] = [round(cad + 3 * math.sin(t / 60.0)) if moving[t] else 0 for t in times]
        if a.get("device_watts") and a.get("average_watts"):
            watts = float(a["average_watts"])
            streams["watts"] = [
                round(watts * (1 + 0.2 * math.sin(t / 45.0))) if moving[t] else 0 for t in times
            ]
        if a.get("average_temp") is not None:
            streams["temp"] = [int(a["average_temp"])] * len(times)
        return streams

    # ------------------------------------------------------------------------------------------------------
    # Uploads
    # ------------------------------------------------------------------------------------------------------

    def _upload_view(self, upload: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": upload["id"],
            "id_str": str(upload["id"]),
            "external_id": upload["external_id"],
            "error": upload["error"],
            "status": upload["status"],
            "activity_id": upload["activity_id"],
        }

    def _create_upload(self, request: Request, _m: re.Match[str]) -> Reply:
        parts = request.multipart()
        fields = {k: v[0] for k, v in request.query.items()}
        fields.update(
            {name: p.data.decode("utf-8", "replace") for name, p in parts.items() if name != "file"}
        )
        file_part = parts.get("file")
        if file_part is None or not file_part.data:
            return Reply.json(fault_body("Bad Request", "Upload", "file", "empty"), 400)
        data_type = fields.get("data_type")
        if data_type not in ("fit", "fit.gz", "tcx", "tcx.gz", "gpx", "gpx.gz"):
            return Reply.json(fault_body("Bad Request", "Upload", "data_type", "invalid"), 400)
        data = file_part.data
        if data_type.endswith(".gz"):
            try:
                data = gzip.decompress(data)
            except OSError:
                return Reply.json(fault_body("Bad Request", "Upload", "file", "invalid"), 400)
        upload_id = next(self._ids)
        filename = file_part.filename or "file"
        upload = {
            "id": upload_id,
            "external_id": fields.get("external_id") or filename,
            "error": None,
            "status": PROCESSING,
            "activity_id": None,
            "polls_left": self.processing_polls,
            "filename": filename,
            "data_type": data_type,
            "data": data,
            "sha256": hashlib.sha256(data).hexdigest(),
            "fields": fields,
        }
        self.uploads[upload_id] = upload
        return Reply.json(self._upload_view(upload), 201, source="synthesized")

    def _get_upload(self, request: Request, m: re.Match[str]) -> Reply:
        upload = self.uploads.get(int(m.group(1)))
        if upload is None:
            return Reply.json(fault_body("Record Not Found", "Upload", "id", "invalid"), 404)
        if upload["status"] == PROCESSING:
            if upload["polls_left"] > 0:
                upload["polls_left"] -= 1  # this poll still sees "processing"
            else:
                self._process(upload)
        if upload["activity_id"] is not None and upload["activity_id"] not in self.activities:
            upload["status"] = DELETED
        return Reply.json(self._upload_view(upload), source="synthesized")

    def _duplicate_message(self, filename: str, activity_id: int) -> str:
        if self.duplicate_style == "text":
            return f"{filename} duplicate of activity {activity_id}"
        link = f"https://www.strava.com/activities/{activity_id}"
        return f"{filename} duplicate of <a href='{link}' target='_blank'>{activity_id}</a>"

    def _process(self, upload: dict[str, Any]) -> None:
        existing = self._hash_to_activity.get(upload["sha256"])
        if existing is not None and existing in self.activities:
            upload["status"], upload["error"] = ERRORED, self._duplicate_message(upload["filename"], existing)
            return
        try:
            activity, streams = self._activity_from_upload(upload)
        except Exception as exc:
            upload["status"] = ERRORED
            upload["error"] = f"Error parsing file {upload['filename']}: {type(exc).__name__}"
            return
        self.activities[activity["id"]] = activity
        self.activity_sources[activity["id"]] = f"upload:{upload['filename']}"
        if streams:
            self._streams[activity["id"]] = streams
        self._hash_to_activity[upload["sha256"]] = activity["id"]
        upload["status"], upload["activity_id"] = READY, activity["id"]

    def _activity_from_upload(self, upload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
        fields = upload["fields"]
        activity_id = next(self._ids)
        streams: dict[str, list[Any]] = {}
        summary: dict[str, Any] = {}
        if upload["data_type"].startswith("fit"):
            summary, streams = self._decode_fit(upload["data"])
        start: dt.datetime = summary.pop("start", None) or dt.datetime.now(dt.UTC).replace(microsecond=0)
        activity_type, sport_type = FIT_SPORTS.get(summary.pop("sport", ""), ("Workout", "Workout"))
        if fields.get("activity_type"):
            activity_type = sport_type = fields["activity_type"].capitalize()
        part_of_day = "Morning" if start.hour < 12 else "Afternoon" if start.hour < 17 else "Evening"
        latlng = streams.get("latlng") or []
        polyline = encode_polyline([tuple(p) for p in latlng]) if latlng else None  # type: ignore[misc]
        activity: dict[str, Any] = {
            "id": activity_id,
            "resource_state": 3,
            "external_id": upload["external_id"],
            "upload_id": upload["id"],
            "upload_id_str": str(upload["id"]),
            "athlete": {"id": self.athlete_id, "resource_state": 1},
            "name": fields.get("name") or f"{part_of_day} {activity_type}",
            "description": fields.get("description"),
            "type": activity_type,
            "sport_type": sport_type,
            "start_date": iso(start),
            "start_date_local": iso(start),
            "timezone": "(GMT+00:00) Etc/UTC",
            "utc_offset": 0.0,
            "start_latlng": latlng[0] if latlng else [],
            "end_latlng": latlng[-1] if latlng else [],
            "map": {
                "id": f"a{activity_id}",
                "polyline": polyline,
                "summary_polyline": encode_polyline([tuple(p) for p in latlng[:: max(1, len(latlng) // 200)]])  # type: ignore[misc]
                if latlng
                else None,
                "resource_state": 3,
            },
            "trainer": fields.get("trainer") in ("1", "true"),
            "commute": fields.get("commute") in ("1", "true"),
            "manual": False,
            "private": False,
            "flagged": False,
            "achievement_count": 0,
            "kudos_count": 0,
            "comment_count": 0,
            "athlete_count": 1,
            "photo_count": 0,
            "total_photo_count": 0,
            "has_kudoed": False,
            "workout_type": None,
            "gear_id": None,
            "device_name": summary.pop("device_name", None),
        }
        activity.update(summary)
        return activity, streams

    @staticmethod
    def _decode_fit(data: bytes) -> tuple[dict[str, Any], dict[str, list[Any]]]:
        """Summary and 1-point-per-record streams decoded from an uploaded FIT file (fitparse)."""
        from fitparse import FitFile

        fit = FitFile(io.BytesIO(data), check_crc=True)
        records = [m.get_values() for m in fit.get_messages("record")]
        sessions = [m.get_values() for m in fit.get_messages("session")]
        file_ids = [m.get_values() for m in fit.get_messages("file_id")]
        if not records and not sessions:
            raise ValueError("no activity data")
        session = sessions[0] if sessions else {}
        stamps = [r["timestamp"] for r in records if isinstance(r.get("timestamp"), dt.datetime)]
        start = session.get("start_time") or (stamps[0] if stamps else None)
        if isinstance(start, dt.datetime):
            start = start.replace(tzinfo=dt.UTC)
        t0 = stamps[0] if stamps else None
        streams: dict[str, list[Any]] = {k: [] for k in STREAM_TYPES}
        for r in records:
            ts = r.get("timestamp")
            if not isinstance(ts, dt.datetime) or t0 is None:
                continue
            streams["time"].append(int((ts - t0).total_seconds()))
            lat, lng = r.get("position_lat"), r.get("position_long")
            streams["latlng"].append(
                [round(lat * 180 / 2**31, 6), round(lng * 180 / 2**31, 6)]
                if lat is not None and lng is not None
                else None
            )
            streams["distance"].append(r.get("distance"))
            streams["altitude"].append(r.get("enhanced_altitude", r.get("altitude")))
            speed = r.get("enhanced_speed", r.get("speed"))
            streams["velocity_smooth"].append(speed)
            streams["heartrate"].append(r.get("heart_rate"))
            streams["cadence"].append(r.get("cadence"))
            streams["watts"].append(r.get("power"))
            streams["temp"].append(r.get("temperature"))
            streams["moving"].append(bool(speed) if speed is not None else None)
        cleaned: dict[str, list[Any]] = {}
        for key, values in streams.items():
            if key == "grade_smooth" or not values or all(v is None for v in values):
                continue
            last = next(v for v in values if v is not None)
            filled = []
            for v in values:
                last = v if v is not None else last
                filled.append(last)
            cleaned[key] = filled
        total_distance = session.get("total_distance") or (cleaned.get("distance") or [0])[-1] or 0
        elapsed = session.get("total_elapsed_time") or (cleaned["time"][-1] if cleaned.get("time") else 0)
        moving = session.get("total_timer_time") or elapsed
        hr = cleaned.get("heartrate")
        summary: dict[str, Any] = {
            "start": start,
            "sport": str(session.get("sport") or ""),
            "distance": float(total_distance),
            "elapsed_time": int(elapsed),
            "moving_time": int(moving),
            "total_elevation_gain": float(session.get("total_ascent") or 0),
            "average_speed": float(session.get("enhanced_avg_speed") or session.get("avg_speed") or 0)
            or (float(total_distance) / moving if moving else 0.0),
            "max_speed": float(session.get("enhanced_max_speed") or session.get("max_speed") or 0),
            "has_heartrate": bool(hr),
            "average_heartrate": float(session.get("avg_heart_rate") or 0) or None,
            "max_heartrate": float(session.get("max_heart_rate") or 0) or None,
            "calories": float(session.get("total_calories") or 0),
        }
        if file_ids:
            maker = file_ids[0].get("manufacturer")
            product = file_ids[0].get("garmin_product") or file_ids[0].get("product")
            summary["device_name"] = " ".join(str(x).replace("_", " ").title() for x in (maker, product) if x)
        if cleaned.get("altitude") and cleaned.get("distance"):
            alt, dist = cleaned["altitude"], cleaned["distance"]
            cleaned["grade_smooth"] = [0.0] + [
                round(100 * (alt[i] - alt[i - 1]) / (dist[i] - dist[i - 1]), 1)
                if dist[i] and dist[i - 1] is not None and dist[i] - dist[i - 1] > 0.5
                else 0.0
                for i in range(1, len(alt))
            ]
        return summary, cleaned
