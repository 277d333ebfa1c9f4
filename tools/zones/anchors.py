"""The athlete's physiological anchors — max HR, resting HR, LTHR, threshold pace, sex — and where each
came from: the profile, an estimate from their own data, or an assumption (always said).

Order of preference, per anchor:

- max HR: profile → `estimate_max_hr` over the 20 activities of the last 365 days with the highest recorded
  max (or average) HR → Tanaka's 208 − 0.7 × age when the birth date is known.
- resting HR: profile → the median morning resting HR of the last 30 days of daily health (≥ 3 mornings) →
  assumed 60 bpm.
- LTHR: profile → `estimate_lthr` (best 20-min HR × 0.95) over the 20 activities of ≥ 20 min with the
  highest average HR, *accepted only when it is at least resting + 80 % of the heart-rate reserve*: a best
  20 minutes from easy training is not a threshold effort, and an LTHR that low would inflate every load
  normalised by it → else resting + 85 % of the reserve (where the threshold usually sits), labelled assumed.
- threshold pace: profile → `estimate_threshold_pace` (best 30-min speed taken as a maximal effort, then
  Daniels T pace) over the 20 running activities of ≥ 30 min with the highest average speed → unknown.
  From easy running alone this is too slow; a race or a hard tempo in the data fixes that.
- sex (only weights TRIMP): profile → assumed male weighting.

Each estimate combines the stored per-activity figures of its 20 candidates (`activity_figures`: the same
estimator run once per activity, at import), so it reads 20 rows, not their samples. A resolver memoises
what it looked up, so one tool call computes each estimate once; resolvers
made with `shared=True` (the import path) share that memo per user and day for ten minutes in the
process — but only estimates that were found: "no data yet" is looked up again, so the athlete's first
activity with heart rate is used as soon as it is stored. Profile values are read from the user every time.

`today` is the day the anchors are wanted for: the import path asks as of the activity's own day, so a
file from years ago is measured against the data of its time (and is not left without anchors because
nothing of the last 365 days existed).
"""

from __future__ import annotations

import statistics
import time as time_module
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import ActivityFigures, User
from tools.deps import user_zone
from tools.fitness.activity_figures import ensure_figures_of
from tools.health.repository import HealthDays
from tools.samples.series import Span
from tools.statistics import percentile
from tools.training_load.stress import Sex
from tools.zones.repository import AnchorCandidates
from tools.zones.science import LTHR_FACTOR, MAX_HR_PERCENTILE

AnchorSource = Literal["profile", "estimated", "assumed"]

LOOKBACK_DAYS = 365
RESTING_DAYS = 30
MIN_RESTING_MORNINGS = 3
ASSUMED_RESTING_HR = 60.0
PLAUSIBLE_MAX_HR = (120.0, 230.0)
LTHR_MIN_RESERVE = 0.80
THRESHOLD_RESERVE = 0.85
LTHR_MIN_S = 20 * 60
THRESHOLD_MIN_S = 30 * 60


class Anchor(BaseModel):
    value: float
    source: AnchorSource
    detail: str


PROFILE_FIELDS = {
    "max_hr": "max_hr",
    "resting_hr": "resting_hr",
    "lthr": "lthr",
    "threshold_pace": "threshold_pace_s_per_km",
}
SHARED_TTL_S = 600.0
_shared: dict[tuple[int, date, tuple[str, ...]], tuple[float, dict[str, Anchor | None]]] = {}


def _shared_memo(user_id: int, today: date, hide: tuple[str, ...] = ()) -> dict[str, Anchor | None]:
    """A memo of estimates shared by the resolvers of one user and day in this process for SHARED_TTL_S:
    a sync imports dozens of activities, each in its own transaction, and the estimates (which read
    a year of samples) would otherwise be redone for every one."""
    now = time_module.monotonic()
    for key in [k for k, (at, _) in _shared.items() if now - at > SHARED_TTL_S]:
        del _shared[key]
    entry = _shared.get((user_id, today, hide))
    if entry is None:
        entry = _shared[(user_id, today, hide)] = (now, {})
    return entry[1]


# The estimates, from data gathered by the caller (the candidates' stored figures, the mornings' resting HR).


def max_hr_estimate(figures: Sequence[ActivityFigures], user: User, today: date) -> Anchor | None:
    """Max HR from the max-HR candidates' figures (the 90th percentile of their peaks), else Tanaka's
    formula from the birth date, else None."""
    peaks = [f.hr_peak for f in figures if f.hr_peak is not None]  # estimate_max_hr per activity
    estimate = percentile(peaks, MAX_HR_PERCENTILE) if peaks else None
    with_samples = sum(1 for f in figures if f.sample_rows > 0)
    if estimate is not None and PLAUSIBLE_MAX_HR[0] <= estimate <= PLAUSIBLE_MAX_HR[1]:
        return Anchor(
            value=round(estimate, 1),
            source="estimated",
            detail=f"highest heart rate reliably reached in {with_samples} activities of the last year "
            "(too low if none of them was a maximal effort)",
        )
    if user.birth_date is not None:
        age = (today - user.birth_date).days / 365.25
        return Anchor(
            value=round(208.0 - 0.7 * age, 1),
            source="assumed",
            detail=f"Tanaka's age formula 208 − 0.7 × {age:.0f}; individual max HR varies by ±10 bpm",
        )
    return None


def resting_hr_estimate(mornings: Sequence[float]) -> Anchor:
    """The median of the recent mornings' resting HR (at least MIN_RESTING_MORNINGS), else assumed."""
    if len(mornings) >= MIN_RESTING_MORNINGS:
        return Anchor(
            value=float(statistics.median(mornings)),
            source="estimated",
            detail=f"median of {len(mornings)} morning resting heart rates in the last {RESTING_DAYS} days",
        )
    return Anchor(
        value=ASSUMED_RESTING_HR,
        source="assumed",
        detail="no resting heart rate recorded; set it in the profile or sync a watch",
    )


def lthr_estimate(figures: Sequence[ActivityFigures], max_hr: Anchor, resting_hr: Anchor) -> Anchor:
    """LTHR from the LTHR candidates' figures (best 20 minutes × 0.95) when it is a threshold effort,
    else resting + 85 % of the heart-rate reserve (assumed)."""
    resting = resting_hr.value
    reserve = max_hr.value - resting
    floor = resting + LTHR_MIN_RESERVE * reserve
    bests = [f.hr_best_20min for f in figures if f.hr_best_20min is not None]
    estimate = max(bests) * LTHR_FACTOR if bests else None  # estimate_lthr over the activities
    if estimate is not None and floor <= estimate < max_hr.value:
        return Anchor(
            value=round(estimate, 1),
            source="estimated",
            detail="best 20-minute average heart rate × 0.95 (the 20-minute field test)",
        )
    why = (
        f"your best 20 minutes ({estimate / 0.95:.0f} bpm) look like training, not a threshold effort"
        if estimate is not None
        else "no activity has 20 minutes of heart rate"
    )
    return Anchor(
        value=round(resting + THRESHOLD_RESERVE * reserve, 1),
        source="assumed",
        detail=f"resting + 85 % of the heart-rate reserve ({why}); run a 30-min time trial to measure it",
    )


def threshold_pace_estimate(figures: Sequence[ActivityFigures]) -> Anchor | None:
    """Threshold pace from the threshold candidates' figures (the fastest of their T paces), else None."""
    paces = [f.threshold_pace_s_per_km for f in figures if f.threshold_pace_s_per_km is not None]
    estimate = min(paces) if paces else None  # estimate_threshold_pace over the activities
    if estimate is None:
        return None
    return Anchor(
        value=round(estimate, 1),
        source="estimated",
        detail="Daniels T pace for your best 30 minutes of running taken as a maximal effort "
        "(too slow if you have not run hard for 30 minutes lately)",
    )


class AnchorResolver:
    """Looks up (and memoises) one athlete's anchors; estimates leave out activities from `hide_sources`
    (for a model turn: `tools.activities.visibility`).

    A caller that gathers the data itself (the activity page: each statement one call from it) asks
    `recall(name)` first and hands its estimate to `remember(name, …)`, so the memo stays one."""

    def __init__(
        self,
        session: AsyncSession,
        user: User,
        *,
        today: date | None = None,
        shared: bool = False,
        hide_sources: tuple[str, ...] = (),
    ) -> None:
        self.session = session
        self.user = user
        self.today = today or datetime.now(user_zone(user)).date()
        self._shared = shared
        self.hide_sources = hide_sources
        self._memo: dict[str, Anchor | None] = (
            _shared_memo(user.id, self.today, hide_sources) if shared else {}
        )
        self.candidates = AnchorCandidates(session, user.id, since=self.since, hide_sources=hide_sources)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.today - timedelta(days=LOOKBACK_DAYS), time(), tzinfo=UTC)

    async def _figures(self, spans: list[Span]) -> list[ActivityFigures]:
        """The stored figures of the candidate activities (`activity_figures`: computed once per activity)."""
        return await ensure_figures_of(self.session, self.user.id, spans)

    def _profile(self, name: str) -> Anchor | None:
        value = getattr(self.user, name)
        if value is None or not value > 0:
            return None
        return Anchor(value=float(value), source="profile", detail="set in the profile")

    def recall(self, name: str) -> tuple[bool, Anchor | None]:
        """(True, the anchor) when it is known without estimating: the profile value (never memoised, so
        a profile change shows at once even through a shared memo), else a memoised estimate; else
        (False, None)."""
        profile = self._profile(PROFILE_FIELDS[name])
        if profile is not None:
            return True, profile
        if name in self._memo:
            return True, self._memo[name]
        return False, None

    def remember(self, name: str, found: Anchor | None) -> Anchor | None:
        """Memoise an estimate (a shared memo keeps only estimates that were found) and return it."""
        if found is not None or not self._shared:
            self._memo[name] = found
        return found

    async def _memoised(self, name: str, estimate: Callable[[], Awaitable[Anchor | None]]) -> Anchor | None:
        known, anchor = self.recall(name)
        if known:
            return anchor
        return self.remember(name, await estimate())

    async def max_hr(self) -> Anchor | None:
        return await self._memoised("max_hr", self._max_hr)

    async def _max_hr(self) -> Anchor | None:
        figures = await self._figures(await self.candidates.max_hr())
        return max_hr_estimate(figures, self.user, self.today)

    async def resting_hr(self) -> Anchor:
        anchor = await self._memoised("resting_hr", self._resting_hr)
        assert anchor is not None  # resting HR falls back to an assumed value
        return anchor

    async def _resting_hr(self) -> Anchor:
        days = await HealthDays(self.session, self.user.id).between(
            self.today - timedelta(days=RESTING_DAYS - 1), self.today
        )
        return resting_hr_estimate([float(d.resting_hr) for d in days if d.resting_hr is not None])

    async def lthr(self) -> Anchor | None:
        return await self._memoised("lthr", self._lthr)

    async def _lthr(self) -> Anchor | None:
        max_hr = await self.max_hr()
        if max_hr is None:
            return None
        resting = await self.resting_hr()
        return lthr_estimate(await self._figures(await self.candidates.lthr(LTHR_MIN_S)), max_hr, resting)

    async def threshold_pace(self) -> Anchor | None:
        return await self._memoised("threshold_pace", self._threshold_pace)

    async def _threshold_pace(self) -> Anchor | None:
        figures = await self._figures(await self.candidates.threshold_pace(THRESHOLD_MIN_S))
        return threshold_pace_estimate(figures)

    def sex(self) -> tuple[Sex, AnchorSource]:
        if self.user.sex in ("male", "female"):
            return self.user.sex, "profile"  # type: ignore[return-value]
        return "male", "assumed"
