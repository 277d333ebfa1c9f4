"""Request dependencies as `Annotated` aliases. Route authors use these and nothing lower.

    async def get_thing(thing_id: int, user: CurrentUser, session: SessionDep) -> ThingOut: ...
    async def run_tool(deps: ToolDepsDep) -> ...: ...       # ToolDeps.for_user(session, user, redis=…)
    @router.post(..., dependencies=[rate_limit("chat", lambda s: s.rate_limit_chat_user)])

- `SessionDep`: the request's unit of work. It commits when the endpoint returns and rolls back when it
  raises, *before* the response is sent (FastAPI `scope="function"`), so a failed commit is the client's
  error response, never a 200 for lost data. Streaming endpoints (SSE) must not use it inside the stream:
  it is closed by then; open `core.database.session_scope()` in the generator instead.
  If the database cannot be reached when the session connects, the request ends at once with a 503.
- `CurrentUser` / `OptionalUser`: see `api.auth` (cookie or bearer, CSRF for cookie writes); `CurrentAuth`
  also tells how the caller signed in. The user row is attached to the request's session.
- `RedisDep`, `SettingsDep`, `ClientIp`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials
from redis.asyncio import Redis
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.auth import Auth, authenticate, bearer_scheme, cookie_scheme
from api.errors import DB_UNAVAILABLE
from core import database
from core import redis as core_redis
from core.errors import ServiceUnavailable
from core.models import User
from core.settings import Settings, get_settings
from tools.account import ratelimit
from tools.deps import ToolDeps


def get_app_settings(request: Request) -> Settings:
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


def get_sessionmaker() -> async_sessionmaker[AsyncSession]:
    """The process's sessionmaker (tests override this dependency to point an app elsewhere)."""
    return database.get_sessionmaker()


def get_redis() -> Redis:
    return core_redis.get_redis()


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
#: a row id in a path: a positive BIGINT, so a larger number is a 422 and never reaches the database
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
RedisDep = Annotated[Redis, Depends(get_redis)]

_CONNECT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # asyncpg: connection refused, no such socket (plain OSErrors on connect)
    TimeoutError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,  # pool exhausted
)


async def get_session(sessionmaker: SessionmakerDep) -> AsyncIterator[AsyncSession]:
    async with database.session_scope(sessionmaker) as session:
        try:
            await session.connection()
        except _CONNECT_ERRORS as exc:
            raise ServiceUnavailable(DB_UNAVAILABLE, details={"service": "database"}) from exc
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def client_ip(request: Request) -> str:
    """The caller's address (after trusted proxy headers); 'unknown' when the server gives none."""
    return request.client.host if request.client else "unknown"


ClientIp = Annotated[str, Depends(client_ip)]


async def _auth(
    request: Request,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    _cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Auth:
    auth = await authenticate(request, session, redis, settings, required=True)
    assert auth is not None
    return auth


async def _optional_auth(
    request: Request,
    session: SessionDep,
    redis: RedisDep,
    settings: SettingsDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    _cookie: Annotated[str | None, Depends(cookie_scheme)],
) -> Auth | None:
    return await authenticate(request, session, redis, settings, required=False)


CurrentAuth = Annotated[Auth, Depends(_auth)]
OptionalAuth = Annotated[Auth | None, Depends(_optional_auth)]


async def _current_user(auth: CurrentAuth) -> User:
    return auth.user


async def _optional_user(auth: OptionalAuth) -> User | None:
    return auth.user if auth else None


CurrentUser = Annotated[User, Depends(_current_user)]
OptionalUser = Annotated[User | None, Depends(_optional_user)]


async def _tool_deps(
    session: SessionDep, user: CurrentUser, redis: RedisDep, settings: SettingsDep
) -> ToolDeps:
    return ToolDeps.for_user(session, user, redis=redis, settings=settings)


ToolDepsDep = Annotated[ToolDeps, Depends(_tool_deps)]


def rate_limit(
    scope: str,
    rate: Callable[[Settings], str],
    *,
    per: Literal["user", "ip"] = "user",
    message: str = "Too many requests.",
) -> Any:
    """A dependency that counts one request against `rate` (read from settings) per user or per IP and
    answers 429 with Retry-After when over. `per="user"` requires a signed-in caller.

        @router.post("/chat/threads/{id}/messages",
                     dependencies=[rate_limit("chat", lambda s: s.rate_limit_chat_user,
                                              message="You are sending messages too fast.")])
    """

    if per == "user":

        async def by_user(user: CurrentUser, redis: RedisDep, settings: SettingsDep) -> None:
            key = ratelimit.rate_key(f"{scope}-user", str(user.id))
            await ratelimit.hit(redis, key, ratelimit.parse_rate(rate(settings)), message=message)

        return Depends(by_user)

    async def by_ip(ip: ClientIp, redis: RedisDep, settings: SettingsDep) -> None:
        key = ratelimit.rate_key(f"{scope}-ip", ip)
        await ratelimit.hit(redis, key, ratelimit.parse_rate(rate(settings)), message=message)

    return Depends(by_ip)
