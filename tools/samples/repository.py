"""Every statement on the per-second samples (`activity_samples`) and their rollups, per minute
(`activity_sample_minutes`), per quarter hour and heart rate (`activity_sample_hr_quarters`) and per quarter
hour and pace bin (`activity_sample_pace_quarters`), for one user: each function takes the user and filters
on it in the query.

Series. `series_rows` reads chosen activities' samples as one row of arrays per activity (`array_agg …
ORDER BY ts`, decoded by the driver in C); `tools.samples.series` shapes them.

Rollups, kept in step with the samples. `write_minute_rollups` runs right after the samples' COPY, in the
same transaction (the SQL function `write_activity_sample_rollups` of the migrations rolls the rows just
written up, all three ways in one statement, so the rollups hold exactly what the raw rows give);
`delete_minute_rollups` goes with every delete of samples. `rebuild_minute_rollups` rolls up samples
written some other way (a bench's bulk COPY).

Aggregates (`query_samples`): `aggregate_samples` runs one statement, built by `build_samples_query` over the
raw rows or, when `rollup_table` names rollups that answer it, by `build_rollup_query` over them (a
heart-rate band is a filter on the key of the heart-rate rollups, a percentile of heart rate a rank in their
per-bucket histogram; both exact). A percentile of pace is a rank in the pace histograms (1 s/km bins,
joined per bucket): not exact but within PACE_BOUND_S_PER_KM, which the tool's answer states, and only over
more than PACE_EXACT_UP_TO (a shorter range is cheap on the raw rows, and exact); a bucket where the bound
cannot be guaranteed (`_pace_percentiles`) sends the whole question to the raw rows. Other percentiles,
pace bands, grade and covered time stay on the raw rows: a percentile of another continuous value (speed
at 1 mm/s, cadence…) needs nearly every value (a quarter hour of running holds ~4× fewer distinct speeds
than samples, of cycling ~1.2×), and grade needs each sample's neighbours. Bound parameters only, the same
SQL on a hypertable and a partitioned table.

The raw statement's shape:

    SELECT bucket, count(*), agg(metric)…                          -- outer: conditions and aggregates
    FROM (SELECT activity_id, ts, <columns>, <grade window>, <bucket>
          FROM activity_samples
          WHERE user_id = :me AND ts >= :start AND ts < :end        -- always: partition/chunk pruning
                [AND activity_id IN (:ids)] [AND activity_id IN (<the user's activities of :sport>)]) s
    WHERE <HR band> AND <pace band (as a speed band)> AND <grade band>
    GROUP BY bucket ORDER BY bucket LIMIT :rows + 1

- Grade is computed in the inner query with window functions over each activity's samples in time order
  (a centred difference: altitude change / distance change between the samples GRADE_HALF_SPAN rows
  before and after, when they are at least GRADE_MIN_DISTANCE_M apart), so the HR/pace conditions of the
  outer query do not change which neighbours a sample has.
- Time buckets are `date_bin(stride, ts AT TIME ZONE :tz, origin)` — local wall-clock buckets (a day is the
  athlete's day, across DST changes), origin Monday 2001-01-01 so weeks start on Monday. `date_bin` is
  core PostgreSQL (14+), so no TimescaleDB function is needed.
- Pace is derived from speed over moving samples (≥ MOVING_SPEED_MPS): avg pace = 1000 / avg speed,
  fastest (min) pace = 1000 / max speed, the p-th percentile of pace = 1000 / the (100−p)-th of speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Float,
    Row,
    Select,
    Table,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery
from sqlalchemy.types import DateTime

from core.models import (
    SAMPLE_COLUMNS,
    Activity,
    activity_sample_hr_quarters,
    activity_sample_minutes,
    activity_sample_pace_quarters,
    activity_samples,
)
from tools.samples.spec import (
    BUCKET_INTERVALS,
    GRADE_HALF_SPAN,
    GRADE_MIN_DISTANCE_M,
    MOVING_SPEED_MPS,
    PERCENTILES,
    SampleQuery,
)
from tools.statistics import MAX_GAP_S


async def series_rows(
    session: AsyncSession,
    user_id: int,
    activity_ids: Sequence[int],
    start: datetime,
    end: datetime,
    columns: Sequence[str],
) -> list[Row[*tuple[Any, ...]]]:
    """One row per activity of the user's among `activity_ids` with samples in [start, end]: the activity
    id, then the epoch seconds and each of `columns` (names of `SAMPLE_VALUE_COLUMNS`) as arrays in time
    order."""
    s = activity_samples
    order = s.c.ts
    statement = (
        select(
            s.c.activity_id,
            func.array_agg(aggregate_order_by(func.date_part("epoch", s.c.ts), order)),
            *(func.array_agg(aggregate_order_by(s.c[c], order)) for c in columns),
        )
        .where(
            s.c.user_id == user_id,
            s.c.ts >= start,
            s.c.ts <= end,
            s.c.activity_id.in_(list(activity_ids)),
        )
        .group_by(s.c.activity_id)
    )
    return list((await session.execute(statement)).all())


async def write_minute_rollups(
    session: AsyncSession, user_id: int, activity_id: int, first: datetime, last: datetime
) -> int:
    """Roll up the activity's samples in [first, last] (all of them, just written) per minute, per quarter
    hour and heart rate, and per quarter hour and pace bin, in one statement; the minutes written."""
    written = await session.execute(
        text("SELECT write_activity_sample_rollups(:user, :activity, :first, :last)"),
        {"user": user_id, "activity": activity_id, "first": first, "last": last},
    )
    return int(written.scalar_one())


async def delete_samples(session: AsyncSession, user_id: int, activity_ids: Sequence[int]) -> None:
    """Delete the samples of the user's activities, and their rollups with them."""
    s = activity_samples
    await session.execute(delete(s).where(s.c.user_id == user_id, s.c.activity_id.in_(list(activity_ids))))
    await delete_minute_rollups(session, user_id, activity_ids)


async def delete_minute_rollups(session: AsyncSession, user_id: int, activity_ids: Sequence[int]) -> None:
    """Delete the rollups (per minute, per quarter hour and heart rate, per quarter hour and pace bin) of
    the user's activities."""
    for m in (activity_sample_minutes, activity_sample_hr_quarters, activity_sample_pace_quarters):
        await session.execute(
            delete(m).where(m.c.user_id == user_id, m.c.activity_id.in_(list(activity_ids)))
        )


async def rebuild_minute_rollups(session: AsyncSession, user_id: int) -> int:
    """Roll up every sample of the user again (after samples were written without `copy_samples`); the
    minutes written."""
    written = await session.execute(
        text(
            "SELECT rebuild_activity_sample_minutes(:user), rebuild_activity_sample_hr_quarters(:user), "
            "rebuild_activity_sample_pace_quarters(:user)"
        ),
        {"user": user_id},
    )
    return int(written.one()[0])


# --- aggregates (`query_samples`) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Aggregated:
    """What `aggregate_samples` found: the rows (the columns of `build_samples_query`), and whether the
    pace percentiles among them come from the pace histograms (within PACE_BOUND_S_PER_KM of the exact
    figure) rather than the raw samples."""

    rows: list[Row[*tuple[Any, ...]]]
    pace_binned: bool


async def aggregate_samples(
    session: AsyncSession,
    user_id: int,
    query: SampleQuery,
    *,
    tz: str,
    start: datetime,
    end: datetime,
    limit: int,
    hide_sources: Sequence[str] = (),
) -> Aggregated:
    """The rows of `query` over the user's samples with `start` ≤ ts < `end`, from the rollups when they
    answer it (`rollup_table`: exactly, or pace percentiles within PACE_BOUND_S_PER_KM), else from the raw
    samples; the raw samples again when a bucket's pace percentile could not be held to the bound."""
    common: dict[str, Any] = {
        "user_id": user_id,
        "tz": tz,
        "start": start,
        "end": end,
        "limit": limit,
        "hide_sources": hide_sources,
    }
    table = rollup_table(query, start, end, tz)
    if table is not None:
        rows = list((await session.execute(build_rollup_query(query, table=table, **common))).all())
        binned = pace_histogram_answers(query)
        if not binned or all(row.bounded for row in rows):
            return Aggregated(rows, binned)
    return Aggregated(list((await session.execute(build_samples_query(query, **common))).all()), False)


async def activity_labels(
    session: AsyncSession, user_id: int, ids: Sequence[int], hide_sources: Sequence[str] = ()
) -> dict[int, Row[int, str | None, str, datetime]]:
    """Id, name, sport and start of the user's activities among `ids` (none of a hidden source): what a
    per-activity answer shows, read as plain rows (a per-activity answer has up to a thousand)."""
    where = [Activity.user_id == user_id, Activity.id.in_(list(ids))]
    if hide_sources:
        where.append(Activity.source.not_in(hide_sources))
    found = await session.execute(
        select(Activity.id, Activity.name, Activity.sport, Activity.start_time).where(*where)
    )
    return {row[0]: row for row in found}


BUCKET_ORIGIN = datetime(2001, 1, 1)  # a Monday, naive: bucket edges are local wall-clock times


def _needed_columns(query: SampleQuery) -> list[str]:
    columns: list[str] = []
    for metric in query.metrics:
        if metric == "pace_s_per_km":
            columns.append("speed_mps")
        elif metric != "grade_pct":
            columns.append(metric)
    if query.hr_min is not None or query.hr_max is not None:
        columns.append("heart_rate")
    if query.pace_fastest_s_per_km is not None or query.pace_slowest_s_per_km is not None:
        columns.append("speed_mps")
    if query.needs_grade:
        columns += ["altitude_m", "distance_m"]
    return list(dict.fromkeys(columns))


def _aggregate(value: ColumnElement[Any], aggregate: str, *, pace: bool) -> ColumnElement[Any]:
    """One aggregate of `value`; for pace, `value` is the moving speed and the result is s/km."""
    if aggregate == "count":
        return cast(func.count(value), Float)
    if aggregate == "sum":
        return cast(func.sum(value), Float)
    result: ColumnElement[Any]
    if aggregate == "avg":
        result = func.avg(value)
    elif aggregate == "min":
        result = func.max(value) if pace else func.min(value)
    elif aggregate == "max":
        result = func.min(value) if pace else func.max(value)
    else:
        q = PERCENTILES[aggregate]
        result = func.percentile_cont(1.0 - q if pace else q).within_group(value)
    if pace:
        return literal(1000.0, Float) / func.nullif(cast(result, Float), 0.0, type_=Float)
    return cast(result, Float)


def _centred_difference(
    column: ColumnElement[Any],
    activity_id: ColumnElement[Any],
    ts: ColumnElement[Any],
    distance: ColumnElement[Any],
) -> ColumnElement[Any]:
    """value GRADE_HALF_SPAN samples later − value GRADE_HALF_SPAN samples earlier, within one activity.
    Samples with the same timestamp (some devices record two) are ordered by distance, so the neighbours
    do not depend on the physical order of the rows (a partition and a hypertable chunk differ)."""
    order = (ts, distance)
    later = func.lead(column, GRADE_HALF_SPAN, type_=Float).over(partition_by=activity_id, order_by=order)
    earlier = func.lag(column, GRADE_HALF_SPAN, type_=Float).over(partition_by=activity_id, order_by=order)
    return later - earlier


def _activity_filters(
    activity_id: ColumnElement[Any], query: SampleQuery, user_id: int, hide_sources: Sequence[str]
) -> list[ColumnElement[bool]]:
    """Which of the user's activities count: the ids asked for, of the sport asked for, none of a hidden
    source (the raw and the rollup statements filter alike)."""
    where: list[ColumnElement[bool]] = []
    if query.activity_ids:
        where.append(activity_id.in_(query.activity_ids))
    if hide_sources:
        where.append(
            activity_id.not_in(
                select(Activity.id).where(Activity.user_id == user_id, Activity.source.in_(hide_sources))
            )
        )
    if query.sport:
        where.append(
            activity_id.in_(
                select(Activity.id).where(Activity.user_id == user_id, Activity.sport == query.sport)
            )
        )
    return where


def build_samples_query(
    query: SampleQuery,
    *,
    user_id: int,
    tz: str,
    start: datetime,
    end: datetime,
    limit: int,
    hide_sources: Sequence[str] = (),
) -> Select[tuple[object, ...]]:
    """The statement for `query` over the user's samples with `start` ≤ ts < `end` (aware datetimes).

    Result columns: `bucket` (a naive local timestamp, an activity id, or NULL), `samples`, `first_ts`,
    `last_ts`, then one column per `query.column_names()` (labelled c0, c1, … in that order), and `seconds`
    with `query.covered_time`.
    """
    s = activity_samples
    where: list[ColumnElement[bool]] = [s.c.user_id == user_id, s.c.ts >= start, s.c.ts < end]
    where += _activity_filters(s.c.activity_id, query, user_id, hide_sources)
    inner_columns: list[ColumnElement[object]] = [s.c.activity_id, s.c.ts]
    inner_columns += [s.c[name] for name in _needed_columns(query)]
    if query.needs_grade:
        rise = _centred_difference(s.c.altitude_m, s.c.activity_id, s.c.ts, s.c.distance_m)
        run = _centred_difference(s.c.distance_m, s.c.activity_id, s.c.ts, s.c.distance_m)
        grade = case((run >= GRADE_MIN_DISTANCE_M, cast(rise, Float) / run * 100.0), else_=None)
        inner_columns.append(grade.label("grade_pct"))
    if query.covered_time:  # each sample lasts until the next one of its activity, at most MAX_GAP_S
        following = func.lead(s.c.ts).over(partition_by=s.c.activity_id, order_by=s.c.ts)
        gap = func.extract("epoch", following - s.c.ts)
        inner_columns.append(
            case((following.is_(None), 0.0), else_=func.least(gap, MAX_GAP_S)).label("gap_s")
        )
    if query.bucket in BUCKET_INTERVALS:
        local = func.timezone(bindparam("tz", tz), s.c.ts)
        origin = cast(bindparam("origin", BUCKET_ORIGIN, type_=DateTime()), DateTime(timezone=False))
        inner_columns.append(
            func.date_bin(bindparam("stride", BUCKET_INTERVALS[query.bucket]), local, origin).label("bucket")
        )
    inner = select(*inner_columns).where(*where).subquery("s")

    conditions: list[ColumnElement[bool]] = []
    if query.hr_min is not None:
        conditions.append(inner.c.heart_rate >= query.hr_min)
    if query.hr_max is not None:
        conditions.append(inner.c.heart_rate <= query.hr_max)
    if query.pace_fastest_s_per_km is not None:  # not faster than: speed at most
        conditions.append(inner.c.speed_mps <= 1000.0 / query.pace_fastest_s_per_km)
    if query.pace_slowest_s_per_km is not None:  # not slower than: speed at least
        conditions.append(inner.c.speed_mps >= 1000.0 / query.pace_slowest_s_per_km)
    if query.grade_min_pct is not None:
        conditions.append(inner.c.grade_pct >= query.grade_min_pct)
    if query.grade_max_pct is not None:
        conditions.append(inner.c.grade_pct <= query.grade_max_pct)

    values: list[ColumnElement[Any]] = []
    for metric in query.metrics:
        if metric == "pace_s_per_km":
            moving = case((inner.c.speed_mps >= MOVING_SPEED_MPS, cast(inner.c.speed_mps, Float)), else_=None)
            values += [_aggregate(moving, a, pace=True) for a in query.aggregates]
        else:
            column = cast(inner.c[metric], Float)
            values += [_aggregate(column, a, pace=False) for a in query.aggregates]
    labelled = [v.label(f"c{k}") for k, v in enumerate(values)]
    stats = [
        func.count().label("samples"),
        func.min(inner.c.ts).label("first_ts"),
        func.max(inner.c.ts).label("last_ts"),
    ]
    if query.covered_time:
        labelled.append(cast(func.coalesce(func.sum(inner.c.gap_s), 0.0), Float).label("seconds"))

    if query.bucket == "none":
        return select(literal(None).label("bucket"), *stats, *labelled).where(*conditions)
    key = inner.c.activity_id if query.bucket == "activity" else inner.c.bucket
    return (
        select(key.label("bucket"), *stats, *labelled)
        .where(*conditions)
        .group_by(key)
        .order_by(key)
        .limit(limit)
    )


#: buckets answered from the rollups (a day or more, an activity, everything), and the aggregates they hold
#: exactly
ROLLUP_BUCKETS = frozenset({"none", "activity", "1d", "1w"})
ROLLUP_AGGREGATES = frozenset({"avg", "min", "max", "sum", "count"})
ROLLUP_ORIGIN = datetime(2001, 1, 1, tzinfo=UTC)  # the origin of the rollups' minutes and quarter hours
MINUTE = timedelta(minutes=1)
QUARTER = timedelta(minutes=15)
#: a percentile of pace from the pace histograms (1 s/km bins) is within this of the raw one (s/km)
PACE_BOUND_S_PER_KM = 1.0
#: the bound holds when the two samples the percentile interpolates between are within this ratio of each
#: other's pace: checked on the bins ((slower + ½) ≤ ratio · (faster − ½)), else the raw samples answer
PACE_BOUND_RATIO = 5.8
#: a range this short is answered exactly from the raw samples even for pace percentiles (it is cheap)
PACE_EXACT_UP_TO = timedelta(days=7)


def _aligned(moment: datetime, granule: timedelta) -> bool:
    return (moment - ROLLUP_ORIGIN) % granule == timedelta(0)


def _local_days_aligned(tz: str, start: datetime, end: datetime, granule: timedelta) -> bool:
    """Whether every local midnight from `start` to `end` (the day and week bucket edges) falls on a
    `granule` boundary: true in every time zone whose offsets are whole quarter hours, i.e. all in use."""
    zone = ZoneInfo(tz)
    day = start.astimezone(zone).date()
    while (midnight := datetime.combine(day, time(), tzinfo=zone)) < end:
        offset = midnight.utcoffset()
        if offset is None or offset % granule:
            return False
        day += timedelta(days=1)
    return True


def _percentiles(query: SampleQuery) -> bool:
    return not set(query.aggregates) <= ROLLUP_AGGREGATES


def pace_histogram_answers(query: SampleQuery) -> bool:
    """Whether the pace histograms give `query`'s percentiles of pace (when `rollup_table` names rollups)."""
    return _percentiles(query) and "pace_s_per_km" in query.metrics


def rollup_table(query: SampleQuery, start: datetime, end: datetime, tz: str) -> Table | None:
    """The rollups that give what the raw samples give for `query` over [start, end), or None (the raw
    samples answer it): a bucket of a day or more, an activity or none; aggregates a sum/count/min/max can
    rebuild, or percentiles of heart rate and pace alone; no pace band, grade or covered time.

    - Without a heart-rate band or percentile, the per-minute rollups (range ends on whole minutes).
    - With one, the per-quarter-hour rollups keyed by heart rate (range ends and local day edges on whole
      quarter hours); exact.
    - Percentiles of pace come from the pace histograms (`pace_histogram_answers`, the same quarter-hour
      alignment), joined to the table named here, within PACE_BOUND_S_PER_KM: not with a heart-rate band
      (the histograms have no heart-rate key), and not over PACE_EXACT_UP_TO or less, which the raw samples
      answer exactly."""
    percentiles = _percentiles(query)
    pace_histogram = pace_histogram_answers(query)
    banded = query.hr_min is not None or query.hr_max is not None
    if (
        query.bucket not in ROLLUP_BUCKETS
        or (percentiles and not set(query.metrics) <= {"heart_rate", "pace_s_per_km"})
        or (pace_histogram and (banded or end - start <= PACE_EXACT_UP_TO))
        or query.needs_grade
        or query.covered_time
        or query.pace_fastest_s_per_km is not None
        or query.pace_slowest_s_per_km is not None
    ):
        return None
    hr_quarters = banded or (percentiles and "heart_rate" in query.metrics)
    if not hr_quarters and not pace_histogram:
        aligned = _aligned(start, MINUTE) and _aligned(end, MINUTE)
        return activity_sample_minutes if aligned else None
    aligned = _aligned(start, QUARTER) and _aligned(end, QUARTER)
    if aligned and (query.bucket in ("none", "activity") or _local_days_aligned(tz, start, end, QUARTER)):
        return activity_sample_hr_quarters if hr_quarters else activity_sample_minutes
    return None


def _ranks(per_value: Select[tuple[object, ...]], keyed: bool, count: str) -> Subquery:
    """`per_value` (rows per bucket and `rank` value, labelled `bucket` when `keyed`, and `rank_value`), with
    how many of the bucket's values (the `count` column) rank below that value (`before`) and in all
    (`total`): what a percentile needs."""
    inner = per_value.subquery("per_value")
    partition = [inner.c.bucket] if keyed else None
    n = inner.c[count]
    return select(
        inner,
        (func.sum(n).over(partition_by=partition, order_by=inner.c.rank_value) - n).label("before"),
        func.sum(n).over(partition_by=partition).label("total"),
    ).subquery("ranked")


def _heart_rate_ranks(
    where: Sequence[ColumnElement[bool]], key: ColumnElement[Any] | None, series: Sequence[str]
) -> Subquery:
    """The heart-rate rollups per bucket and heart-rate value, with the sums of `series` (heart rate
    first) and the ranks of `_ranks`."""
    h = activity_sample_hr_quarters
    keys = [h.c.heart_rate] if key is None else [key, h.c.heart_rate]
    sums = [
        aggregate(h.c[f"{prefix}_{name}"]).label(f"{prefix}_{name}")
        for name in series
        for prefix, aggregate in (("n", func.sum), ("s", func.sum), ("lo", func.min), ("hi", func.max))
    ]
    per_value = (
        select(
            *([] if key is None else [key.label("bucket")]),
            h.c.heart_rate.label("rank_value"),
            func.sum(h.c.samples).label("samples"),
            func.min(h.c.first_ts).label("first_ts"),
            func.max(h.c.last_ts).label("last_ts"),
            *sums,
        )
        .where(*where)
        .group_by(*keys)
    )
    return _ranks(per_value, key is not None, "n_heart_rate")


def _rank_values(
    ranked: Subquery, q: float, count: ColumnElement[Any]
) -> tuple[ColumnElement[Any], ColumnElement[Any], ColumnElement[Any]]:
    """The values at ranks floor and ceil of q·(n−1) in `ranked` (PostgreSQL's `percentile_cont`
    positions), and the fraction between them."""
    position = literal(q, Float) * (cast(ranked.c.total, Float) - 1.0)  # the same on every row of a bucket
    present = ranked.c.rank_value.is_not(None)
    reached = ranked.c.before + count
    value = cast(ranked.c.rank_value, Float)
    low = func.min(value).filter(present & (reached > func.floor(position)))
    high = func.min(value).filter(present & (reached > func.ceil(position)))
    return low, high, func.max(position) - func.floor(func.max(position))


def _percentile(ranked: Subquery, q: float) -> ColumnElement[Any]:
    """`percentile_cont(q)` of heart rate from `_heart_rate_ranks`, with PostgreSQL's arithmetic: the values
    at ranks floor and ceil of q·(n−1), interpolated."""
    low, high, fraction = _rank_values(ranked, q, ranked.c.n_heart_rate)
    return low + fraction * (high - low)


def _pace_percentiles(
    query: SampleQuery,
    where: Sequence[ColumnElement[bool]],
    key: ColumnElement[Any] | None,
) -> tuple[Subquery, dict[str, str]]:
    """The percentiles of pace per bucket from the pace histograms (`where` and `key` on
    `activity_sample_pace_quarters`), and which column of it holds each `pace_s_per_km.pN`; its column
    `bounded` says whether every percentile of the bucket is within PACE_BOUND_S_PER_KM.

    Ranked by bin, i.e. by pace, the samples at ranks floor and ceil of q·(n−1) are those the raw
    `percentile_cont(1 − q)` of speed interpolates between (ranked by speed the other way round); each bin is
    within ½ s/km of its sample's pace, and the speeds 1000/bin are interpolated as the raw path does. The
    result is a weighted harmonic mean of the two paces, so an error of ½ s/km in each moves it by at most
    ½ · (a + b)² / 4ab s/km: at most 1 s/km while b ≤ 5.83 a (PACE_BOUND_RATIO, checked on the bins)."""
    p = activity_sample_pace_quarters
    keys = [p.c.pace_s] if key is None else [key, p.c.pace_s]
    per_value = (
        select(
            *([] if key is None else [key.label("bucket")]),
            p.c.pace_s.label("rank_value"),
            func.sum(p.c.samples).label("n"),
        )
        .where(*where)
        .group_by(*keys)
    )
    ranked = _ranks(per_value, key is not None, "n")
    columns: list[ColumnElement[Any]] = []
    names: dict[str, str] = {}
    bounded: list[ColumnElement[bool]] = []
    for k, aggregate in enumerate(a for a in query.aggregates if a in PERCENTILES):
        faster, slower, fraction = _rank_values(ranked, PERCENTILES[aggregate], ranked.c.n)
        speed = literal(1000.0, Float) / faster + fraction * (
            literal(1000.0, Float) / slower - literal(1000.0, Float) / faster
        )
        columns.append((literal(1000.0, Float) / func.nullif(speed, 0.0, type_=Float)).label(f"p{k}"))
        names[f"pace_s_per_km.{aggregate}"] = f"p{k}"
        bounded.append(func.coalesce(slower + 0.5 <= literal(PACE_BOUND_RATIO, Float) * (faster - 0.5), True))
    check = bounded[0]
    for more in bounded[1:]:
        check = check & more
    grouped = select(
        *([] if key is None else [ranked.c.bucket]), *columns, check.label("bounded")
    ).select_from(ranked)
    if key is not None:
        grouped = grouped.group_by(ranked.c.bucket)
    return grouped.subquery("pace"), names


def _from_rollup(table: Table | Subquery, series: str, aggregate: str, *, pace: bool) -> ColumnElement[Any]:
    """One aggregate of a rolled-up series, as the raw path computes it (`_aggregate`); a percentile (of
    heart rate) from `_heart_rate_ranks`."""
    if aggregate in PERCENTILES:
        assert isinstance(table, Subquery) and series == "heart_rate"
        return cast(_percentile(table, PERCENTILES[aggregate]), Float)
    n, total, low, high = (table.c[f"{p}_{series}"] for p in ("n", "s", "lo", "hi"))
    if aggregate == "count":
        return cast(func.coalesce(func.sum(n), 0), Float)
    if aggregate == "sum":
        return cast(func.sum(total), Float)
    result: ColumnElement[Any]
    if aggregate == "avg":
        result = cast(func.sum(total), Float) / func.nullif(cast(func.sum(n), Float), 0.0, type_=Float)
    elif aggregate == "min":
        result = func.max(high) if pace else func.min(low)
    else:  # max
        result = func.min(low) if pace else func.max(high)
    if pace:
        return literal(1000.0, Float) / func.nullif(cast(result, Float), 0.0, type_=Float)
    return cast(result, Float)


def _bucket_key(
    query: SampleQuery, tz: str, activity_id: ColumnElement[Any], time_column: ColumnElement[Any]
) -> ColumnElement[Any] | None:
    if query.bucket == "activity":
        return activity_id
    if query.bucket == "none":
        return None
    local = func.timezone(bindparam("tz", tz), time_column)
    origin = cast(bindparam("origin", BUCKET_ORIGIN, type_=DateTime()), DateTime(timezone=False))
    return func.date_bin(bindparam("stride", BUCKET_INTERVALS[query.bucket]), local, origin)


def build_rollup_query(
    query: SampleQuery,
    *,
    user_id: int,
    tz: str,
    start: datetime,
    end: datetime,
    limit: int,
    hide_sources: Sequence[str] = (),
    table: Table = activity_sample_minutes,
) -> Select[tuple[object, ...]]:
    """`build_samples_query`'s result, with the same columns, from the rollups `table` (only for what
    `rollup_table` accepts, with the table it names), and percentiles of pace from the pace histograms
    joined per bucket; with those, one more column, `bounded` (`_pace_percentiles`), false when a bucket's
    pace percentile may be off by more than PACE_BOUND_S_PER_KM."""
    m = table
    time_column = m.c.quarter if m is activity_sample_hr_quarters else m.c.minute
    where: list[ColumnElement[bool]] = [m.c.user_id == user_id, time_column >= start, time_column < end]
    where += _activity_filters(m.c.activity_id, query, user_id, hide_sources)
    if query.hr_min is not None:  # on the key: the same comparison as the raw path's
        where.append(m.c.heart_rate >= query.hr_min)
    if query.hr_max is not None:
        where.append(m.c.heart_rate <= query.hr_max)
    key = _bucket_key(query, tz, m.c.activity_id, time_column)
    source: Table | Subquery = m
    hr_percentiles = _percentiles(query) and "heart_rate" in query.metrics
    if hr_percentiles:  # percentiles of heart rate (`rollup_table`): ranks in the heart-rate histogram
        series = ["moving" if metric == "pace_s_per_km" else metric for metric in query.metrics]
        source = _heart_rate_ranks(where, key, sorted(set(series), key=lambda s: s != "heart_rate"))
        where = []
        key = None if key is None else source.c.bucket
    pace_names: dict[str, str] = {}
    pace: Subquery | None = None
    if pace_histogram_answers(query):
        p = activity_sample_pace_quarters
        pace_where = [p.c.user_id == user_id, p.c.quarter >= start, p.c.quarter < end]
        pace_where += _activity_filters(p.c.activity_id, query, user_id, hide_sources)
        pace, pace_names = _pace_percentiles(
            query, pace_where, _bucket_key(query, tz, p.c.activity_id, p.c.quarter)
        )
    values: list[ColumnElement[Any]] = []
    for metric in query.metrics:
        is_pace = metric == "pace_s_per_km"
        for a in query.aggregates:
            if f"{metric}.{a}" in pace_names:
                values.append(cast(literal(None), Float))  # filled from the pace histograms below
            else:
                values.append(_from_rollup(source, "moving" if is_pace else metric, a, pace=is_pace))
    labelled = [v.label(f"c{k}") for k, v in enumerate(values)]
    stats = [
        func.coalesce(func.sum(source.c.samples), 0).label("samples"),
        func.min(source.c.first_ts).label("first_ts"),
        func.max(source.c.last_ts).label("last_ts"),
    ]
    if key is None:
        main = select(literal(None).label("bucket"), *stats, *labelled).where(*where)
    else:
        main = select(key.label("bucket"), *stats, *labelled).where(*where).group_by(key)
    if pace is None:
        return main if key is None else main.order_by(key).limit(limit)
    rolled = main.subquery("rolled")
    names = query.column_names()
    joined = rolled.outerjoin(pace, literal(True) if key is None else rolled.c.bucket == pace.c.bucket)
    columns = [
        (pace.c[pace_names[name]] if name in pace_names else rolled.c[f"c{k}"]).label(f"c{k}")
        for k, name in enumerate(names)
    ]
    return (
        select(
            rolled.c.bucket,
            rolled.c.samples,
            rolled.c.first_ts,
            rolled.c.last_ts,
            *columns,
            func.coalesce(pace.c.bounded, True).label("bounded"),
        )
        .select_from(joined)
        .order_by(rolled.c.bucket)
        .limit(limit)
    )


# --- writing samples (the import path: `tools.activities.store`) --------------------------------------


async def create_sample_partitions(conn: AsyncConnection, first: datetime, last: datetime) -> None:
    """Create the monthly sample partitions covering [first, last] in their own, committed transaction (on
    a connection of its own: creating a partition locks the parent table)."""
    async with conn.engine.connect() as own:
        await own.execute(text("SELECT ensure_activity_sample_partitions(:a, :b)"), {"a": first, "b": last})
        await own.commit()


async def copy_activity_samples(
    session: AsyncSession,
    user_id: int,
    activity_id: int,
    ts: Sequence[datetime],
    values: Sequence[Sequence[Any]],
) -> int:
    """COPY one of the user's activities' samples into `activity_samples`: `values` holds one column per
    `SAMPLE_VALUE_COLUMNS` entry, each as long as `ts`. The rows written."""
    n = len(ts)
    records = list(zip([activity_id] * n, [user_id] * n, ts, *values, strict=True))
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table("activity_samples", records=records, columns=list(SAMPLE_COLUMNS))
    return n
