"""From `FitContent` (what either decoder read) to a `ParsedActivity`.

Rules, in order:
1. The file must be an activity (some part's file_id says so), with at least one record — or, without any
   record, a session that says when it started: then it is stored as a summary without samples, with a
   warning.
2. Record times are anchored (see `clock`); a record may be at most `BACKWARDS_TOLERANCE_S` earlier than the
   latest one before it. Devices do repeat timestamps (the Strava app writes two records per second) and
   step back by a second (a Fenix 2 multisport file, twice). A record further back, or more than
   `MAX_SPAN_S` away from the middle record (a clock glitch: one sample two years off), is dropped and
   counted in a warning; when that would drop most records the file is refused (merged or edited wrongly).
3. Each session is a leg; with several, the parent only summarises its legs, which hold laps and samples.
   A record belongs to the last session that started at or before it (records before the first session
   go to the first), so every record lands in exactly one leg; laps go by the session's
   first_lap_index/num_laps when every session has them, else by start time the same way.
4. Totals come from the session message; a total the session lacks is derived from the samples where that
   is unambiguous (elapsed time, distance, heart rate, speed, power).
5. A heart rate of 0 is "no sensor" (Zwift writes 0 when no strap is paired), stored as no value.
6. Cadence: steps per minute for running, walking and hiking ((cadence + fractional_cadence) × 2; FIT
   stores strides per minute), revolutions (or strokes) per minute as recorded otherwise.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tools.activities.fit import profile
from tools.activities.fit.clock import Clock
from tools.activities.fit.content import FitContent, Message
from tools.activities.fit.errors import (
    CorruptFitFile,
    MissingTimestamps,
    NoRecords,
    NotAnActivity,
    TimestampsOutOfOrder,
)
from tools.activities.fit.model import ParsedActivity, ParsedLap, SampleColumns

BACKWARDS_TOLERANCE_S = 2
#: no activity lasts longer than this; a record further than this from the middle record is a clock glitch
MAX_SPAN_S = 7 * 24 * 3600
STEP_SPORTS = frozenset({"running", "walking", "hiking"})
_SEMICIRCLE_DEG = 180.0 / 2**31


def build(content: FitContent, *, filename: str, sha256: str) -> ParsedActivity:
    _require_activity(content, filename)
    clock = Clock.for_content(content)
    if not content.records:
        return _session_only(content, clock, filename, sha256)
    seconds = _record_seconds(content.records, clock, filename)
    keep = _in_order(seconds, filename)
    dropped = len(seconds) - len(keep)
    if dropped:
        content.records = [content.records[i] for i in keep]
        seconds = [seconds[i] for i in keep]

    sessions = sorted(
        (_Session(s, clock, filename) for s in content.sessions), key=lambda s: s.start if s.start else 0
    )
    starts = [s.start if s.start is not None else seconds[0] for s in sessions]
    record_leg = [max(bisect_right(starts, t) - 1, 0) for t in seconds] if len(sessions) > 1 else None
    leg_sports = [_sport(s.msg, content) for s in sessions] or [_sport({}, content)]
    steps = [sport[0] in STEP_SPORTS for sport in leg_sports]
    samples = _samples(content.records, seconds, clock, record_leg, steps)

    lap_leg = _lap_legs(content.laps, sessions, starts, clock, filename)
    laps = [
        _lap(lap, clock, filename, steps[leg], seconds[0])
        for lap, leg in zip(content.laps, lap_leg, strict=True)
    ]
    device = _device(content)
    warnings = list(clock.warnings)
    if dropped:
        warnings.append(
            f"{dropped} sample(s) with an impossible time (far from the rest of the recording, or earlier "
            "than the samples before them) were left out."
        )
    if content.truncated is not None:
        warnings.append(
            f"The file is incomplete ({content.truncated}); the {len(seconds)} samples recorded before the "
            "end were imported, and whatever followed them is missing."
        )
    if content.damaged_at is not None:
        warnings.append(
            f"The file is damaged from byte {content.damaged_at} on (a known fault of files written by the "
            f"Strava app); {len(seconds)} samples recorded before the damage were kept, and the totals come "
            "from the activity summary the app wrote first."
        )
    common: dict[str, Any] = {"file_sha256": sha256, "tz_offset_s": clock.tz_offset_s, **device}

    if len(sessions) <= 1:
        session = sessions[0] if sessions else None
        if session is None:
            warnings.append("The file has no session summary; totals are computed from the samples.")
        return _summary(session, leg_sports[0], samples, _reindex(laps), common, warnings)

    legs = []
    for i, session in enumerate(sessions):
        assert record_leg is not None
        leg_samples = _subset(samples, [j for j, leg in enumerate(record_leg) if leg == i])
        leg_laps = _reindex([lap for lap, leg in zip(laps, lap_leg, strict=True) if leg == i])
        legs.append(_summary(session, leg_sports[i], leg_samples, leg_laps, common, []))
    return _multisport(legs, common, warnings)


def _require_activity(content: FitContent, filename: str) -> None:
    types = [str(f[0]) for f in content.file_ids if 0 in f]
    worthless = "activity" not in types or not (content.records or content.sessions)
    if content.truncated is not None and worthless:  # cut before anything worth keeping
        raise CorruptFitFile(filename, content.truncated)
    if "activity" not in types:
        raise NotAnActivity(filename, types[0] if types else "unknown")
    if not content.records and not any(isinstance(s.get(2), int) for s in content.sessions):
        raise NoRecords(filename)


def _session_only(content: FitContent, clock: Clock, filename: str, sha256: str) -> ParsedActivity:
    """An activity file with session summaries but no records: stored as a summary without samples."""
    sessions = sorted(
        (s for s in (_Session(m, clock, filename) for m in content.sessions) if s.start is not None),
        key=lambda s: s.start or 0,
    )
    common: dict[str, Any] = {"file_sha256": sha256, "tz_offset_s": clock.tz_offset_s, **_device(content)}
    warnings = [
        *clock.warnings,
        "The file holds only the activity's summary, no recorded samples: there are no charts, and "
        "heart-rate zones and load come from the summary alone.",
    ]
    if content.truncated is not None:
        warnings.append(f"The file is incomplete ({content.truncated}).")
    starts = [s.start for s in sessions if s.start is not None]
    lap_leg = _lap_legs(content.laps, sessions, starts, clock, filename)
    sports = [_sport(s.msg, content) for s in sessions]
    laps = [
        _lap(lap, clock, filename, sports[leg][0] in STEP_SPORTS, starts[leg])
        for lap, leg in zip(content.laps, lap_leg, strict=True)
    ]
    legs = [
        _summary(
            session,
            sports[i],
            SampleColumns.empty(),
            _reindex([lap for lap, leg in zip(laps, lap_leg, strict=True) if leg == i]),
            common,
            [] if len(sessions) > 1 else warnings,
        )
        for i, session in enumerate(sessions)
    ]
    return legs[0] if len(legs) == 1 else _multisport(legs, common, warnings)


def _record_seconds(records: Sequence[Message], clock: Clock, filename: str) -> list[int]:
    raw = [r.get(profile.TIMESTAMP) for r in records]
    first = next((t for t in raw if t is not None), None)
    if first is None:
        raise MissingTimestamps(filename, "none of its samples carries a time")
    # records before the first timestamp in the file take that first time
    out: list[int] = []
    for t in raw:
        out.append(clock.seconds(first if t is None else t, filename=filename))
    return out


def _in_order(seconds: Sequence[int], filename: str) -> list[int]:
    """Indices of the records to keep (see rule 2); refuses a file where most records would go."""
    middle = sorted(seconds)[len(seconds) // 2]
    keep: list[int] = []
    latest: int | None = None
    first_bad: tuple[int, int] | None = None
    for i, t in enumerate(seconds):
        if abs(t - middle) > MAX_SPAN_S:
            continue
        if latest is not None and t < latest - BACKWARDS_TOLERANCE_S:
            first_bad = first_bad or (i, latest - t)
            continue
        keep.append(i)
        latest = t if latest is None or t > latest else latest
    if len(keep) * 2 < len(seconds):
        index, back = first_bad or (0, 0)
        raise TimestampsOutOfOrder(
            filename, sample_index=index, back_s=back, tolerance_s=BACKWARDS_TOLERANCE_S
        )
    return keep


class _Session:
    def __init__(self, msg: Message, clock: Clock, filename: str) -> None:
        self.msg = msg
        start = msg.get(2)
        end = msg.get(profile.TIMESTAMP)
        elapsed = msg.get(7)
        self.start: int | None = None
        if isinstance(start, int):
            self.start = clock.seconds(start, filename=filename)
        elif isinstance(end, int) and isinstance(elapsed, float):
            self.start = clock.seconds(end, filename=filename) - int(elapsed)


def _sport(session: Message, content: FitContent) -> tuple[str, str | None]:
    """(sport, sub_sport) from the session, else the sport message, else the first lap, else 'generic'.
    A sub_sport the session lacks comes from the sport message when that names the same sport."""
    sport_msg = content.sports[0] if content.sports else {}
    lap_sport = next((lap[25] for lap in content.laps if 25 in lap), None)
    sport = session.get(5, sport_msg.get(0, lap_sport))
    sub = session.get(6)
    if sub is None and sport_msg.get(0) == sport:
        sub = sport_msg.get(1)
    return ("generic" if sport is None else str(sport)), (None if sub is None else str(sub))


def _cadence(value: Any, fraction: Any, steps: bool) -> float | None:
    if value is None:
        return None
    total = float(value) + (fraction or 0.0)
    return total * 2 if steps else total


def _samples(
    records: Sequence[Message],
    seconds: Sequence[int],
    clock: Clock,
    record_leg: Sequence[int] | None,
    steps: Sequence[bool],
) -> SampleColumns:
    """One column at a time (a comprehension per column is about twice as fast as one loop appending to
    fifteen lists)."""
    to_datetime = clock.to_datetime
    ts: list[datetime] = []
    last_second: int | None = None
    for second in seconds:
        if second != last_second:  # consecutive records often share a second
            last_second, last_dt = second, to_datetime(second)
        ts.append(last_dt)
    gets = [r.get for r in records]
    if record_leg and any(steps[leg] != steps[0] for leg in record_leg):
        step_of = [steps[leg] for leg in record_leg]
    else:
        step_of = [bool(steps[0])] * len(records)
    semicircle = _SEMICIRCLE_DEG
    return SampleColumns(
        ts=ts,
        heart_rate=[get(3) or None for get in gets],
        speed_mps=[get(6) if (v := get(73)) is None else v for get in gets],
        cadence=[_cadence(get(4), get(53), s) for get, s in zip(gets, step_of, strict=True)],
        power_w=[get(7) for get in gets],
        # enhanced altitude, else altitude; raw/5 − 500 leaves float dust, so 0.2 m steps are rounded
        altitude_m=[
            None if (v := get(78)) is None and (v := get(2)) is None else round(v, 3) for get in gets
        ],
        lat=[None if (v := get(0)) is None else v * semicircle for get in gets],
        lon=[None if (v := get(1)) is None else v * semicircle for get in gets],
        distance_m=[get(5) for get in gets],
        temperature_c=[get(13) for get in gets],
        vertical_oscillation_mm=[get(39) for get in gets],
        stance_time_ms=[get(41) for get in gets],
        step_length_mm=[get(85) for get in gets],
        vertical_ratio_pct=[get(83) for get in gets],
        stance_time_balance_pct=[get(84) for get in gets],
    )


def _subset(samples: SampleColumns, rows: Sequence[int]) -> SampleColumns:
    return SampleColumns(*([getattr(samples, name)[i] for i in rows] for name in SampleColumns.COLUMNS))


def _lap_legs(
    laps: Sequence[Message], sessions: Sequence[_Session], starts: Sequence[int], clock: Clock, filename: str
) -> list[int]:
    if len(sessions) <= 1:
        return [0] * len(laps)
    spans = [(s.msg.get(25), s.msg.get(26)) for s in sessions]
    if all(isinstance(a, int) and isinstance(n, int) for a, n in spans):
        owner: dict[int, int] = {}
        for leg, (first, count) in enumerate(spans):
            owner.update((i, leg) for i in range(int(first or 0), int(first or 0) + int(count or 0)))
        if sorted(owner) == list(range(len(laps))):
            return [owner[i] for i in range(len(laps))]
    out = []
    for lap in laps:
        start = lap.get(2, lap.get(profile.TIMESTAMP))
        second = clock.seconds(start, filename=filename) if isinstance(start, int) else starts[0]
        out.append(max(bisect_right(starts, second) - 1, 0))
    return out


def _lap(lap: Message, clock: Clock, filename: str, steps: bool, default_start: int) -> ParsedLap:
    start = lap.get(2, lap.get(profile.TIMESTAMP))
    second = clock.seconds(start, filename=filename) if isinstance(start, int) else default_start
    if 25 in lap:
        steps = str(lap[25]) in STEP_SPORTS
    return ParsedLap(
        index=0,  # set by _reindex
        start_time=clock.to_datetime(second),
        elapsed_s=lap.get(7),
        timer_s=lap.get(8),
        distance_m=lap.get(9),
        avg_hr=lap.get(15) or None,
        max_hr=lap.get(16) or None,
        avg_speed_mps=lap.get(110, lap.get(13)),
        max_speed_mps=lap.get(111, lap.get(14)),
        avg_cadence=_cadence(lap.get(17), lap.get(80), steps),
        avg_power=lap.get(19),
        ascent_m=lap.get(21),
        descent_m=lap.get(22),
        calories=lap.get(11),
        intensity=None if lap.get(23) is None else str(lap[23]),
        lap_trigger=None if lap.get(24) is None else str(lap[24]),
    )


def _reindex(laps: Sequence[ParsedLap]) -> list[ParsedLap]:
    return [lap.model_copy(update={"index": i}) for i, lap in enumerate(laps)]


def _device(content: FitContent) -> dict[str, Any]:
    file_id = next((f for f in content.file_ids if f.get(0) == "activity"), {})
    manufacturer, product, serial = file_id.get(1), file_id.get(2), file_id.get(3)
    return {
        "device_manufacturer": None if manufacturer is None else str(manufacturer),
        "device_product": None if product is None else str(product),
        "device_serial_number": serial if isinstance(serial, int) else None,
    }


def _mean(values: Sequence[Any]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _max(values: Sequence[Any]) -> Any:
    return max((v for v in values if v is not None), default=None)


def _summary(
    session: _Session | None,
    sport: tuple[str, str | None],
    samples: SampleColumns,
    laps: list[ParsedLap],
    common: dict[str, Any],
    warnings: list[str],
) -> ParsedActivity:
    s = session.msg if session else {}
    steps = sport[0] in STEP_SPORTS
    first, last = samples.ts[0] if len(samples) else None, samples.ts[-1] if len(samples) else None
    start = Clock.to_datetime(session.start) if session and session.start is not None else first
    if start is None:
        raise AssertionError("a leg without start time or samples")  # sessions always have one or the other
    elapsed = s.get(7)
    if elapsed is None:
        elapsed = (last - start).total_seconds() if last is not None else 0.0
    timer = s.get(8)
    distance = s[9] if 9 in s else _max(samples.distance_m)
    avg_hr = s.get(16) or None
    if avg_hr is None and (mean_hr := _mean(samples.heart_rate)) is not None:
        avg_hr = round(mean_hr)
    avg_power = s.get(20)
    if avg_power is None and (mean_power := _mean(samples.power_w)) is not None:
        avg_power = round(mean_power)
    avg_speed = s.get(124, s.get(14))
    if avg_speed is None and distance is not None and (timer or elapsed):
        avg_speed = distance / (timer or elapsed)
    return ParsedActivity(
        sport=sport[0],
        sub_sport=sport[1],
        start_time=start,
        elapsed_s=elapsed,
        timer_s=timer,
        moving_s=s.get(59),
        distance_m=distance,
        ascent_m=s.get(22),
        descent_m=s.get(23),
        avg_hr=avg_hr,
        max_hr=(s[17] or None) if 17 in s else _max(samples.heart_rate),
        avg_cadence=_cadence(s.get(18), s.get(92), steps),
        max_cadence=_cadence(s.get(19), s.get(93), steps),
        avg_power=avg_power,
        max_power=s[21] if 21 in s else _max(samples.power_w),
        avg_speed_mps=avg_speed,
        max_speed_mps=s.get(125, s.get(15)) if (125 in s or 15 in s) else _max(samples.speed_mps),
        calories=s.get(11),
        laps=_with_sample_hr(laps, samples),
        samples=samples,
        warnings=warnings,
        **common,
    )


def _with_sample_hr(laps: Sequence[ParsedLap], samples: SampleColumns) -> list[ParsedLap]:
    """Laps whose file gives no heart rate get the mean and max of the samples recorded within them, as
    the activity's own average does (many watches write lap messages without HR fields)."""
    if not any(hr is not None for hr in samples.heart_rate):
        return list(laps)
    out = []
    for i, lap in enumerate(laps):
        if lap.avg_hr is not None:
            out.append(lap)
            continue
        end = laps[i + 1].start_time if i + 1 < len(laps) else None
        if lap.elapsed_s:
            own_end = lap.start_time + timedelta(seconds=lap.elapsed_s)
            end = own_end if end is None else min(end, own_end)
        lo = bisect_left(samples.ts, lap.start_time)
        hi = bisect_left(samples.ts, end) if end is not None else len(samples.ts)
        heart_rates = samples.heart_rate[lo:hi]
        mean = _mean(heart_rates)
        if mean is None:
            out.append(lap)
            continue
        out.append(lap.model_copy(update={"avg_hr": round(mean), "max_hr": lap.max_hr or _max(heart_rates)}))
    return out


def _sum(values: Sequence[Any]) -> Any:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _weighted(legs: Sequence[ParsedActivity], attr: str) -> float | None:
    """Mean of a per-leg average, weighted by each leg's timer (or elapsed) time."""
    pairs = [(v, leg.timer_s or leg.elapsed_s) for leg in legs if (v := getattr(leg, attr)) is not None]
    weight = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / weight if pairs and weight else None


def _rounded(value: float | None) -> int | None:
    return None if value is None else round(value)


def _multisport(legs: list[ParsedActivity], common: dict[str, Any], warnings: list[str]) -> ParsedActivity:
    """The parent of several sessions: a summary of its legs, which hold the laps and samples.

    Its sport is `multisport`, unless every leg has the same sport (a run saved as two sessions is a run);
    only then is an average cadence meaningful (steps/min and rpm legs do not average into anything).
    """
    start = min(leg.start_time for leg in legs)
    elapsed = max((leg.start_time - start).total_seconds() + leg.elapsed_s for leg in legs)
    timer = _sum([leg.timer_s for leg in legs])
    distance = _sum([leg.distance_m for leg in legs])
    sports = {(leg.sport, leg.sub_sport) for leg in legs}
    one_sport = len({sport for sport, _ in sports}) == 1
    sport, sub_sport = next(iter(sports)) if len(sports) == 1 else (legs[0].sport, None)
    return ParsedActivity(
        sport=sport if one_sport else "multisport",
        sub_sport=sub_sport if one_sport else None,
        start_time=start,
        elapsed_s=elapsed,
        timer_s=timer,
        moving_s=_sum([leg.moving_s for leg in legs]),
        distance_m=distance,
        ascent_m=_sum([leg.ascent_m for leg in legs]),
        descent_m=_sum([leg.descent_m for leg in legs]),
        avg_hr=_rounded(_weighted(legs, "avg_hr")),
        max_hr=_max([leg.max_hr for leg in legs]),
        avg_cadence=_weighted(legs, "avg_cadence") if one_sport else None,
        max_cadence=_max([leg.max_cadence for leg in legs]) if one_sport else None,
        avg_power=_rounded(_weighted(legs, "avg_power")),
        max_power=_max([leg.max_power for leg in legs]),
        avg_speed_mps=distance / timer if distance is not None and timer else None,
        max_speed_mps=_max([leg.max_speed_mps for leg in legs]),
        calories=_sum([leg.calories for leg in legs]),
        legs=legs,
        samples=SampleColumns.empty(),
        warnings=warnings,
        **common,
    )
