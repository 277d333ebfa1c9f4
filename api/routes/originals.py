"""Download the original FIT file of an activity (user-scoped: someone else's activity is a 404)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import CurrentUser, RowId, SessionDep
from tools.activities.originals import activity_original

TAGS = [{"name": "originals", "description": "The original files activities were imported from"}]
router = APIRouter(prefix="/activities", tags=["originals"])


@router.get(
    "/{activity_id}/original",
    summary="Download the original FIT file",
    description="The FIT file the activity was imported from, byte for byte (a multisport leg gives the "
    "whole file). 404 when the activity is not yours or was not imported from a file (Strava streams, demo).",
    response_class=Response,
    responses={200: {"content": {"application/vnd.ant.fit": {}}, "description": "the FIT file"}},
)
async def download_original(activity_id: RowId, user: CurrentUser, session: SessionDep) -> Response:
    original = await activity_original(session, user.id, activity_id)
    return Response(
        content=original.data,
        media_type="application/vnd.ant.fit",
        headers={
            "Content-Disposition": f'attachment; filename="{original.filename}"',
            "ETag": f'"{original.sha256}"',
            "Cache-Control": "private, max-age=86400",
        },
    )
