"""The athlete's profile and settings: what they see and edit (name, time zone, units, and the numbers the
training science uses: sex, birth date, weight, max / resting / threshold heart rate, threshold pace).

Every bound lives here once: `SettingsUpdate` (the Settings page, `PATCH /api/v1/settings`) holds them and
`ProfileUpdate` (`PATCH /api/v1/me`) adds the display name; `update_profile` applies either.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from itertools import pairwise
from typing import Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import User

Units = Literal["metric", "imperial"]
Sex = Literal["female", "male"]


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """An IANA time zone name, as given; ValueError otherwise (pydantic turns it into a field error)."""
    if name not in _zones():
        raise ValueError(
            f"{name!r} is not a time zone; use an IANA name like Europe/Berlin or America/New_York."
        )
    return name


class Profile(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    email_verified_at: datetime | None = Field(
        description="when the address was confirmed through the link sent to it; null = not yet (coach "
        "invitations to it cannot be accepted, Google sign-in is not joined to this account)"
    )
    display_name: str | None
    timezone: str = Field(description="IANA time zone; 'today' and weekly totals follow it")
    units: Units
    sex: Sex | None = Field(description="used by the TRIMP training-load weighting")
    max_hr: int | None
    resting_hr: int | None
    lthr: int | None = Field(description="lactate-threshold heart rate, beats per minute")
    threshold_pace_s_per_km: float | None = Field(description="threshold pace, seconds per km")
    birth_date: date | None
    weight_kg: float | None
    is_demo: bool
    created_at: datetime


MIN_AGE_YEARS = 10
MAX_AGE_YEARS = 110


def check_birth_date(value: date, *, today: date | None = None) -> date:
    """A birth date giving an age from 10 to 110 years; ValueError otherwise."""
    today = today or date.today()
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if not MIN_AGE_YEARS <= age <= MAX_AGE_YEARS:
        raise ValueError(
            f"a birth date of {value.isoformat()} gives an age of {age}; "
            f"enter a date for an age from {MIN_AGE_YEARS} to {MAX_AGE_YEARS} (YYYY-MM-DD)."
        )
    return value


class SettingsUpdate(BaseModel):
    """Only the fields present are changed; `null` clears the ones that may be empty. Heart rates must
    keep resting < threshold < max. Paces are seconds per km and weights kilograms whatever `units` says
    (`units` is how the apps display them)."""

    model_config = ConfigDict(extra="forbid")

    timezone: str | None = Field(default=None, description="IANA name, e.g. Europe/Berlin")
    units: Units | None = None
    sex: Sex | None = None
    birth_date: date | None = Field(default=None, description="YYYY-MM-DD; an age from 10 to 110")
    weight_kg: float | None = Field(default=None, ge=25, le=250, allow_inf_nan=False)
    max_hr: int | None = Field(default=None, ge=100, le=240)
    resting_hr: int | None = Field(default=None, ge=25, le=120)
    lthr: int | None = Field(default=None, ge=80, le=230)
    threshold_pace_s_per_km: float | None = Field(
        default=None, ge=120, le=900, allow_inf_nan=False, description="2:00 to 15:00 per km"
    )

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("birth_date")
    @classmethod
    def _birth_date(cls, value: date | None) -> date | None:
        return None if value is None else check_birth_date(value)


class ProfileUpdate(SettingsUpdate):
    """Only the fields present are changed; `null` clears the ones that may be empty."""

    display_name: str | None = Field(default=None, max_length=120)


_NOT_NULLABLE = ("timezone", "units")


async def update_profile(session: AsyncSession, user: User, change: SettingsUpdate) -> Profile:
    fields = change.model_dump(include=change.model_fields_set)
    for name in _NOT_NULLABLE:
        if name in fields and fields[name] is None:
            raise InvalidInput(f"{name} cannot be empty; choose a value.", details={"field": name})
    if "display_name" in fields and fields["display_name"] is not None:
        fields["display_name"] = fields["display_name"].strip() or None
    resting, lthr, max_hr = (fields.get(k, getattr(user, k)) for k in ("resting_hr", "lthr", "max_hr"))
    ordered = [
        (n, v) for n, v in (("resting_hr", resting), ("lthr", lthr), ("max_hr", max_hr)) if v is not None
    ]
    for (low_name, low), (high_name, high) in pairwise(ordered):
        if low >= high:
            raise InvalidInput(
                f"{low_name} ({low}) must be below {high_name} ({high}). Check both values.",
                details={"fields": [low_name, high_name]},
            )
    for name, value in fields.items():
        setattr(user, name, value)
    await session.flush()
    return Profile.model_validate(user)


class AthleteSettings(BaseModel):
    """The Settings page: where the athlete lives, how numbers are shown, and the numbers behind the
    zones, training load and predictions (unset ones are estimated from activities where possible)."""

    model_config = ConfigDict(from_attributes=True)

    timezone: str = Field(description="IANA time zone; 'today' and weekly totals follow it")
    units: Units
    sex: Sex | None = Field(description="used by the TRIMP training-load weighting")
    birth_date: date | None
    weight_kg: float | None
    max_hr: int | None
    resting_hr: int | None
    lthr: int | None = Field(description="lactate-threshold heart rate, beats per minute")
    threshold_pace_s_per_km: float | None = Field(description="threshold pace, seconds per km")


def athlete_settings(user: User) -> AthleteSettings:
    return AthleteSettings.model_validate(user)


async def update_settings(session: AsyncSession, user: User, change: SettingsUpdate) -> AthleteSettings:
    await update_profile(session, user, change)
    return athlete_settings(user)
