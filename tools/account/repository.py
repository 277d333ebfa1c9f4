"""Every statement on accounts: `users`, `coaching_links`, `api_tokens` and the Google sign-in link (an
`integrations` row with provider `google`).

Reads and writes are made for one user. A few statements run before the user is known, so they cannot be
scoped by one: finding an account by e-mail address (sign-up, sign-in, an invitation), by Google subject,
and a presented API token by its hash. They are the module-level functions below, each saying why.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, false, func, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import ApiToken, CoachingLink, Integration, User
from core.repository import OwnedRepository, get_owned

GOOGLE = "google"
OPEN = ("pending", "active")


# --- users ---------------------------------------------------------------------------------------------


async def find_user_by_email(session: AsyncSession, email: str) -> User | None:
    """The account with this address (case and surrounding spaces ignored). Not scoped by user: the address
    is how the user is found (sign-up, sign-in, a coaching invitation)."""
    return await session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


async def all_user_ids(session: AsyncSession) -> list[int]:
    """Every account's id, in order. Not scoped by user: the proactive scheduler visits every user."""
    return list((await session.scalars(select(User.id).order_by(User.id))).all())


async def user_for_google_subject(session: AsyncSession, subject: str) -> User | None:
    """The account a Google subject signed in to before. Not scoped by user: the subject is how the user
    is found at sign-in."""
    linked = await session.scalar(
        select(Integration).where(Integration.provider == GOOGLE, Integration.external_id == subject)
    )
    return None if linked is None else await session.get(User, linked.user_id)


async def google_link(session: AsyncSession, user_id: int) -> Integration | None:
    """The user's Google sign-in link, if any."""
    return await session.scalar(
        select(Integration).where(Integration.user_id == user_id, Integration.provider == GOOGLE)
    )


def add_google_link(session: AsyncSession, user_id: int, *, subject: str, email: str) -> Integration:
    link = Integration(
        user_id=user_id, provider=GOOGLE, external_id=subject, status="connected", settings={"email": email}
    )
    session.add(link)
    return link


# --- coaching links ------------------------------------------------------------------------------------


class CoachingLinks:
    """One user's coaching links, both sides: as the athlete who granted them, and as the coach they name
    (by account once accepted, by the user's own e-mail address while only invited)."""

    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id

    async def coaches(self) -> list[tuple[CoachingLink, User | None]]:
        """The user's open links as an athlete, oldest first, with the coach's account once accepted."""
        rows = await self.session.execute(
            select(CoachingLink, User)
            .outerjoin(User, User.id == CoachingLink.coach_id)
            .where(CoachingLink.athlete_id == self.user_id, CoachingLink.status.in_(OPEN))
            .order_by(CoachingLink.created_at, CoachingLink.id)
        )
        return [(link, coach) for link, coach in rows.all()]

    async def as_coach(self, email: str) -> list[tuple[CoachingLink, User]]:
        """Active links naming the user as coach and pending invitations to `email` (the user's own
        address), with the athlete, by the athlete's name."""
        rows = await self.session.execute(
            select(CoachingLink, User)
            .join(User, User.id == CoachingLink.athlete_id)
            .where(
                (
                    ((CoachingLink.coach_id == self.user_id) & (CoachingLink.status == "active"))
                    | ((CoachingLink.coach_email == email.lower()) & (CoachingLink.status == "pending"))
                ),
                CoachingLink.athlete_id != self.user_id,
            )
            .order_by(func.lower(func.coalesce(User.display_name, User.email)), CoachingLink.id)
        )
        return [(link, athlete) for link, athlete in rows.all()]

    async def open_links(self) -> list[CoachingLink]:
        """The user's pending and active links as an athlete."""
        rows = await self.session.scalars(
            select(CoachingLink).where(CoachingLink.athlete_id == self.user_id, CoachingLink.status.in_(OPEN))
        )
        return list(rows.all())

    def add(self, link: CoachingLink) -> CoachingLink:
        """A new link granted by the user (the athlete)."""
        link.athlete_id = self.user_id
        self.session.add(link)
        return link

    async def open_link(self, link_id: int) -> CoachingLink | None:
        """One of the user's open links as an athlete."""
        return await self.session.scalar(
            select(CoachingLink).where(
                CoachingLink.id == link_id,
                CoachingLink.athlete_id == self.user_id,
                CoachingLink.status.in_(OPEN),
            )
        )

    async def invitation(self, link_id: int, email: str) -> CoachingLink | None:
        """A pending invitation to `email` (the user's own address) from another athlete."""
        return await self.session.scalar(
            select(CoachingLink).where(
                CoachingLink.id == link_id,
                CoachingLink.status == "pending",
                CoachingLink.coach_email == email.lower(),
                CoachingLink.athlete_id != self.user_id,
            )
        )

    async def coached_or_invited(self, link_id: int, email: str, *, verified: bool) -> CoachingLink | None:
        """A link the user may leave: active with the user as coach, or (`verified`: the user confirmed
        `email`) an invitation to their address."""
        return await self.session.scalar(
            select(CoachingLink).where(
                CoachingLink.id == link_id,
                (
                    ((CoachingLink.coach_id == self.user_id) & (CoachingLink.status == "active"))
                    | (
                        (CoachingLink.coach_email == email.lower())
                        & (CoachingLink.status == "pending")
                        & (true() if verified else false())
                    )
                ),
            )
        )

    async def active_for_athlete(self, athlete_id: int) -> CoachingLink | None:
        """The active link letting the user (as coach) read `athlete_id`'s feed."""
        return await self.session.scalar(
            select(CoachingLink).where(
                CoachingLink.coach_id == self.user_id,
                CoachingLink.athlete_id == athlete_id,
                CoachingLink.status == "active",
            )
        )

    async def coached_athlete_ids(self) -> list[int]:
        """The athletes whose feed the user (as coach) may read now."""
        rows = await self.session.scalars(
            select(CoachingLink.athlete_id).where(
                CoachingLink.coach_id == self.user_id, CoachingLink.status == "active"
            )
        )
        return sorted(set(rows.all()))


# --- API tokens ----------------------------------------------------------------------------------------


def active_token(now: datetime) -> list[ColumnElement[bool]]:
    """A token that still works at `now`: not revoked, not expired."""
    return [ApiToken.revoked_at.is_(None), or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now)]


class ApiTokens(OwnedRepository[ApiToken]):
    model = ApiToken
    what = "API token"

    async def count_active(self, now: datetime) -> int:
        found = await self.session.scalar(
            select(func.count())
            .select_from(ApiToken)
            .where(ApiToken.user_id == self.user_id, *active_token(now))
        )
        return int(found or 0)

    async def active(self, now: datetime) -> list[ApiToken]:
        """The user's working tokens, newest first."""
        return await self.all(*active_token(now), order_by=[ApiToken.created_at.desc(), ApiToken.id.desc()])

    async def unrevoked(self, token_id: int) -> ApiToken:
        """One of the user's tokens not revoked yet, else NotFound."""
        return await get_owned(
            self.session,
            ApiToken,
            token_id,
            self.user_id,
            what=self.what,
            extra=[ApiToken.revoked_at.is_(None)],
        )

    async def live(self, token_id: int, now: datetime) -> ApiToken | None:
        """The user's token `token_id` if it still works."""
        return await self.session.scalar(self.select().where(ApiToken.id == token_id, *active_token(now)))


async def token_by_hash(session: AsyncSession, token_hash: str, now: datetime) -> ApiToken | None:
    """The working token with this hash. Not scoped by user: a presented token is how its user is found."""
    return await session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash, *active_token(now)))


async def token_and_user_by_hash(
    session: AsyncSession, token_hash: str, now: datetime
) -> tuple[ApiToken, User] | None:
    """The working token with this hash and its account, in one statement (a bearer request's
    authentication: one round trip instead of two). Not scoped by user: a presented token is how its user is
    found."""
    row = (
        await session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_hash, *active_token(now))
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def touch_token_row(
    session: AsyncSession, token_id: int, *, now: datetime, older_than: datetime
) -> bool:
    """Set `last_used_at` of a token last used before `older_than` (or never); a row another request holds
    locked is skipped. Not scoped by user: the token row was found by its hash, which is the proof.
    Returns whether a row changed."""
    unlocked = (
        select(ApiToken.id)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= older_than),
        )
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await session.execute(
        update(ApiToken)
        .where(ApiToken.id == unlocked)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
