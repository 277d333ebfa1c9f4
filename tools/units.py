"""How times and paces are written for the athlete: h:mm:ss and m:ss/km."""

from __future__ import annotations

import math


def clock(seconds: float) -> str:
    """1197 → '19:57'; 10912.4 → '3:01:52' (rounded to the second)."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def pace(seconds_per_km: float | None) -> str | None:
    """255.4 → '4:15/km'; None and non-finite stay None."""
    if seconds_per_km is None or not math.isfinite(seconds_per_km):
        return None
    return f"{clock(seconds_per_km)}/km"
