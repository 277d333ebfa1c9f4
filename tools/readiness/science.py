"""Morning readiness: a 0–100 score, a label and the reasons behind it, from whatever data there is.

Components (each scored 0–100; the score is their weighted mean over the components that have data, with
the weights renormalised; missing data is reported as missing and never replaced by a guess):

- sleep (weight 0.30): the device's sleep score as is, and duration — 100 at ≥ 8 h falling linearly to 0
  at 4 h; the mean of the two that are present.
- HRV (0.35): ln rMSSD, as in Plews et al. 2013 and HRV4Training. The baseline is the mean and SD of up
  to 60 previous nights (at least 14 needed); the normal range is mean ± 1 SD. z = (ln today − mean) / SD.
  Score 100 for z ≥ 0, falling linearly to 0 at z = −3. If the 7-day rolling mean (today and the six nights
  before) is also below the normal range, the score is capped at 50: one low night is noise, a low week is
  a trend.
- resting HR (0.20): today vs the mean and SD (SD floored at 1.5 bpm) of up to 60 previous mornings (at
  least 7 needed). Score 100 up to z = 0.5, then −25 per SD (0 at z = 4.5).
- training load (0.15, optional): TSB 100 at ≥ −10, −3 per point below (0 at about −43); ACWR 100 up to
  1.3, −200 per unit above (0 at 1.8). The worse of the two.

Labels: ≥ 75 ready, ≥ 55 normal, ≥ 35 take it easy, below rest. Without any component: score None and
label "unknown".
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from core.errors import TrainingInputError

Component = Literal["sleep", "hrv", "resting_hr", "load"]
Label = Literal["ready", "normal", "take it easy", "rest", "unknown"]

WEIGHTS: dict[Component, float] = {"sleep": 0.30, "hrv": 0.35, "resting_hr": 0.20, "load": 0.15}
LABELS: tuple[tuple[float, Label], ...] = (
    (75.0, "ready"),
    (55.0, "normal"),
    (35.0, "take it easy"),
    (0.0, "rest"),
)
BASELINE_DAYS = 60
ROLLING_DAYS = 7
MIN_HRV_BASELINE = 14
MIN_RHR_BASELINE = 7
RHR_SD_FLOOR = 1.5
SLEEP_FULL_H = 8.0
SLEEP_ZERO_H = 4.0


@dataclass(frozen=True, slots=True)
class ReadinessInputs:
    """Last night's values and the history before it (oldest first, today excluded)."""

    sleep_score: float | None = None
    sleep_duration_h: float | None = None
    hrv_rmssd_ms: float | None = None
    hrv_history_ms: Sequence[float] = ()
    resting_hr: float | None = None
    resting_hr_history: Sequence[float] = ()
    tsb: float | None = None
    acwr: float | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    component: Component
    status: Literal["ok", "low", "missing"]
    text: str


@dataclass(frozen=True, slots=True)
class ComponentScore:
    component: Component
    score: float
    weight: float


@dataclass(frozen=True, slots=True)
class Readiness:
    score: int | None
    label: Label
    components: tuple[ComponentScore, ...] = ()
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def _status(score: float) -> Literal["ok", "low"]:
    return "ok" if score >= 70 else "low"


def _check(name: str, value: float | None, low: float, high: float) -> None:
    if value is not None and (not math.isfinite(value) or not low <= value <= high):
        raise TrainingInputError(f"{name} must be between {low:g} and {high:g}, got {value}")


def _sleep(inputs: ReadinessInputs) -> tuple[float | None, list[Reason]]:
    parts: list[float] = []
    reasons: list[Reason] = []
    if inputs.sleep_score is not None:
        parts.append(inputs.sleep_score)
        reasons.append(
            Reason("sleep", _status(inputs.sleep_score), f"sleep score {inputs.sleep_score:.0f}/100")
        )
    if inputs.sleep_duration_h is not None:
        hours = inputs.sleep_duration_h
        duration_score = _clamp((hours - SLEEP_ZERO_H) / (SLEEP_FULL_H - SLEEP_ZERO_H) * 100.0)
        parts.append(duration_score)
        reasons.append(
            Reason(
                "sleep", _status(duration_score), f"slept {hours:.1f} h (full marks from {SLEEP_FULL_H:g} h)"
            )
        )
    if not parts:
        return None, [Reason("sleep", "missing", "no sleep data for last night")]
    return statistics.fmean(parts), reasons


def _hrv(inputs: ReadinessInputs) -> tuple[float | None, list[Reason]]:
    if inputs.hrv_rmssd_ms is None:
        return None, [Reason("hrv", "missing", "no HRV (rMSSD) measurement for last night")]
    history = [math.log(v) for v in inputs.hrv_history_ms[-BASELINE_DAYS:]]
    if len(history) < MIN_HRV_BASELINE:
        return None, [
            Reason(
                "hrv",
                "missing",
                f"HRV baseline needs {MIN_HRV_BASELINE} previous nights, only {len(history)} recorded",
            )
        ]
    today = math.log(inputs.hrv_rmssd_ms)
    mean, sd = statistics.fmean(history), statistics.stdev(history)
    sd = max(sd, 1e-6)
    z = (today - mean) / sd
    score = _clamp(100.0 + min(z, 0.0) * 100.0 / 3.0)
    reasons = [
        Reason(
            "hrv",
            _status(score),
            f"HRV ln rMSSD {today:.2f} ({inputs.hrv_rmssd_ms:.0f} ms) is {z:+.1f} SD from your "
            f"{len(history)}-night baseline {mean:.2f} ± {sd:.2f}",
        )
    ]
    week = [*history[-(ROLLING_DAYS - 1) :], today]
    week_mean = statistics.fmean(week)
    if week_mean < mean - sd:
        score = min(score, 50.0)
        reasons.append(
            Reason(
                "hrv",
                "low",
                f"7-day HRV average {week_mean:.2f} is below your normal range "
                f"{mean - sd:.2f}–{mean + sd:.2f}",
            )
        )
    return score, reasons


def _resting_hr(inputs: ReadinessInputs) -> tuple[float | None, list[Reason]]:
    if inputs.resting_hr is None:
        return None, [Reason("resting_hr", "missing", "no resting heart rate for this morning")]
    history = list(inputs.resting_hr_history[-BASELINE_DAYS:])
    if len(history) < MIN_RHR_BASELINE:
        return None, [
            Reason(
                "resting_hr",
                "missing",
                f"resting-HR baseline needs {MIN_RHR_BASELINE} previous mornings, "
                f"only {len(history)} recorded",
            )
        ]
    mean = statistics.fmean(history)
    sd = max(statistics.stdev(history), RHR_SD_FLOOR)
    z = (inputs.resting_hr - mean) / sd
    score = _clamp(100.0 - 25.0 * max(0.0, z - 0.5))
    text = (
        f"resting HR {inputs.resting_hr:.0f} bpm vs your {len(history)}-day baseline {mean:.1f} ± {sd:.1f} "
        f"({inputs.resting_hr - mean:+.1f} bpm)"
    )
    return score, [Reason("resting_hr", _status(score), text)]


def _load(inputs: ReadinessInputs) -> tuple[float | None, list[Reason]]:
    scores: list[float] = []
    reasons: list[Reason] = []
    if inputs.tsb is not None:
        tsb_score = _clamp(100.0 + 3.0 * min(0.0, inputs.tsb + 10.0))
        scores.append(tsb_score)
        reasons.append(
            Reason("load", _status(tsb_score), f"form (TSB) {inputs.tsb:+.0f}; below −10 costs points")
        )
    if inputs.acwr is not None:
        acwr_score = _clamp(100.0 - 200.0 * max(0.0, inputs.acwr - 1.3))
        scores.append(acwr_score)
        reasons.append(
            Reason(
                "load",
                _status(acwr_score),
                f"acute:chronic load ratio {inputs.acwr:.2f}; above 1.3 costs points",
            )
        )
    if not scores:
        return None, [Reason("load", "missing", "no training-load figures (TSB, ACWR) given")]
    return min(scores), reasons


def label_for(score: float) -> Label:
    """The label of a 0–100 readiness score."""
    return next(label for threshold, label in LABELS if score >= threshold)


def score_readiness(inputs: ReadinessInputs) -> Readiness:
    """Score last night's recovery; see the module docstring for the components and weights."""
    _check("sleep score", inputs.sleep_score, 0, 100)
    _check("sleep duration (h)", inputs.sleep_duration_h, 0, 24)
    _check("rMSSD (ms)", inputs.hrv_rmssd_ms, 1, 500)
    _check("resting HR (bpm)", inputs.resting_hr, 20, 150)
    _check("TSB", inputs.tsb, -500, 500)
    _check("ACWR", inputs.acwr, 0, 20)
    for value in inputs.hrv_history_ms:
        _check("rMSSD history (ms)", value, 1, 500)
    for value in inputs.resting_hr_history:
        _check("resting HR history (bpm)", value, 20, 150)

    components: list[ComponentScore] = []
    reasons: list[Reason] = []
    parts: tuple[tuple[Component, tuple[float | None, list[Reason]]], ...] = (
        ("sleep", _sleep(inputs)),
        ("hrv", _hrv(inputs)),
        ("resting_hr", _resting_hr(inputs)),
        ("load", _load(inputs)),
    )
    for name, (score, component_reasons) in parts:
        reasons.extend(component_reasons)
        if score is not None:
            components.append(ComponentScore(name, score, WEIGHTS[name]))
    if not components:
        return Readiness(None, "unknown", (), tuple(reasons))
    total_weight = math.fsum(c.weight for c in components)
    score = math.fsum(c.score * c.weight for c in components) / total_weight
    rounded = round(score)
    return Readiness(rounded, label_for(rounded), tuple(components), tuple(reasons))
