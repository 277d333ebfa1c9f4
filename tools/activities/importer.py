"""`import_fit`: one FIT file → one stored activity (with laps, samples and multisport legs), exactly once.

Used by every way a file arrives: the CLI, an upload, a Telegram attachment, a Garmin sync. Idempotent:
the same file (by SHA-256), or the same activity from another source (same start time), imports once and
the second attempt answers `already_imported` with the existing id. Atomic: decoding happens before any
write, and the writes run in a savepoint, so a failure leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Activity
from core.settings import get_settings
from tools.activities.fit.decode import decode_fit
from tools.activities.fit.model import ParsedActivity, ParsedLap
from tools.activities.originals import save_original
from tools.activities.store import NewActivity, store_activity
from tools.fitness.activity_load import compute_activity_load
from tools.gear.gear import link_default_gear

#: two recordings of one workout (watch file vs. Garmin's copy) start within this window
SAME_START_TOLERANCE = timedelta(seconds=2)


class ImportResult(BaseModel):
    file: str
    status: Literal["imported", "already_imported", "rejected"]
    activity_id: int | None = None
    reason: str | None = None
    sport: str | None = None
    start_time: datetime | None = None
    distance_m: float | None = None
    samples: int = 0
    warnings: list[str] = []


def _lap_fields(lap: ParsedLap) -> dict[str, Any]:
    return {
        "lap_index": lap.index,
        "start_time": lap.start_time,
        "elapsed_s": lap.elapsed_s,
        "timer_s": lap.timer_s,
        "distance_m": lap.distance_m,
        "avg_hr": lap.avg_hr,
        "max_hr": lap.max_hr,
        "avg_speed_mps": lap.avg_speed_mps,
        "max_speed_mps": lap.max_speed_mps,
        "avg_cadence": lap.avg_cadence,
        "avg_power": lap.avg_power,
        "ascent_m": lap.ascent_m,
        "descent_m": lap.descent_m,
        "calories": lap.calories,
        "intensity": lap.intensity,
        "trigger": lap.lap_trigger,
    }


def to_new_activity(
    parsed: ParsedActivity, *, source: str, external_id: str | None, name: str | None
) -> NewActivity:
    """The decoded file in the shape `store_activity` writes (legs keep the parent's file hash out)."""

    def convert(p: ParsedActivity, *, top: bool) -> NewActivity:
        fields: dict[str, Any] = {
            "source": source,
            "sport": p.sport,
            "sub_sport": p.sub_sport,
            "start_time": p.start_time,
            "tz_offset_s": p.tz_offset_s,
            "elapsed_s": p.elapsed_s,
            "moving_s": p.moving_s if p.moving_s is not None else p.timer_s,
            "distance_m": p.distance_m,
            "ascent_m": p.ascent_m,
            "descent_m": p.descent_m,
            "avg_hr": p.avg_hr,
            "max_hr": p.max_hr,
            "avg_cadence": p.avg_cadence,
            "max_cadence": p.max_cadence,
            "avg_power": p.avg_power,
            "max_power": p.max_power,
            "avg_speed_mps": p.avg_speed_mps,
            "max_speed_mps": p.max_speed_mps,
            "calories": p.calories,
            "device_manufacturer": p.device_manufacturer,
            "device_product": p.device_product,
            "device_serial": str(p.device_serial_number) if p.device_serial_number is not None else None,
        }
        if top:
            fields.update(file_sha256=p.file_sha256, external_id=external_id, name=name)
        samples = {column: getattr(p.samples, column) for column in p.samples.COLUMNS}
        return NewActivity(
            fields=fields,
            laps=[_lap_fields(lap) for lap in p.laps],
            samples=samples,
            legs=[convert(leg, top=False) for leg in p.legs],
        )

    return convert(parsed, top=True)


async def _existing(
    session: AsyncSession, user_id: int, *, sha256: str | None, start: datetime | None
) -> Activity | None:
    if sha256 is not None:
        found = (
            await session.execute(
                select(Activity).where(
                    Activity.user_id == user_id, Activity.file_sha256 == sha256, Activity.parent_id.is_(None)
                )
            )
        ).scalar_one_or_none()
        if found is not None:
            return found
    if start is not None:
        return (
            await session.execute(
                select(Activity)
                .where(
                    Activity.user_id == user_id,
                    Activity.parent_id.is_(None),
                    Activity.start_time.between(start - SAME_START_TOLERANCE, start + SAME_START_TOLERANCE),
                )
                .limit(1)
            )
        ).scalar_one_or_none()
    return None


def _already(filename: str, activity: Activity) -> ImportResult:
    return ImportResult(
        file=filename,
        status="already_imported",
        activity_id=activity.id,
        sport=activity.sport,
        start_time=activity.start_time,
        distance_m=activity.distance_m,
        samples=activity.sample_count,
    )


async def import_fit(
    session: AsyncSession,
    user_id: int,
    data: bytes,
    *,
    filename: str,
    source: str = "upload",
    external_id: str | None = None,
    name: str | None = None,
) -> ImportResult:
    """Import one FIT activity file for the user. Raises the FIT errors (InvalidInput) for bad files,
    having written nothing; returns `already_imported` for a file or activity that is already stored."""
    sha = hashlib.sha256(data).hexdigest()
    found = await _existing(session, user_id, sha256=sha, start=None)
    if found is not None:
        return _already(filename, found)
    decoder = get_settings().fit_decoder
    parsed = await asyncio.to_thread(decode_fit, data, filename=filename, decoder=decoder)
    found = await _existing(session, user_id, sha256=None, start=parsed.start_time)
    if found is not None:
        return _already(filename, found)
    new = to_new_activity(parsed, source=source, external_id=external_id, name=name)
    try:
        async with session.begin_nested():
            activity = await store_activity(session, user_id, new)
            await link_default_gear(session, activity)
            await compute_activity_load(session, activity)
        await asyncio.to_thread(save_original, data)
    except IntegrityError:
        # a concurrent import of the same file or activity won the race
        found = await _existing(session, user_id, sha256=sha, start=parsed.start_time)
        if found is None:
            raise
        return _already(filename, found)
    return ImportResult(
        file=filename,
        status="imported",
        activity_id=activity.id,
        sport=parsed.sport,
        start_time=parsed.start_time,
        distance_m=parsed.distance_m,
        samples=parsed.sample_count,
        warnings=list(parsed.warnings),
    )
