"""Notification preferences per user: which triggers, which channels, at what times, and quiet hours.

Stored in `users.preferences["notifications"]` (JSONB); a user who never set anything gets the defaults.
Times are wall-clock times in the user's own time zone. Quiet hours may cross midnight (22:00–07:00).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import User

PREFERENCES_KEY = "notifications"


def _wall_clock(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("give a wall-clock time without a UTC offset (e.g. 22:00); it is your local time")
    return value


#: a time of day in the user's own time zone (an offset is refused, not silently compared)
LocalTime = Annotated[time, AfterValidator(_wall_clock)]


class Trigger(StrEnum):
    MORNING_READINESS = "morning_readiness"
    AFTER_RUN = "after_run"
    WEEKLY_REVIEW = "weekly_review"
    RACE_WEEK = "race_week"
    GEAR_THRESHOLD = "gear_threshold"
    MISSED_SESSION = "missed_session"


class Channel(StrEnum):
    WEB = "web"
    TELEGRAM = "telegram"


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: LocalTime = Field(default=time(22, 0), description="quiet from this local time…")
    end: LocalTime = Field(default=time(7, 0), description="…until this local time (may be the next day)")

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, moment: datetime, tz: ZoneInfo) -> datetime:
        """The first instant at or after `moment` outside the quiet hours (aware, UTC-comparable)."""
        local = moment.astimezone(tz)
        if not self.contains(local.time().replace(tzinfo=None)):
            return moment
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        # a wall-clock time that does not exist (DST gap) is resolved forward by ZoneInfo's fold=0 rules
        return datetime.combine(day, self.end, tzinfo=tz)


class NotificationPreferences(BaseModel):
    """What the athlete wants to hear about, where, and when."""

    model_config = ConfigDict(extra="forbid")

    triggers: dict[Trigger, bool] = Field(
        default_factory=lambda: {trigger: True for trigger in Trigger},
        description="which proactive messages to send (missing triggers are on)",
    )
    channels: list[Channel] = Field(
        default_factory=lambda: [Channel.WEB, Channel.TELEGRAM],
        description="where to deliver them; Telegram only reaches a linked chat",
    )
    morning_time: LocalTime = Field(
        default=time(7, 30), description="the morning message goes out by this local time at the latest"
    )
    morning_earliest: LocalTime = Field(
        default=time(5, 0), description="…and not before this time, even when the night's data is in"
    )
    weekly_review_day: int = Field(default=6, ge=0, le=6, description="0 = Monday … 6 = Sunday")
    weekly_review_time: LocalTime = Field(default=time(19, 0))
    quiet_hours: QuietHours | None = Field(default_factory=QuietHours, description="null: no quiet hours")

    @model_validator(mode="after")
    def _morning_window(self) -> NotificationPreferences:
        if self.morning_earliest > self.morning_time:
            raise ValueError("morning_earliest must not be later than morning_time")
        return self

    def enabled(self, trigger: Trigger) -> bool:
        return self.triggers.get(trigger, True)


def get_preferences(user: User) -> NotificationPreferences:
    raw = (user.preferences or {}).get(PREFERENCES_KEY) or {}
    try:
        return NotificationPreferences.model_validate(raw)
    except ValidationError:
        return NotificationPreferences()  # stored by an older version: fall back rather than fail a job


def merge_preferences(current: NotificationPreferences, patch: dict[str, Any]) -> NotificationPreferences:
    """`current` with the fields of `patch` replaced (triggers are merged key by key)."""
    data = current.model_dump(mode="json")
    patch = dict(patch)
    if isinstance(patch.get("triggers"), dict):
        data["triggers"] = {**data["triggers"], **patch.pop("triggers")}
    data.update(patch)
    try:
        return NotificationPreferences.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'preferences'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidInput(f"Those notification settings are not valid: {problems}") from exc


async def save_preferences(session: AsyncSession, user: User, prefs: NotificationPreferences) -> None:
    # a new dict: JSONB columns are not mutation-tracked
    user.preferences = {**(user.preferences or {}), PREFERENCES_KEY: prefs.model_dump(mode="json")}
    await session.flush()


class PreferencesUpdate(BaseModel):
    """A change to the preferences: only the fields sent change (`quiet_hours: null` turns them off)."""

    model_config = ConfigDict(extra="forbid")

    triggers: dict[Trigger, bool] | None = None
    channels: list[Channel] | None = None
    morning_time: LocalTime | None = None
    morning_earliest: LocalTime | None = None
    weekly_review_day: int | None = Field(default=None, ge=0, le=6)
    weekly_review_time: LocalTime | None = None
    quiet_hours: QuietHours | None = None

    def patch(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)
