"""TCX (Garmin Training Center) → a `Track` (then `track.to_activity`). Pure: bytes in, a typed value out.

Per trackpoint: `Time`, `Position`, `AltitudeMeters`, `DistanceMeters` (cumulative, when the device wrote
it), `HeartRateBpm`, `Cadence`, and from the ActivityExtension `TPX` (any prefix: `ns3:`, a default
namespace, none) `Speed`, `RunCadence` and `Watts`. Each `Lap` keeps its own totals (time, distance, heart
rate, maximum speed, calories, intensity, trigger; `LX` averages). A file with several activities imports
the first and says so.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from tools.activities.track import (
    NotAnActivityTrack,
    Track,
    TrackLap,
    TrackPoint,
    number,
    parse_time,
    sport_from,
    whole,
)
from tools.activities.xmlread import child_text, descendant_text, elements, local

_ENDS = frozenset({"trackpoint", "lap", "activity", "trainingcenterdatabase", "course"})


def _value(element: Element, name: str) -> str | None:
    """`<name><Value>…</Value></name>` (TCX's heart-rate shape)."""
    for child in element:
        if local(child.tag) == name:
            return child_text(child, "value")
    return None


def _point(element: Element, track: Track) -> TrackPoint:
    ts, naive = parse_time(child_text(element, "time"))
    track.naive_times |= naive
    lat = lon = None
    for child in element:
        if local(child.tag) == "position":
            lat = number(child_text(child, "latitudedegrees"))
            lon = number(child_text(child, "longitudedegrees"))
    cadence = number(descendant_text(element, "runcadence"))
    if cadence is None:
        cadence = number(child_text(element, "cadence"))
    return TrackPoint(
        ts=ts,
        lat=lat,
        lon=lon,
        altitude_m=number(child_text(element, "altitudemeters")),
        distance_m=number(child_text(element, "distancemeters")),
        heart_rate=whole(_value(element, "heartratebpm"), low=1, high=255),
        cadence=cadence,
        power_w=whole(descendant_text(element, "watts"), high=4000),
        speed_mps=number(descendant_text(element, "speed")),
    )


def _lap(element: Element, track: Track) -> TrackLap | None:
    start, naive = parse_time(element.get("StartTime"))
    track.naive_times |= naive
    if start is None:
        return None
    lx_cadence = number(descendant_text(element, "avgruncadence"))
    return TrackLap(
        start_time=start,
        elapsed_s=number(child_text(element, "totaltimeseconds")),
        distance_m=number(child_text(element, "distancemeters")),
        avg_hr=whole(_value(element, "averageheartratebpm"), low=1, high=255),
        max_hr=whole(_value(element, "maximumheartratebpm"), low=1, high=255),
        max_speed_mps=number(child_text(element, "maximumspeed")),
        avg_speed_mps=number(descendant_text(element, "avgspeed")),
        avg_cadence=lx_cadence if lx_cadence is not None else number(child_text(element, "cadence")),
        avg_power=whole(descendant_text(element, "avgwatts"), high=4000),
        calories=whole(child_text(element, "calories"), high=100_000),
        intensity=(child_text(element, "intensity") or "").strip().lower() or None,
        trigger=(child_text(element, "triggermethod") or "").strip().lower() or None,
    )


def read_tcx(data: bytes, *, filename: str) -> Track:
    track = Track()
    activities = courses = 0
    root_seen = False
    for name, element in elements(data, filename, _ENDS):
        if activities and name in ("trackpoint", "lap"):  # a second activity: counted, not read
            element.clear()
        elif name == "trackpoint":
            track.points.append(_point(element, track))
            element.clear()
        elif name == "lap":
            lap = _lap(element, track)
            if lap is not None:
                track.laps.append(lap)
            element.clear()
        elif name == "activity":
            activities += 1
            if activities == 1:
                track.sport = sport_from(element.get("Sport")) or "generic"
                for child in element:
                    if local(child.tag) == "creator":
                        track.creator = child_text(child, "name")
                element.clear()
        elif name == "course":
            courses += 1
        elif name == "trainingcenterdatabase":
            root_seen = True
    if not root_seen:
        raise NotAnActivityTrack(filename, "it is XML but not a TCX document")
    if activities > 1:
        track.warnings.append(f"The file holds {activities} activities; only the first was imported.")
    if not track.points:
        if courses and not activities:
            raise NotAnActivityTrack(filename, "it holds a course (a planned route), not an activity")
        raise NotAnActivityTrack(filename, "it holds no trackpoints")
    return track
