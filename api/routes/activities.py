"""Activities: browse, detail, chart samples, delete, and FIT upload (an import job). Logic in
`tools.activities`."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, Response, UploadFile, status
from pydantic import BaseModel, Field

from api.deps import RowId, SettingsDep, ToolDepsDep
from api.errors import problem_responses
from api.etag import conditional
from core.models import Job
from tools.activities.archive_import import check_archive, is_zip, queue_archive_import, stage_archive
from tools.activities.chart import DEFAULT_POINTS, MAX_POINTS, MIN_POINTS, ActivityChart, activity_chart
from tools.activities.detail import ActivityView, activity_view
from tools.activities.search import ActivityFilters, ActivityPage, search_activities
from tools.activities.store import delete_activity as remove_activity
from tools.activities.uploads import Upload, check_upload, clean_name, queue_import, stage_uploads
from tools.deps import ToolDeps

TAGS = [{"name": "activities", "description": "Activities: list, detail, chart samples, delete, FIT upload"}]
router = APIRouter(prefix="/activities", tags=["activities"])

#: a hard ceiling on one upload request, whatever the settings allow per file (a stream is cut off here)
#: the upload route's path under the api prefix (its body limit is `upload_max_request_bytes`: api.body_limit)
IMPORT_PATH = "/activities/import"


@router.get(
    "",
    summary="List activities",
    dependencies=[conditional],
    description="Your activities, newest first, filtered by sport, local date range and text (name, sport, "
    "device), a page at a time (`limit`, `offset`) with the `total` over all pages.",
)
async def list_activities(deps: ToolDepsDep, filters: Annotated[ActivityFilters, Query()]) -> ActivityPage:
    return await search_activities(deps.session, deps.user_id, deps.tz, filters)


class QueuedFile(BaseModel):
    name: str
    size: int = Field(description="bytes")


class ImportQueued(BaseModel):
    job_id: uuid.UUID
    state: str
    files: list[QueuedFile]
    status_url: str = Field(description="poll it for progress and per-file results")


@router.post(
    "/import",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Upload activity files (FIT, GPX, TCX) or a Strava export zip to import",
    description="Multipart field `files`, one or more activity files: FIT, GPX 1.0/1.1 or TCX, each "
    "optionally gzipped (`.fit.gz`, `.gpx.gz`, `.tcx.gz`); or one Strava bulk export (`export_*.zip`), "
    "whose activities (with their names, types, descriptions and gear from `activities.csv`, and manual "
    "activities as summaries) are imported by one job; an archive with member names outside it, a zip "
    "bomb or an oversize member is a 422 with the reason. Every file is stored before the "
    "import job is queued, so nothing is lost; poll `GET /jobs/{job_id}` for progress and each file's "
    "result (imported, already imported, or rejected with the reason). Too many files or a file over the "
    "size limit is a 413 and nothing is stored.",
    responses=problem_responses(413),
)
async def import_activities(
    files: Annotated[list[UploadFile], File(description="FIT, GPX or TCX activity files")],
    deps: ToolDepsDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
) -> ImportQueued:
    names = [clean_name(f.filename, i) for i, f in enumerate(files)]
    if len(files) == 1 and is_zip(await files[0].read(4)):
        job, queued = await _queue_archive(files[0], names[0], deps)
        return _queued(job, queued, request, response)
    for upload in files:
        await upload.seek(0)
    check_upload(
        [(name, f.size or 0) for name, f in zip(names, files, strict=True)],
        max_files=settings.upload_max_files,
        max_file_bytes=settings.upload_max_file_bytes,
    )
    staged = []
    for name, upload in zip(names, files, strict=True):
        data = await upload.read(settings.upload_max_file_bytes + 1)
        check_upload([(name, len(data))], max_files=1, max_file_bytes=settings.upload_max_file_bytes)
        staged += await stage_uploads(deps.session, [Upload(name=name, data=data)])
    job = await queue_import(deps.session, deps.user_id, staged)
    return _queued(job, [QueuedFile(name=s.name, size=s.size) for s in staged], request, response)


async def _queue_archive(upload: UploadFile, name: str, deps: ToolDeps) -> tuple[Job, list[QueuedFile]]:
    """A Strava export: checked (refused with the reason, nothing stored), staged, one import job."""
    await upload.seek(0)
    await asyncio.to_thread(check_archive, upload.file, name)
    source = await stage_archive(deps.session, upload.file, name)
    job = await queue_archive_import(deps.session, deps.user_id, source)
    return job, [QueuedFile(name=name, size=source.size)]


def _queued(job: Job, files: list[QueuedFile], request: Request, response: Response) -> ImportQueued:
    status_url = str(request.url_for("get_job", job_id=str(job.id)).path)
    response.headers["Location"] = status_url
    return ImportQueued(job_id=job.id, state=job.state, files=files, status_url=status_url)


@router.get(
    "/{activity_id}",
    summary="Get an activity",
    description="Totals, laps, multisport legs, the gear used and the time in each heart-rate zone.",
    responses=problem_responses(404),
)
async def get_activity(activity_id: RowId, deps: ToolDepsDep) -> ActivityView:
    return await activity_view(deps, activity_id)


@router.get(
    "/{activity_id}/samples",
    summary="Get an activity's samples for charts",
    description="The per-second samples reduced to at most `points` bucket averages: time, distance, heart "
    "rate, speed and pace, altitude, cadence, power, and a recorded position per point for the route map.",
    responses=problem_responses(404),
)
async def get_activity_samples(
    activity_id: RowId,
    deps: ToolDepsDep,
    points: Annotated[int, Query(ge=MIN_POINTS, le=MAX_POINTS, description="at most this many points")] = (
        DEFAULT_POINTS
    ),
) -> ActivityChart:
    return await activity_chart(deps.session, deps.user_id, activity_id, points)


@router.delete(
    "/{activity_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an activity",
    description="Deletes the activity with its samples, laps, multisport legs and gear links (your own "
    "click is the approval). Copies on Garmin or Strava are not touched.",
    responses=problem_responses(404),
)
async def delete_activity(activity_id: RowId, deps: ToolDepsDep) -> None:
    await remove_activity(deps.session, deps.user_id, activity_id)
