"""`query_samples`: typed questions over the athlete's per-second samples, answered by one SQL statement.

The statement (built in `repository.py`) always filters on the user from the tool's dependencies and on a
time range, so the planner touches only that athlete's rows in the partitions (or chunks) of that range.
Buckets of a day or more, per activity or none, without per-sample conditions other than a heart-rate band,
and with percentiles of heart rate or pace only, are answered from the rollups (`rollup_table`): the same
figures from ~30–60× fewer rows, except percentiles of pace, from 1 s/km histograms within ±1 s/km, which
the answer's notes then say.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from core.errors import NotFound
from tools.activities.repository import Activities
from tools.activities.visibility import hidden_sources
from tools.deps import ToolDeps
from tools.registry import tool
from tools.samples.repository import PACE_BOUND_S_PER_KM, activity_labels, aggregate_samples
from tools.samples.spec import DEFAULT_DAYS, MAX_DAYS, MAX_OUTPUT_BYTES, MAX_ROWS, SampleQuery

ACTIVITY_RANGE_MARGIN = timedelta(minutes=1)
UNKNOWN_DURATION = timedelta(days=1)


class SampleRow(BaseModel):
    bucket_start: datetime | None = Field(default=None, description="local start of the time bucket")
    activity_id: int | None = None
    activity_name: str | None = None
    sport: str | None = None
    activity_start: datetime | None = None
    samples: int = Field(description="samples (≈ seconds at 1 Hz recording) that matched")
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    values: dict[str, float | None] = Field(description="`metric.aggregate` → value")
    seconds: float | None = Field(
        default=None, description="with covered_time: the time the matching samples cover (s)"
    )


class SampleQueryResult(BaseModel):
    start: datetime = Field(description="range start (inclusive)")
    end: datetime = Field(description="range end (exclusive)")
    bucket: str
    columns: list[str]
    rows: list[SampleRow]
    truncated: bool = Field(
        description="more rows existed than are shown (max_rows, or the answer's size limit); the notes say "
        "how to narrow the question"
    )
    notes: list[str]


def local_day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


async def _activity_range(deps: ToolDeps, ids: list[int]) -> tuple[datetime, datetime]:
    rows = list(
        (await Activities(deps.session, deps.user_id).by_id(ids, hidden=hidden_sources(deps))).values()
    )
    missing = sorted(set(ids) - {row.id for row in rows})
    if missing:
        raise NotFound(
            f"No activities with ids {', '.join(map(str, missing))}. List the athlete's activities for ids."
        )
    start = min(row.start_time for row in rows) - ACTIVITY_RANGE_MARGIN
    end = max(
        row.start_time
        + (timedelta(seconds=row.elapsed_s) if row.elapsed_s else UNKNOWN_DURATION)
        + ACTIVITY_RANGE_MARGIN
        for row in rows
    )
    return start, end


async def resolve_range(deps: ToolDeps, args: SampleQuery, notes: list[str]) -> tuple[datetime, datetime]:
    """The [start, end) of the query: the dates given (local days), else the activities' own span, else
    the last 90 days; never more than MAX_DAYS (clamped, with a note)."""
    if args.activity_ids and args.start_date is None and args.end_date is None:
        start, end = await _activity_range(deps, args.activity_ids)
    else:
        end_day = args.end_date or deps.today
        start_day = args.start_date or end_day - timedelta(days=DEFAULT_DAYS - 1)
        start = local_day_start(start_day, deps.tz)
        end = local_day_start(end_day + timedelta(days=1), deps.tz)
    if end - start > timedelta(days=MAX_DAYS):
        start = end - timedelta(days=MAX_DAYS)
        notes.append(f"range clamped to the last {MAX_DAYS} days before its end")
    return start, end


def _within_budget(rows: list[SampleRow]) -> tuple[list[SampleRow], int]:
    """The leading rows whose JSON fits the answer's size limit (leaving room for the rest of the answer),
    and how many were left out."""
    budget = MAX_OUTPUT_BYTES - 2048
    for index, row in enumerate(rows):
        budget -= len(row.model_dump_json()) + 1
        if budget < 0:
            return rows[:index], len(rows) - index
    return rows, 0


@tool()
async def query_samples(deps: ToolDeps, args: SampleQuery) -> SampleQueryResult:
    """Aggregate the athlete's per-second recordings (heart rate, pace/speed, cadence, power, altitude,
    grade, running dynamics): choose metrics, aggregates (avg, min, max, sum, count, p10…p95), a bucket
    (none, per activity, or 1min … 1w in local time), a date range (default the last 90 days, at most 3
    years), an activity filter (sport, ids) and conditions (HR band in bpm, pace band in s/km, grade band in
    %). Examples: average HR per week of running; p90 pace per activity; time spent above 170 bpm
    (count of heart_rate samples ≈ seconds); average cadence on uphill grades over 4 %."""
    notes: list[str] = []
    max_rows = min(max(args.max_rows, 1), MAX_ROWS)
    if max_rows != args.max_rows:
        notes.append(f"max_rows clamped to {max_rows}")
    start, end = await resolve_range(deps, args, notes)
    aggregated = await aggregate_samples(
        deps.session,
        deps.user_id,
        args,
        tz=deps.tz.key,
        start=start,
        end=end,
        limit=max_rows + 1,
        hide_sources=hidden_sources(deps),
    )
    truncated = len(aggregated.rows) > max_rows
    result = aggregated.rows[:max_rows]
    columns = args.column_names()
    if aggregated.pace_binned:
        shown = ", ".join(c for c in columns if c.startswith("pace_s_per_km.p"))
        notes.append(
            f"{shown} from per-quarter-hour histograms in 1 s/km bins: within ±{PACE_BOUND_S_PER_KM:g} s/km "
            "of the exact figure (other values are exact)"
        )

    labels = {}
    if args.bucket == "activity" and result:
        ids = [int(row.bucket) for row in result]
        labels = await activity_labels(deps.session, deps.user_id, ids, hidden_sources(deps))

    rows = []
    for row in result:
        aggregates: list[Any] = [row._mapping[f"c{k}"] for k in range(len(columns))]
        values: dict[str, float | None] = {
            name: (round(float(value), 3) if value is not None else None)
            for name, value in zip(columns, aggregates, strict=True)
        }
        out = SampleRow(
            samples=int(row.samples),
            first_ts=row.first_ts,
            last_ts=row.last_ts,
            values=values,
            seconds=round(float(row.seconds), 1) if args.covered_time else None,
        )
        if args.bucket == "activity":
            label = labels.get(int(row.bucket))
            out.activity_id = int(row.bucket)
            if label is not None:
                out.activity_name, out.sport, out.activity_start = label.name, label.sport, label.start_time
        elif args.bucket != "none":
            out.bucket_start = row.bucket.replace(tzinfo=deps.tz)
        rows.append(out)
    if truncated:
        notes.append(f"only the first {max_rows} rows are shown; use a coarser bucket or a shorter range")
    rows, cut = _within_budget(rows)
    if cut:
        truncated = True
        notes.append(
            f"the answer is capped at {MAX_OUTPUT_BYTES // 1024} KB, so only the first {len(rows)} rows are "
            f"shown ({cut} more left out): narrow the question — fewer metrics or aggregates, a coarser "
            "bucket (1w instead of 1d, 1h instead of 1min), a shorter date range, or specific activity_ids"
        )
    if rows and rows[0].samples == 0 and args.bucket == "none":
        notes.append("no samples matched: check the date range, the filters and the conditions")
    return SampleQueryResult(
        start=start.astimezone(deps.tz),
        end=end.astimezone(deps.tz),
        bucket=args.bucket,
        columns=columns,
        rows=rows,
        truncated=truncated,
        notes=notes,
    )
