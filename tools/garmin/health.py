"""Daily health from Garmin Connect → `daily_health`: sleep (stages and score), resting HR, HRV, body
battery, stress and steps, one row per calendar day.

Three calls per day: the sleep record (stages, score), the HRV summary (last night's average, status)
and the daily summary (resting HR, steps, average stress, body battery high/low). A missing piece (404,
204, or Garmin's "no data" shape) leaves its columns unknown; a day with nothing at all is not stored.
Stored with `HealthDays.upsert`, which keeps earlier values where the new answer has none (Garmin fills a
day in over time).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tools.garmin.client import GarminConnection, GarminNotFound

_SLEEP_KEEP = (
    "sleepStartTimestampGMT",
    "sleepEndTimestampGMT",
    "napTimeSeconds",
    "awakeCount",
    "avgSleepStress",
    "averageRespirationValue",
    "averageSpO2Value",
    "sleepScoreFeedback",
)
_SUMMARY_KEEP = (
    "bodyBatteryMostRecentValue",
    "bodyBatteryChargedValue",
    "bodyBatteryDrainedValue",
    "maxStressLevel",
    "minHeartRate",
    "maxHeartRate",
    "totalKilocalories",
    "activeKilocalories",
    "moderateIntensityMinutes",
    "vigorousIntensityMinutes",
    "totalDistanceMeters",
)


def _int(value: Any, *, low: float = 0, high: float = 10**9) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return round(value) if low <= value <= high else None


def _float(value: Any, *, low: float = 0, high: float = 10**6) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if low <= value <= high else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_health_day(
    sleep: dict[str, Any] | None, hrv: dict[str, Any] | None, summary: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(column values, compact raw extras) from Garmin's three answers for one day."""
    sleep, hrv, summary = _dict(sleep), _dict(hrv), _dict(summary)
    dto = _dict(sleep.get("dailySleepDTO"))
    scores = _dict(dto.get("sleepScores"))
    hrv_summary = _dict(hrv.get("hrvSummary"))
    values: dict[str, Any] = {
        "sleep_s": _int(dto.get("sleepTimeSeconds"), high=86_400),
        "sleep_score": _int(_dict(scores.get("overall")).get("value"), high=100),
        "deep_sleep_s": _int(dto.get("deepSleepSeconds"), high=86_400),
        "light_sleep_s": _int(dto.get("lightSleepSeconds"), high=86_400),
        "rem_sleep_s": _int(dto.get("remSleepSeconds"), high=86_400),
        "awake_s": _int(dto.get("awakeSleepSeconds"), high=86_400),
        "resting_hr": _int(summary.get("restingHeartRate"), low=20, high=150)
        or _int(sleep.get("restingHeartRate"), low=20, high=150),
        "hrv_ms": _float(hrv_summary.get("lastNightAvg"), low=1, high=400)
        or _float(sleep.get("avgOvernightHrv"), low=1, high=400),
        "hrv_status": (str(hrv_summary.get("status") or sleep.get("hrvStatus") or "") or None),
        "body_battery_high": _int(summary.get("bodyBatteryHighestValue"), high=100),
        "body_battery_low": _int(summary.get("bodyBatteryLowestValue"), high=100),
        "stress_avg": _int(summary.get("averageStressLevel"), high=100),  # Garmin: -1/-2 = no data
        "steps": _int(summary.get("totalSteps"), high=500_000),
    }
    if values["hrv_status"] is not None:
        values["hrv_status"] = values["hrv_status"][:24]
    raw: dict[str, Any] = {}
    if dto:
        raw["sleep"] = {k: dto[k] for k in _SLEEP_KEEP if dto.get(k) is not None}
        qualifiers = {k: v.get("qualifierKey") for k, v in scores.items() if isinstance(v, dict)}
        if any(qualifiers.values()):
            raw["sleep"]["score_qualifiers"] = qualifiers
    if hrv_summary:
        baseline = _dict(hrv_summary.get("baseline"))
        raw["hrv"] = {
            k: v
            for k, v in {
                "weekly_avg": hrv_summary.get("weeklyAvg"),
                "last_night_5min_high": hrv_summary.get("lastNight5MinHigh"),
                "baseline_low": baseline.get("balancedLow"),
                "baseline_high": baseline.get("balancedUpper"),
                "feedback": hrv_summary.get("feedbackPhrase"),
            }.items()
            if v is not None
        }
    if summary:
        raw["summary"] = {k: summary[k] for k in _SUMMARY_KEEP if summary.get(k) is not None}
    return values, {k: v for k, v in raw.items() if v}


async def fetch_health_day(conn: GarminConnection, day: date) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Garmin's health data for one day as (values, raw), or None when Garmin has nothing for it.
    Rate limits and rejected tokens propagate (they stop the sync); other failures propagate too."""
    iso = day.isoformat()
    answers: list[dict[str, Any] | None] = []
    for fn, what in (
        (conn.api.get_sleep_data, f"sleep on {iso}"),
        (conn.api.get_hrv_data, f"HRV on {iso}"),
        (conn.api.get_user_summary, f"the daily summary of {iso}"),
    ):
        try:
            answers.append(await conn.call(fn, iso, what=what))
        except GarminNotFound:
            answers.append(None)
    values, raw = parse_health_day(*answers)
    if all(v is None for v in values.values()):
        return None
    return values, raw
