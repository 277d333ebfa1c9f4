"""Coaching links: an athlete invites a coach by e-mail, the coach accepts, the athlete can change what is
granted or revoke at any time. Thin over `tools.account.coaching`."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response, status

from api.deps import CurrentUser, RowId, SessionDep
from api.errors import problem_responses
from tools.account import coaching
from tools.account.coaching import AthleteLinkOut, CoachingOverview, CoachLinkOut, GrantsPatch, InviteCoach

TAGS = [{"name": "coaching", "description": "Coach accounts: invite a coach, accept, grant, revoke"}]
router = APIRouter(prefix="/coaching", tags=["coaching"])


@router.get(
    "",
    summary="Your coaches, athletes and invitations",
    description="As an athlete: the coaches you invited (pending or active) and what each may see. As a "
    "coach: the athletes who share their feed with you, and invitations waiting for your answer.",
)
async def get_coaching(user: CurrentUser, session: SessionDep) -> CoachingOverview:
    return await coaching.overview(session, user)


@router.post(
    "/coaches",
    status_code=status.HTTP_201_CREATED,
    summary="Invite a coach",
    description="The account with this e-mail address (now or once it signs up) sees the invitation and "
    "can accept it; until then nothing is shared. A coach sees your activities with their comments in the "
    "feed, the activity detail if `can_view_details`, and may comment if `can_comment` — nothing else.",
    responses=problem_responses(409, 422),
)
async def invite_coach(body: InviteCoach, user: CurrentUser, session: SessionDep) -> CoachLinkOut:
    return await coaching.invite_coach(session, user, body)


@router.patch(
    "/coaches/{link_id}",
    summary="Change what a coach may see and do",
    description="Only the fields given change; it applies to the coach's next request.",
    responses=problem_responses(404),
)
async def change_grants(
    link_id: RowId, body: GrantsPatch, user: CurrentUser, session: SessionDep
) -> CoachLinkOut:
    return await coaching.change_grants(session, user, link_id, body)


@router.delete(
    "/coaches/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a coach (or withdraw an invitation)",
    description="Takes effect at once: the coach's next request for your feed is a 404. Comments they "
    "wrote stay on your activities.",
    responses=problem_responses(404),
)
async def revoke_coach(link_id: RowId, user: CurrentUser, session: SessionDep) -> Response:
    await coaching.revoke_coach(session, user, link_id, datetime.now(UTC))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/invitations/{link_id}/accept",
    summary="Accept an invitation to coach",
    responses=problem_responses(404),
)
async def accept_invitation(link_id: RowId, user: CurrentUser, session: SessionDep) -> AthleteLinkOut:
    return await coaching.accept_invitation(session, user, link_id, datetime.now(UTC))


@router.delete(
    "/athletes/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Decline an invitation, or stop coaching an athlete",
    responses=problem_responses(404),
)
async def leave(link_id: RowId, user: CurrentUser, session: SessionDep) -> Response:
    await coaching.leave(session, user, link_id, datetime.now(UTC))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
