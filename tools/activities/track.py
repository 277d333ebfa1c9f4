"""From a recorded track (GPX or TCX trackpoints) to a `ParsedActivity`, the same shape a FIT file becomes.

Pure: no I/O. The readers (`gpx.py`, `tcx.py`) turn XML into `TrackPoint`s and optional `TrackLap`s; this
module checks and completes them:
1. Points without a time are dropped (a track without any time is a route, not an activity: refused).
2. A point more than `BACKWARDS_TOLERANCE_S` earlier than the latest kept one is dropped and counted (the
   same tolerance as for FIT records); so is a point with an impossible position.
3. Cumulative distance comes from the file when every point that has a position also has one; otherwise it
   is computed from the positions (great-circle distance), and speed is derived from distance over time.
4. Cadence is stored like FIT's: steps per minute for running, walking and hiking (GPX/TCX, like FIT, write
   strides per minute there), as recorded otherwise.
5. Totals are computed from the points; laps (TCX) keep their own totals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.errors import InvalidInput
from tools.activities.fit.build import BACKWARDS_TOLERANCE_S, STEP_SPORTS
from tools.activities.fit.model import ParsedActivity, ParsedLap, SampleColumns

EARTH_RADIUS_M = 6_371_008.8
#: speed is distance over at least this many seconds (single-second GPS steps are too noisy)
SPEED_WINDOW_S = 5
#: times outside this range are a device's unset clock, not when the activity happened
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
#: elevation changes smaller than this are noise when summing ascent and descent
CLIMB_HYSTERESIS_M = 3.0


class NotAnActivityTrack(InvalidInput):
    """A readable GPX/TCX file that holds no recorded activity (a route, waypoints, a track without times)."""

    code = "track_not_an_activity"

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(
            f"{filename} is not a recorded activity: {reason}. Export the activity itself (with its times) "
            "from the app or watch that recorded it, preferably as the original .fit file.",
            details={"filename": filename, "reason": reason},
        )
        self.filename = filename
        self.reason = reason


class UnreadableTrack(InvalidInput):
    """The bytes are not well-formed GPX or TCX."""

    code = "track_unreadable"

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(
            f"{filename} could not be read: {reason}. Export the file again from the app that recorded it.",
            details={"filename": filename, "reason": reason},
        )
        self.filename = filename
        self.reason = reason


@dataclass(slots=True)
class TrackPoint:
    ts: datetime | None
    lat: float | None = None
    lon: float | None = None
    altitude_m: float | None = None
    distance_m: float | None = None  # cumulative, when the file has it
    heart_rate: int | None = None
    cadence: float | None = None  # as the file writes it (strides/min for running, rpm otherwise)
    power_w: int | None = None
    speed_mps: float | None = None
    temperature_c: int | None = None


@dataclass(slots=True)
class TrackLap:
    start_time: datetime
    elapsed_s: float | None = None
    distance_m: float | None = None
    avg_hr: int | None = None
    max_hr: int | None = None
    max_speed_mps: float | None = None
    avg_speed_mps: float | None = None
    avg_cadence: float | None = None  # as the file writes it
    avg_power: int | None = None
    calories: int | None = None
    intensity: str | None = None
    trigger: str | None = None


@dataclass(slots=True)
class Track:
    """What a reader found: points in file order, laps, the sport and who wrote the file."""

    points: list[TrackPoint] = field(default_factory=list)
    laps: list[TrackLap] = field(default_factory=list)
    sport: str = "generic"
    creator: str | None = None
    warnings: list[str] = field(default_factory=list)
    naive_times: bool = False  # some time had no zone and was read as UTC


def parse_time(text: str | None) -> tuple[datetime | None, bool]:
    """An ISO 8601 time as aware UTC, and whether it lacked a zone (then read as UTC)."""
    if not text:
        return None, False
    raw = text.strip()
    try:
        value = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        return None, False
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC), True
    return value.astimezone(UTC), False


def number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def whole(text: str | None, *, low: int = 0, high: int = 32767) -> int | None:
    value = number(text)
    if value is None or not low <= value <= high:
        return None
    return round(value)


_SPORTS = {
    "running": "running", "run": "running", "9": "running", "trail running": "running", "trailrun": "running",
    "virtualrun": "running", "treadmill": "running",
    "biking": "cycling", "cycling": "cycling", "ride": "cycling", "bike": "cycling", "1": "cycling",
    "virtualride": "cycling", "mountainbikeride": "cycling", "gravelride": "cycling", "ebikeride": "cycling",
    "road_biking": "cycling", "mountain_biking": "cycling",
    "swimming": "swimming", "swim": "swimming", "open_water_swimming": "swimming", "lap_swimming": "swimming",
    "walking": "walking", "walk": "walking", "10": "walking",
    "hiking": "hiking", "hike": "hiking", "4": "hiking",
    # Strava's GPX <type> numbers: 1 ride, 4 hike, 9 run, 10 walk, 16 swim, 17 virtual ride
    "16": "swimming", "17": "cycling",
    "rowing": "rowing", "rowing_v2": "rowing", "row": "rowing",
}  # fmt: skip


def sport_from(name: str | None) -> str | None:
    """Our sport for a name written by GPX `<type>`, TCX `Sport`, or Strava's activity type."""
    if not name:
        return None
    key = name.strip().lower().replace("-", "_")
    return _SPORTS.get(key) or _SPORTS.get(key.replace("_", "").replace(" ", ""))


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _valid_position(p: TrackPoint) -> bool:
    return p.lat is not None and p.lon is not None and -90 <= p.lat <= 90 and -180 <= p.lon <= 180


def _keep(points: Sequence[TrackPoint], filename: str) -> tuple[list[TrackPoint], list[str]]:
    timed = [p for p in points if p.ts is not None]
    if not points:
        raise NotAnActivityTrack(filename, "it holds no track points")
    if not timed:
        raise NotAnActivityTrack(
            filename, "its track points carry no times (a planned route or a drawn track, not a recording)"
        )
    real = [p for p in timed if p.ts is not None and p.ts >= EARLIEST]
    if not real:
        raise NotAnActivityTrack(
            filename, "its times are not real dates (before 1990: a device clock that was never set)"
        )
    warnings = []
    if len(real) < len(timed):
        warnings.append(f"{len(timed) - len(real)} track point(s) with a time before 1990 were left out.")
        timed = real
    if len(timed) < len(points):
        warnings.append(
            f"{len(points) - len(timed)} of {len(points)} track points had no time and were left out."
        )
    kept: list[TrackPoint] = []
    dropped_order = 0
    latest: datetime | None = None
    for p in timed:
        assert p.ts is not None
        if latest is not None and (latest - p.ts).total_seconds() > BACKWARDS_TOLERANCE_S:
            dropped_order += 1
            continue
        if (p.lat is not None or p.lon is not None) and not _valid_position(p):
            p.lat = p.lon = None
        kept.append(p)
        latest = p.ts if latest is None or p.ts > latest else latest
    if dropped_order:
        warnings.append(
            f"{dropped_order} track point(s) with a time earlier than the points before them were left out."
        )
    if len(kept) < 2:
        raise NotAnActivityTrack(filename, "it has fewer than two timed track points")
    if kept[-1].ts == kept[0].ts:
        raise NotAnActivityTrack(filename, "all its track points carry the same time")
    return kept, warnings


def _distances(points: Sequence[TrackPoint]) -> tuple[list[float | None], bool]:
    """Cumulative distance per point, and whether it was computed from positions."""
    positioned = [p for p in points if _valid_position(p)]
    from_file = [p.distance_m for p in points]
    if any(d is not None for d in from_file) and all(p.distance_m is not None for p in positioned):
        out: list[float | None] = []
        last: float | None = None
        for d in from_file:
            last = d if d is not None else last
            out.append(last)
        return out, False
    if len(positioned) < 2:
        return [None] * len(points), False
    total = 0.0
    out = []
    prev: TrackPoint | None = None
    for p in points:
        if _valid_position(p):
            if prev is not None:
                assert (
                    prev.lat is not None and prev.lon is not None and p.lat is not None and p.lon is not None
                )
                total += _haversine(prev.lat, prev.lon, p.lat, p.lon)
            prev = p
            out.append(round(total, 2))
        else:
            out.append(round(total, 2) if prev is not None else None)
    return out, True


def _speeds(ts: Sequence[datetime], distance: Sequence[float | None]) -> list[float | None]:
    out: list[float | None] = []
    back = 0
    for i, t in enumerate(ts):
        while back < i and (t - ts[back + 1]).total_seconds() >= SPEED_WINDOW_S:
            back += 1
        dt = (t - ts[back]).total_seconds()
        d1, d0 = distance[i], distance[back]
        out.append(round((d1 - d0) / dt, 3) if dt > 0 and d1 is not None and d0 is not None else None)
    return out


def _climb(altitudes: Sequence[float | None]) -> tuple[float | None, float | None]:
    present = [a for a in altitudes if a is not None]
    if len(present) < 2:
        return None, None
    ascent = descent = 0.0
    anchor = present[0]
    for a in present[1:]:
        if a - anchor >= CLIMB_HYSTERESIS_M:
            ascent += a - anchor
            anchor = a
        elif anchor - a >= CLIMB_HYSTERESIS_M:
            descent += anchor - a
            anchor = a
    return round(ascent, 1), round(descent, 1)


def _mean(values: Sequence[float | int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _max(values: Sequence[float | int | None]) -> float | None:
    return max((v for v in values if v is not None), default=None)


def _cadence(value: float | None, steps: bool) -> float | None:
    return None if value is None else (value * 2 if steps else value)


def to_activity(track: Track, *, filename: str, sha256: str, sport: str | None = None) -> ParsedActivity:
    """The track as an activity (raises `NotAnActivityTrack` for a track that cannot be one).
    `sport`, when given (the Strava archive's activity type), wins over the file's own."""
    points, warnings = _keep(track.points, filename)
    warnings = [*track.warnings, *warnings]
    if track.naive_times:
        warnings.append("Some times in the file had no time zone; they were read as UTC.")
    chosen = sport or track.sport
    steps = chosen in STEP_SPORTS
    ts = [p.ts for p in points if p.ts is not None]
    distance, computed = _distances(points)
    if computed:
        warnings.append("The file has no distance; it was computed from the GPS positions.")
    speed: list[float | None] = [p.speed_mps for p in points]
    if all(v is None for v in speed):
        speed = _speeds(ts, distance)
    cols = SampleColumns.empty()
    cols.ts.extend(ts)
    cols.heart_rate.extend(p.heart_rate or None for p in points)
    cols.speed_mps.extend(speed)
    cols.cadence.extend(_cadence(p.cadence, steps) for p in points)
    cols.power_w.extend(p.power_w for p in points)
    cols.altitude_m.extend(p.altitude_m for p in points)
    cols.lat.extend(p.lat for p in points)
    cols.lon.extend(p.lon for p in points)
    cols.distance_m.extend(distance)
    cols.temperature_c.extend(p.temperature_c for p in points)
    for name in SampleColumns.COLUMNS[10:]:
        getattr(cols, name).extend([None] * len(ts))

    start, end = ts[0], ts[-1]
    elapsed = (end - start).total_seconds()
    total_distance = _max(distance)
    lap_timer = [lap.elapsed_s for lap in track.laps if lap.elapsed_s is not None]
    timer = sum(lap_timer) if track.laps and len(lap_timer) == len(track.laps) else None
    if track.laps and all(lap.distance_m is not None for lap in track.laps) and total_distance is None:
        total_distance = sum(lap.distance_m or 0.0 for lap in track.laps)
    ascent, descent = _climb(cols.altitude_m)
    avg_hr = _mean(cols.heart_rate)
    avg_power = _mean(cols.power_w)
    max_hr, max_power = _max(cols.heart_rate), _max(cols.power_w)
    calories = [lap.calories for lap in track.laps if lap.calories is not None]
    laps = [
        ParsedLap(
            index=i,
            start_time=lap.start_time,
            elapsed_s=lap.elapsed_s,
            timer_s=lap.elapsed_s,
            distance_m=lap.distance_m,
            avg_hr=lap.avg_hr,
            max_hr=lap.max_hr,
            avg_speed_mps=lap.avg_speed_mps
            if lap.avg_speed_mps is not None
            else (lap.distance_m / lap.elapsed_s if lap.distance_m is not None and lap.elapsed_s else None),
            max_speed_mps=lap.max_speed_mps,
            avg_cadence=_cadence(lap.avg_cadence, steps),
            avg_power=lap.avg_power,
            ascent_m=None,
            descent_m=None,
            calories=lap.calories,
            intensity=lap.intensity,
            lap_trigger=lap.trigger,
        )
        for i, lap in enumerate(sorted(track.laps, key=lambda lap: lap.start_time))
    ]
    return ParsedActivity(
        sport=chosen,
        sub_sport=None,
        start_time=start,
        tz_offset_s=None,
        elapsed_s=elapsed,
        timer_s=timer,
        moving_s=None,
        distance_m=total_distance,
        ascent_m=ascent,
        descent_m=descent,
        avg_hr=None if avg_hr is None else round(avg_hr),
        max_hr=None if max_hr is None else int(max_hr),
        avg_cadence=_mean(cols.cadence),
        max_cadence=_max(cols.cadence),
        avg_power=None if avg_power is None else round(avg_power),
        max_power=None if max_power is None else int(max_power),
        avg_speed_mps=total_distance / (timer or elapsed) if total_distance and (timer or elapsed) else None,
        max_speed_mps=_max(cols.speed_mps),
        calories=sum(calories) if calories else None,
        device_manufacturer=None,
        device_product=track.creator[:64] if track.creator else None,
        device_serial_number=None,
        file_sha256=sha256,
        laps=laps,
        samples=cols,
        warnings=warnings,
    )
