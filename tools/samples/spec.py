"""What a samples query may ask for: the metrics, aggregates, buckets and filters, validated and bounded.

Everything a model or a user types is checked here before any SQL exists: metric, aggregate and bucket
names come from closed lists (they pick columns and functions, they are never pasted into SQL), the sport is
a short lowercase word, numbers have ranges. Ranges that are merely too large are clamped by the tool (with
a note), values that make no sense (a band whose low end is above its high end) are refused with a message
that says how to fix them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tools.statistics import MAX_GAP_S

#: per-second columns that can be aggregated (lat/lon are positions, not quantities)
SampleColumn = Literal[
    "heart_rate",
    "speed_mps",
    "cadence",
    "power_w",
    "altitude_m",
    "distance_m",
    "temperature_c",
    "vertical_oscillation_mm",
    "stance_time_ms",
    "step_length_mm",
    "vertical_ratio_pct",
    "stance_time_balance_pct",
]
#: computed metrics: pace from moving speed, grade from altitude and distance deltas
DerivedMetric = Literal["pace_s_per_km", "grade_pct"]
Metric = SampleColumn | DerivedMetric
Aggregate = Literal["avg", "min", "max", "sum", "count", "p10", "p25", "p50", "p75", "p90", "p95"]
Bucket = Literal["none", "activity", "1min", "5min", "15min", "30min", "1h", "6h", "1d", "1w"]

DEFAULT_METRICS: tuple[Metric, ...] = ("heart_rate", "pace_s_per_km")
DEFAULT_AGGREGATES: tuple[Aggregate, ...] = ("avg",)

BUCKET_INTERVALS: dict[str, timedelta] = {
    "1min": timedelta(minutes=1),
    "5min": timedelta(minutes=5),
    "15min": timedelta(minutes=15),
    "30min": timedelta(minutes=30),
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "1d": timedelta(days=1),
    "1w": timedelta(weeks=1),
}
PERCENTILES: dict[str, float] = {
    "p10": 0.10,
    "p25": 0.25,
    "p50": 0.50,
    "p75": 0.75,
    "p90": 0.90,
    "p95": 0.95,
}

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
DEFAULT_ROWS = 200
MAX_ROWS = 1000
#: the most JSON one answer may carry: it goes into the chat stream, the stored messages and the model's
#: context alike, so rows past this are left out (with a note saying how to narrow the question)
MAX_OUTPUT_BYTES = 48 * 1024
MAX_ACTIVITY_IDS = 100
#: below this speed a sample is standing still: it has no pace
MOVING_SPEED_MPS = 0.5
#: grade is the altitude change over the distance between the samples GRADE_HALF_SPAN rows before and
#: after (a centred difference over ~10 s), when they are at least GRADE_MIN_DISTANCE_M apart
GRADE_HALF_SPAN = 5
GRADE_MIN_DISTANCE_M = 10.0


class SampleQuery(BaseModel):
    """Input of `query_samples`."""

    model_config = ConfigDict(extra="forbid")

    metrics: list[Metric] = Field(
        default_factory=lambda: list(DEFAULT_METRICS),
        min_length=1,
        max_length=8,
        description="what to aggregate: sample columns (heart_rate bpm, speed_mps, cadence spm, power_w, "
        "altitude_m, …) or derived pace_s_per_km (moving samples only) and grade_pct",
    )
    aggregates: list[Aggregate] = Field(
        default_factory=lambda: list(DEFAULT_AGGREGATES),
        min_length=1,
        max_length=6,
        description="avg, min, max, sum, count, or a percentile p10…p95. For pace, min is the fastest",
    )
    bucket: Bucket = Field(
        default="none",
        description="one row for everything (none), one per activity, or per time bucket in the athlete's "
        "local time (1min … 1w; weeks start on Monday)",
    )
    start_date: date | None = Field(default=None, description="first local day; default 90 days ago")
    end_date: date | None = Field(default=None, description="last local day (inclusive); default today")
    sport: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z_]{1,31}$",
        description="only activities of this sport, e.g. running, cycling, walking",
    )
    activity_ids: list[int] | None = Field(
        default=None,
        max_length=MAX_ACTIVITY_IDS,
        description="only these activities; without dates, the range is the activities' own",
    )
    hr_min: float | None = Field(default=None, ge=0, le=260, description="only samples at or above (bpm)")
    hr_max: float | None = Field(default=None, ge=0, le=260, description="only samples at or below (bpm)")
    pace_fastest_s_per_km: float | None = Field(
        default=None, ge=60, le=3600, description="only samples at this pace or slower (s/km)"
    )
    pace_slowest_s_per_km: float | None = Field(
        default=None, ge=60, le=3600, description="only samples at this pace or faster (s/km)"
    )
    grade_min_pct: float | None = Field(default=None, ge=-60, le=60, description="only uphill of at least")
    grade_max_pct: float | None = Field(default=None, ge=-60, le=60, description="only grades up to")
    max_rows: int = Field(default=DEFAULT_ROWS, description=f"at most {MAX_ROWS}")
    covered_time: bool = Field(
        default=False,
        description="also give each row's `seconds`: the time its matching samples cover (each sample "
        f"counts until the next one of its activity, at most {MAX_GAP_S:g} s), the way to say how long "
        "something lasted when a recording has fewer than one sample a second",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self.metrics = list(dict.fromkeys(self.metrics))
        self.aggregates = list(dict.fromkeys(self.aggregates))
        if "pace_s_per_km" in self.metrics and "sum" in self.aggregates:
            raise ValueError("a sum of paces means nothing; use avg, min, max or a percentile for pace")
        pairs = (
            ("hr_min", self.hr_min, "hr_max", self.hr_max),
            (
                "pace_fastest_s_per_km",
                self.pace_fastest_s_per_km,
                "pace_slowest_s_per_km",
                self.pace_slowest_s_per_km,
            ),
            ("grade_min_pct", self.grade_min_pct, "grade_max_pct", self.grade_max_pct),
        )
        for low_name, low, high_name, high in pairs:
            if low is not None and high is not None and low > high:
                raise ValueError(f"{low_name} ({low:g}) is above {high_name} ({high:g}); swap them")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError(f"start_date {self.start_date} is after end_date {self.end_date}")
        return self

    @property
    def needs_grade(self) -> bool:
        return "grade_pct" in self.metrics or self.grade_min_pct is not None or self.grade_max_pct is not None

    def column_names(self) -> list[str]:
        """The output columns, `metric.aggregate`, in the order asked (count of pace/grade included)."""
        return [f"{metric}.{aggregate}" for metric in self.metrics for aggregate in self.aggregates]
