"""The statements Strava's side of RunCoach makes on the user's activities (owner-scoped: every function
takes the user). The look-up an import makes before storing (`known_activity`) is shared with Garmin, in
`tools.integrations.repository`."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity


async def strava_copies(session: AsyncSession, user_id: int, strava_id: int) -> list[Activity]:
    """The user's activities that are Strava activity `strava_id`: imported from it, or linked to it (a FIT
    file or a Garmin activity uploaded to or found on Strava)."""
    rows = await session.scalars(
        select(Activity).where(
            Activity.user_id == user_id,
            or_(
                (Activity.source == "strava") & (Activity.external_id == str(strava_id)),
                Activity.strava_activity_id == strava_id,
            ),
        )
    )
    return list(rows)
