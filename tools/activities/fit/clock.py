"""From FIT seconds to real time.

FIT counts seconds since 1989-12-31T00:00:00Z. Values below 0x10000000 (about 8.5 years) are instead seconds
since the device was switched on — old watches write those until their clock is set. To place such an
activity in time we use the activity message, which pairs a device-time `timestamp` with an absolute
`local_timestamp`; the result is the device's local time (its UTC offset is unknown), and we say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tools.activities.fit import profile
from tools.activities.fit.content import FitContent
from tools.activities.fit.errors import MissingTimestamps

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
MAX_TZ_OFFSET_S = 14 * 3600  # UTC+14 (Kiribati) is the farthest any zone reaches


@dataclass(slots=True)
class Clock:
    """Turns raw FIT seconds into absolute FIT seconds and aware UTC datetimes."""

    relative_shift: int | None  # added to device-time values; None when the file has no anchor
    tz_offset_s: int | None
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def for_content(cls, content: FitContent) -> Clock:
        activity = content.activities[0] if content.activities else {}
        utc = activity.get(profile.TIMESTAMP)
        local = activity.get(5)
        shift: int | None = None
        tz_offset: int | None = None
        if isinstance(utc, int) and isinstance(local, int) and local >= profile.MIN_ABSOLUTE_TIME:
            if utc >= profile.MIN_ABSOLUTE_TIME:
                if abs(local - utc) <= MAX_TZ_OFFSET_S:
                    tz_offset = local - utc
            else:
                shift = local - utc
        return cls(relative_shift=shift, tz_offset_s=tz_offset)

    def seconds(self, raw: int, *, filename: str) -> int:
        """Absolute FIT seconds for a raw value (raises if it is device time with no anchor)."""
        if raw >= profile.MIN_ABSOLUTE_TIME:
            return raw
        if self.relative_shift is None:
            raise MissingTimestamps(
                filename,
                "the device's clock was not set (its times count seconds since it was switched on) and the "
                "file holds no reference to real time",
            )
        if not self.warnings:
            self.warnings.append(
                "The device's clock was not set when this was recorded; times are estimated from the "
                "activity's local end time and may be off by your time-zone offset."
            )
        return raw + self.relative_shift

    @staticmethod
    def to_datetime(seconds: int) -> datetime:
        return FIT_EPOCH + timedelta(seconds=seconds)
