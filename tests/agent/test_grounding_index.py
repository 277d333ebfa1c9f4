"""The evidence index built with an explicit stack and a memoised field kind equals the one the recursive walk
built (kept here as the reference), on random nested evidence and on the grounding tests' own; and an answer
with nothing to check does not read its evidence."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from agent import grounding
from agent.grounding import _DATE, Kind, evidence_index, figures_in, ungrounded_figures


def _reference_walk(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[Kind, float, float]]:
    """The walk as it was (b7f3295): a generator per level, the field kind worked out per number."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        if math.isfinite(value):
            kind, factor = grounding._field_kind.__wrapped__(path)
            yield kind, float(value) * factor, float(value)
    elif isinstance(value, str):
        for date in _DATE.findall(value):
            for part in re.findall(r"\d+", date):
                yield "any", float(part), float(part)
        for figure in figures_in(value):
            for reading in figure.values:
                kinds: tuple[Kind, ...] = (
                    ("duration", "pace") if ":" in figure.text and figure.kind == "any" else (figure.kind,)
                )
                for kind in kinds:
                    yield kind, reading * figure.factor, reading
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _reference_walk(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _reference_walk(item, path)


def _reference_index(evidence: list[Any]) -> dict[Kind, set[float]]:
    index: dict[Kind, set[float]] = {
        k: set() for k in ("hr", "distance", "duration", "pace", "percent", "power", "cadence", "any")
    }
    for kind, base, raw in _reference_walk(list(evidence)):
        index["any"].update(grounding._loose(raw))
        if kind == "pace":
            if base > 0:
                index["pace"].update((base, base * 1.609344, 1000 / base, 1609.344 / base))
        elif kind == "percent":
            index["percent"].update((base, base * 100))
        elif kind != "any":
            index[kind].add(base)
    return index


FIELDS = st.sampled_from(
    ["avg_hr", "distance_m", "run_km", "moving_s", "duration_min", "avg_speed_mps", "pace_s_per_km",
     "share_pct", "cadence_spm", "power_w", "name", "note", "laps", "days", "ctl", "sleep_h", "x"]
)  # fmt: skip
TEXTS = st.sampled_from(
    ["", "easy run", "5:14 /km on 2026-11-20", "42.2 km in 3:29:10", "150 bpm, 20 to 40 min", "1,250 m up",
     "75 %", "2026-11-24T07:15:00Z", "3 x 1 km"]
)  # fmt: skip
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5000, 50000),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    TEXTS,
)
EVIDENCE = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(FIELDS, inner, max_size=5)),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(EVIDENCE, max_size=4))
def test_the_index_equals_the_recursive_walks(evidence: list[Any]) -> None:
    assert evidence_index(evidence) == _reference_index(evidence)


def test_the_index_of_the_grounding_tests_evidence_is_unchanged() -> None:
    from tests.agent.test_grounding import LOAD, RUN

    evidence = [RUN, LOAD, "how far did I run on 2026-11-20? about 9 km", {"notes": ["47:12", "5:14 /km"]}]
    assert evidence_index(evidence) == _reference_index(evidence)


def test_an_answer_with_no_figure_to_check_reads_no_evidence() -> None:
    class Unreadable:
        def __iter__(self) -> Iterator[Any]:
            raise AssertionError("the evidence was read")

    assert ungrounded_figures("You are Ana; 2 easy runs this week, zone 2.", Unreadable()) == []  # type: ignore[arg-type]
    assert ungrounded_figures("", Unreadable()) == []  # type: ignore[arg-type]
