"""GPX 1.0 and 1.1 → a `Track` (then `track.to_activity`). Pure: bytes in, a typed value out.

All tracks and segments of the file form one activity. Per point: position, `ele`, `time`, and from the
extensions whatever sensor values are there — Garmin's TrackPointExtension v1/v2 (`hr`, `cad`, `atemp`,
`speed`), plain `<hr>`/`<heartrate>`/`<cad>`/`<cadence>`/`<power>`, cluetrust gpxdata, GPX 1.0's `<speed>` —
matched by local name, whatever the namespace prefix. A file with only a route (`rte`) or waypoints is not an
activity and is refused, as is a track whose points carry no time.
"""

from __future__ import annotations

from tools.activities.track import (
    NotAnActivityTrack,
    Track,
    TrackPoint,
    number,
    parse_time,
    sport_from,
    whole,
)
from tools.activities.xmlread import child_text, descendant_text, elements

_ENDS = frozenset({"trkpt", "rtept", "wpt", "trk", "gpx"})


def read_gpx(data: bytes, *, filename: str) -> Track:
    track = Track()
    routes = waypoints = 0
    root_seen = False
    for name, element in elements(data, filename, _ENDS):
        if name == "trkpt":
            ts, naive = parse_time(child_text(element, "time"))
            track.naive_times |= naive
            track.points.append(
                TrackPoint(
                    ts=ts,
                    lat=number(element.get("lat")),
                    lon=number(element.get("lon")),
                    altitude_m=number(child_text(element, "ele")),
                    heart_rate=whole(descendant_text(element, "hr", "heartrate"), low=1, high=255),
                    cadence=number(descendant_text(element, "cad", "cadence")),
                    power_w=whole(descendant_text(element, "power", "watts"), high=4000),
                    speed_mps=number(descendant_text(element, "speed")),
                    temperature_c=whole(descendant_text(element, "atemp", "temp", "wtemp"), low=-60, high=70),
                )
            )
            element.clear()
        elif name == "rtept":
            routes += 1
            element.clear()
        elif name == "wpt":
            waypoints += 1
            element.clear()
        elif name == "trk":
            sport = sport_from(child_text(element, "type"))
            if sport is not None and track.sport == "generic":
                track.sport = sport
        elif name == "gpx":
            root_seen = True
            track.creator = element.get("creator")
    if not root_seen:
        raise NotAnActivityTrack(filename, "it is XML but not a GPX document")
    if not track.points:
        if routes:
            raise NotAnActivityTrack(filename, f"it holds a planned route ({routes} route points), no track")
        what = f"only {waypoints} waypoint(s)" if waypoints else "no track points"
        raise NotAnActivityTrack(filename, f"it holds {what}")
    return track


def is_gpx(head: bytes) -> bool:
    return b"<gpx" in head
