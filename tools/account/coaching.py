"""Coaching links: which coach may read which athlete's feed, and what they may do there.

The flow (one, documented in the README): the **athlete invites** a coach by e-mail address, choosing what
to grant; the account with that address sees the invitation and **accepts** (or declines); the athlete can
change the grants or **revoke** at any time, and the coach can stop. Statuses: `pending` → `active` →
`revoked` (athlete) or `declined` (coach). An invitation is addressed to the e-mail, not looked up as an
account, so inviting never tells the athlete whether an address has an account here.

What an active link grants: the athlete's activities in the coach's feed with RunCoach's computed comments
and the comments people wrote (always); the activity detail (`can_view_details`); writing comments
(`can_comment`). Nothing else: no chat, settings, health data, plans or tokens.

Every coach read goes through `coach_link` (an active link or `NotFound`, exactly like someone else's
row), and the feed's own queries join the link table, so a revocation takes effect on the very next
request. A link change bumps both users' data versions, so ETags move.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from core import data_versions as versions
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import CoachingLink, User
from tools.account.repository import CoachingLinks, find_user_by_email
from tools.account.users import normalise_email

#: open (pending or active) links one athlete may have: a few coaches, not a mailing list
MAX_OPEN_LINKS = 10


class Person(BaseModel):
    id: int
    name: str = Field(description="display name, else the e-mail address")


def person(user: User) -> Person:
    return Person(id=user.id, name=user.display_name or user.email)


class Grants(BaseModel):
    can_view_details: bool = Field(default=True, description="the coach may open the activity detail")
    can_comment: bool = Field(default=True, description="the coach may comment on activities")


class CoachLinkOut(Grants):
    """A link as the athlete sees it: whom they invited, whether accepted, what is granted."""

    id: int
    status: str = Field(description="pending (invited), active, revoked or declined")
    coach_email: str
    coach: Person | None = Field(description="the coach's account once accepted")
    created_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None


class AthleteLinkOut(Grants):
    """A link as the coach sees it: the athlete, and what they granted."""

    id: int
    status: str
    athlete: Person
    created_at: datetime
    accepted_at: datetime | None


class CoachingOverview(BaseModel):
    coaches: list[CoachLinkOut] = Field(description="coaches you invited (pending and active)")
    athletes: list[AthleteLinkOut] = Field(description="athletes you coach (active)")
    invitations: list[AthleteLinkOut] = Field(description="invitations to coach, waiting for your answer")


class InviteCoach(Grants):
    email: str = Field(max_length=320, description="the coach's e-mail address")


class GrantsPatch(BaseModel):
    can_view_details: bool | None = None
    can_comment: bool | None = None


def _coach_out(link: CoachingLink, coach: User | None) -> CoachLinkOut:
    return CoachLinkOut(
        id=link.id,
        status=link.status,
        coach_email=link.coach_email,
        coach=person(coach) if coach is not None else None,
        can_view_details=link.can_view_details,
        can_comment=link.can_comment,
        created_at=link.created_at,
        accepted_at=link.accepted_at,
        ended_at=link.ended_at,
    )


def _athlete_out(link: CoachingLink, athlete: User) -> AthleteLinkOut:
    return AthleteLinkOut(
        id=link.id,
        status=link.status,
        athlete=person(athlete),
        can_view_details=link.can_view_details,
        can_comment=link.can_comment,
        created_at=link.created_at,
        accepted_at=link.accepted_at,
    )


async def _changed(session: AsyncSession, link: CoachingLink) -> None:
    """Both sides see something new (ETags). The unit of work bumps the users the link's row names (the
    athlete, and a coach who accepted: `core.data_versions`); an invitation still addressed to an e-mail is
    news for whoever holds that address, which no row says, so that one is noted here."""
    if link.coach_id is None:
        invited = await find_user_by_email(session, link.coach_email)
        if invited is not None:
            versions.changed(session, invited.id)


async def overview(session: AsyncSession, user: User) -> CoachingOverview:
    """The user's coaches (as an athlete), athletes and open invitations (as a coach)."""
    links = CoachingLinks(session, user.id)
    coaches = [_coach_out(link, coach) for link, coach in await links.coaches()]
    as_coach = await links.as_coach(user.email)
    return CoachingOverview(
        coaches=coaches,
        athletes=[_athlete_out(link, a) for link, a in as_coach if link.status == "active"],
        # invitations are addressed to an e-mail: only its verified holder sees (and answers) them
        invitations=[
            _athlete_out(link, a)
            for link, a in as_coach
            if link.status == "pending" and user.email_verified_at is not None
        ],
    )


async def invite_coach(session: AsyncSession, athlete: User, invite: InviteCoach) -> CoachLinkOut:
    """Invite the coach at `invite.email` to follow the athlete's feed with the grants given."""
    email = normalise_email(invite.email)
    if email == athlete.email.lower():
        raise InvalidInput("That is your own address: invite your coach's e-mail address.")
    links = CoachingLinks(session, athlete.id)
    open_links = await links.open_links()
    if any(link.coach_email == email for link in open_links):
        raise Conflict(
            f"{email} is already invited or already your coach. Change what they see, or revoke and "
            "invite again."
        )
    if len(open_links) >= MAX_OPEN_LINKS:
        raise InvalidInput(f"You can have at most {MAX_OPEN_LINKS} coaches; revoke one first.")
    link = links.add(
        CoachingLink(
            coach_email=email,
            status="pending",
            can_view_details=invite.can_view_details,
            can_comment=invite.can_comment,
        )
    )
    await session.flush()
    await session.refresh(link)
    await _changed(session, link)
    return _coach_out(link, None)


async def _athletes_link(session: AsyncSession, athlete: User, link_id: int) -> CoachingLink:
    link = await CoachingLinks(session, athlete.id).open_link(link_id)
    if link is None:
        raise NotFound(f"No coach link {link_id} here. List your coaches to find it.")
    return link


async def change_grants(
    session: AsyncSession, athlete: User, link_id: int, patch: GrantsPatch
) -> CoachLinkOut:
    """Change what a coach (invited or active) may see and do. Takes effect on their next request."""
    link = await _athletes_link(session, athlete, link_id)
    if patch.can_view_details is not None:
        link.can_view_details = patch.can_view_details
    if patch.can_comment is not None:
        link.can_comment = patch.can_comment
    await session.flush()
    await session.refresh(link)
    await _changed(session, link)
    coach = await session.get(User, link.coach_id) if link.coach_id is not None else None
    return _coach_out(link, coach)


async def revoke_coach(session: AsyncSession, athlete: User, link_id: int, now: datetime) -> None:
    """End a coach's access (or withdraw an invitation) at once. Their past comments stay on your
    activities, visible to you."""
    link = await _athletes_link(session, athlete, link_id)
    link.status = "revoked"
    link.ended_at = now
    await session.flush()
    await _changed(session, link)


async def accept_invitation(
    session: AsyncSession, coach: User, link_id: int, now: datetime
) -> AthleteLinkOut:
    """Accept an invitation addressed to the coach's e-mail address, which they must have verified: an
    account registered with someone else's address must not read that athlete's feed."""
    link = await CoachingLinks(session, coach.id).invitation(link_id, coach.email)
    if link is None:
        raise NotFound(f"No invitation {link_id} for you. List your invitations to find it.")
    if coach.email_verified_at is None:
        raise Forbidden(
            f"Confirm that {coach.email} is yours before accepting a coaching invitation: open the link we "
            "mailed you (or ask for a new one from the banner at the top of the app)."
        )
    link.status = "active"
    link.coach_id = coach.id
    link.accepted_at = now
    await session.flush()
    await session.refresh(link)
    await _changed(session, link)
    return _athlete_out(link, await session.get_one(User, link.athlete_id))


async def leave(session: AsyncSession, coach: User, link_id: int, now: datetime) -> None:
    """Decline an invitation (only the verified holder of its address may), or stop coaching an athlete."""
    verified = coach.email_verified_at is not None
    link = await CoachingLinks(session, coach.id).coached_or_invited(link_id, coach.email, verified=verified)
    if link is None:
        raise NotFound(f"No athlete link or invitation {link_id} for you. List them to find it.")
    link.status = "declined"
    link.ended_at = now
    link.updated_at = now
    await session.flush()
    await _changed(session, link)


async def coach_link(session: AsyncSession, coach_id: int, athlete_id: int) -> CoachingLink:
    """The active link letting `coach_id` read `athlete_id`'s feed, else NotFound (as for a missing id)."""
    link = await CoachingLinks(session, coach_id).active_for_athlete(athlete_id)
    if link is None:
        raise NotFound(f"No athlete {athlete_id} shares their activities with you. List your athletes.")
    return link


async def coached_athlete_ids(session: AsyncSession, coach_id: int) -> list[int]:
    """The athletes whose feed `coach_id` may read now."""
    return await CoachingLinks(session, coach_id).coached_athlete_ids()
