"""Per-second series of chosen activities, read in one statement (user- and time-range-scoped).

The estimators and the load computation work on plain Python lists (one per activity), like the pure
science modules. The time range is derived from the activities themselves, so the query
(`tools.samples.repository.series_rows`) touches only the partitions those activities live in. Each
activity comes back as one row of arrays, which the driver decodes in C: several times faster than a row per
sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import SAMPLE_VALUE_COLUMNS
from tools.samples.repository import series_rows

MARGIN = timedelta(minutes=1)
UNKNOWN_DURATION = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Span:
    """Where an activity's samples are: its id, start and elapsed seconds (None when unknown)."""

    id: int
    start_time: datetime
    elapsed_s: float | None


@dataclass
class Series:
    """One activity's samples in time order: `t` in epoch seconds, then the requested columns."""

    t: list[float] = field(default_factory=list)
    columns: dict[str, list[Any]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[Any]:
        return self.columns[name]

    def __len__(self) -> int:
        return len(self.t)


def _range(spans: Sequence[Span]) -> tuple[datetime, datetime]:
    start = min(s.start_time for s in spans) - MARGIN
    end = max(
        s.start_time + (timedelta(seconds=s.elapsed_s) if s.elapsed_s else UNKNOWN_DURATION) + MARGIN
        for s in spans
    )
    return start, end


async def activity_series(
    session: AsyncSession, user_id: int, spans: Sequence[Span], columns: Sequence[str]
) -> dict[int, Series]:
    """The samples of the user's activities in `spans`, for `columns`; activities without samples are
    absent from the result."""
    unknown = set(columns) - set(SAMPLE_VALUE_COLUMNS)
    if unknown:
        raise ValueError(f"not sample columns: {sorted(unknown)}")
    if not spans:
        return {}
    start, end = _range(spans)
    out: dict[int, Series] = {}
    for row in await series_rows(session, user_id, [span.id for span in spans], start, end, columns):
        out[row[0]] = Series(t=list(row[1]), columns={c: list(row[2 + k]) for k, c in enumerate(columns)})
    return out
