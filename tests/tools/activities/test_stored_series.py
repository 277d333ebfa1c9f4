"""`stored_series` gives exactly what reading the samples back gives (`activity_series`), for every real
activity file that imports: the same times, the same order, single-precision columns rounded as PostgreSQL
rounds them, the same window — so the importer may compute the load and figures from memory."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from tests.factories import create_user
from tests.support.shared_data import fit_manifest
from tools.activities.fit.decode import decode_fit
from tools.activities.prepared import to_new_activity
from tools.activities.store import REAL_COLUMNS, NewActivity, store_activity, stored_series
from tools.samples.series import Span, activity_series
from tools.training_load.activity import SERIES_COLUMNS


def _importable() -> list[tuple[str, NewActivity]]:
    out = []
    for info in fit_manifest():
        if info.intent not in ("valid", "edge-case") or "activity" not in info.type.split(";"):
            continue
        try:
            parsed = decode_fit(info.path.read_bytes(), filename=info.path.name)
        except InvalidInput:
            continue
        out.append((info.path.name, to_new_activity(parsed, source="test", external_id=None, name=None)))
    return out


def _same(a: object, b: object) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def test_real_columns_are_the_single_precision_ones() -> None:
    assert {"speed_mps", "altitude_m", "cadence"} <= REAL_COLUMNS
    assert not {"distance_m", "lat", "lon", "heart_rate"} & REAL_COLUMNS


async def test_stored_series_is_what_is_read_back(db: AsyncSession) -> None:
    files = _importable()
    assert len(files) >= 10
    user = await create_user(db)
    compared = rounded = 0
    seen_starts = set()
    for name, new in files:
        if new.fields["start_time"] in seen_starts:  # the same recording twice: one copy is enough
            continue
        seen_starts.add(new.fields["start_time"])
        expected_from_memory = stored_series(new, SERIES_COLUMNS)
        activity = await store_activity(db, user.id, new)
        span = Span(activity.id, activity.start_time, activity.elapsed_s)
        read = (await activity_series(db, user.id, [span], SERIES_COLUMNS)).get(activity.id)
        if read is None:
            assert expected_from_memory is None, name
            continue
        assert expected_from_memory is not None, name
        assert expected_from_memory.t == read.t, name
        for column in SERIES_COLUMNS:
            mine, theirs = expected_from_memory[column], read[column]
            assert len(mine) == len(theirs), (name, column)
            bad = [i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if not _same(a, b)]
            assert not bad, (name, column, bad[:3], [(mine[i], theirs[i]) for i in bad[:3]])
        raw = new.samples["speed_mps"]
        rounded += sum(1 for v in raw if v is not None and v not in expected_from_memory["speed_mps"])
        compared += 1
    assert compared >= 10
    assert rounded > 0  # the float32 rounding was really exercised


@pytest.mark.parametrize("samples", [{}, {"ts": []}])
def test_no_samples_no_series(samples: dict[str, list[object]]) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    new = NewActivity(fields={"start_time": start, "elapsed_s": 60}, samples=samples)
    assert stored_series(new, SERIES_COLUMNS) is None
