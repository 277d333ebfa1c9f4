"""Write one activity (with legs, laps and per-second samples) atomically. Samples go in with COPY.

The caller's unit of work owns the transaction: a failure anywhere leaves nothing behind. Monthly sample
partitions (on the partitioned, non-Timescale table) are created beforehand in their own short
transaction, because creating a partition locks the parent table and must not be held for a whole import.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.errors import NotFound
from core.models import SAMPLE_VALUE_COLUMNS, Activity, Lap, activity_samples
from core.queue.outbox import enqueue
from tools.activities.repository import leg_ids
from tools.samples.repository import (
    copy_activity_samples,
    create_sample_partitions,
    delete_samples,
    write_minute_rollups,
)
from tools.samples.series import MARGIN, UNKNOWN_DURATION, Series

#: months (UTC, "YYYY-MM") known to have a partition, per database; saves a round trip per import
_known_months: set[tuple[str, str]] = set()


@dataclass
class NewActivity:
    """Everything needed to store one activity. `samples` is column-oriented: name → list of values,
    every list as long as `samples["ts"]`; missing columns are stored as NULL."""

    fields: dict[str, Any]
    laps: list[dict[str, Any]] = field(default_factory=list)
    samples: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    legs: list[NewActivity] = field(default_factory=list)

    @property
    def sample_count(self) -> int:
        return len(self.samples.get("ts", ()))


def _months(first: datetime, last: datetime) -> list[str]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


async def ensure_sample_partitions(conn: AsyncConnection, first: datetime, last: datetime) -> None:
    """Create the monthly partitions covering [first, last] in their own, committed transaction."""
    key = str(conn.engine.url)
    needed = [m for m in _months(first, last) if (key, m) not in _known_months]
    if not needed:
        return
    await create_sample_partitions(conn, first, last)
    _known_months.update((key, m) for m in needed)


def _value_columns(samples: Mapping[str, Sequence[Any]]) -> list[Sequence[Any]]:
    n = len(samples["ts"])
    columns: list[Sequence[Any]] = []
    for name in SAMPLE_VALUE_COLUMNS:
        values = samples.get(name)
        if values is None:
            columns.append([None] * n)
        elif len(values) != n:
            raise ValueError(f"sample column {name} has {len(values)} values for {n} timestamps")
        else:
            columns.append(values)
    return columns


#: columns stored in single precision (REAL): reading one back gives the value rounded to a 32-bit float
REAL_COLUMNS = frozenset(
    c.name for c in activity_samples.c if isinstance(c.type, Float) and c.type.precision == 24
)


def _as_stored(name: str, values: Sequence[Any]) -> list[Any]:
    """The values of one column as PostgreSQL gives them back (REAL rounds to 32 bits, DOUBLE is a float)."""
    if name in REAL_COLUMNS:
        rounded = array("f", [0.0 if v is None else v for v in values]).tolist()
        return [None if v is None else r for v, r in zip(values, rounded, strict=True)]
    if isinstance(activity_samples.c[name].type, Float):
        return [None if v is None else float(v) for v in values]
    return list(values)


def stored_series(new: NewActivity, columns: Sequence[str]) -> Series | None:
    """What `tools.samples.series.activity_series` reads back for the top activity of `new` once
    `store_activity` has written it (the samples in its time window, in time order, as stored), without the
    round trip; None when it has no samples there, as the read has none."""
    ts = new.samples.get("ts")
    if not ts:
        return None
    start, elapsed = new.fields["start_time"], new.fields.get("elapsed_s")
    first = start - MARGIN
    last = start + (timedelta(seconds=elapsed) if elapsed else UNKNOWN_DURATION) + MARGIN
    inside = first <= min(ts) and max(ts) <= last  # the usual case: every sample is in the window
    rows = list(range(len(ts))) if inside else [i for i, t in enumerate(ts) if first <= t <= last]
    if not rows:
        return None
    if inside:
        in_order = all(a <= b for a, b in itertools.pairwise(ts))
    else:
        in_order = all(ts[a] <= ts[b] for a, b in itertools.pairwise(rows))
    if not in_order:
        rows.sort(key=ts.__getitem__)  # stable: samples at the same second keep the file's order
    everything = in_order and len(rows) == len(ts)
    out = Series(t=[t.timestamp() for t in ts] if everything else [ts[i].timestamp() for i in rows])
    for name in columns:
        values = new.samples.get(name)
        if values is None:
            out.columns[name] = [None] * len(rows)
            continue
        picked = values if everything else [values[i] for i in rows]
        out.columns[name] = _as_stored(name, picked)
    return out


async def copy_samples(
    session: AsyncSession, activity_id: int, user_id: int, samples: Mapping[str, Sequence[Any]]
) -> int:
    """COPY the samples of one activity into activity_samples, and their per-minute rollups, inside the
    session's transaction."""
    if not samples.get("ts"):
        return 0
    ts = samples["ts"]
    first, last = min(ts), max(ts)
    await ensure_sample_partitions(await session.connection(), first, last)
    written = await copy_activity_samples(session, user_id, activity_id, ts, _value_columns(samples))
    await write_minute_rollups(session, activity_id=activity_id, user_id=user_id, first=first, last=last)
    return written


async def store_activity(
    session: AsyncSession, user_id: int, new: NewActivity, *, parent_id: int | None = None
) -> Activity:
    """Insert the activity, its laps, its samples and (for multisport) its legs. Flushes; never commits."""
    return (await store_activity_and_legs(session, user_id, new, parent_id=parent_id))[0]


async def store_activity_and_legs(
    session: AsyncSession, user_id: int, new: NewActivity, *, parent_id: int | None = None
) -> tuple[Activity, list[Activity]]:
    """`store_activity`, and the legs it stored, in order (the importer's figures and facts need them)."""
    activity = Activity(user_id=user_id, parent_id=parent_id, sample_count=new.sample_count, **new.fields)
    session.add(activity)
    await session.flush()
    for lap in new.laps:
        session.add(Lap(activity_id=activity.id, user_id=user_id, **lap))
    await copy_samples(session, activity.id, user_id, new.samples)
    legs = []
    for index, leg in enumerate(new.legs):
        leg.fields.setdefault("leg_index", index)
        leg.fields.setdefault("source", new.fields.get("source"))
        legs.append(await store_activity(session, user_id, leg, parent_id=activity.id))
    await session.flush()
    return activity, legs


async def delete_activity(session: AsyncSession, user_id: int, activity_id: int) -> None:
    """Delete one of the user's activities with its legs, laps and samples (samples have no FK cascade).
    Its original file goes too once this commits, unless another activity (any user's) has the same bytes:
    the `originals.forget` job is enqueued in this unit of work, so a rollback deletes nothing."""
    activity = await session.get(Activity, activity_id)
    if activity is None or activity.user_id != user_id:
        raise NotFound(f"Activity {activity_id} does not exist or is not yours.")
    if activity.file_sha256 is not None:
        await enqueue(
            session,
            "originals.forget",
            {"sha256": activity.file_sha256},
            user_id=user_id,
            idempotency_key=f"originals.forget:{activity.file_sha256}:{activity_id}",
        )
    ids = [activity_id, *await leg_ids(session, user_id, activity_id)]
    await delete_samples(session, user_id, ids)  # and their rollups
    await session.delete(activity)
    await session.flush()
