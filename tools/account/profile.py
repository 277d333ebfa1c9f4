"""The athlete's profile: what they see and edit (name, time zone, units, sex, heart-rate settings)."""

from __future__ import annotations

from datetime import datetime
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
    display_name: str | None
    timezone: str = Field(description="IANA time zone; 'today' and weekly totals follow it")
    units: Units
    sex: Sex | None = Field(description="used by the TRIMP training-load weighting")
    max_hr: int | None
    resting_hr: int | None
    lthr: int | None = Field(description="lactate-threshold heart rate, beats per minute")
    is_demo: bool
    created_at: datetime


class ProfileUpdate(BaseModel):
    """Only the fields present are changed; `null` clears the ones that may be empty."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=120)
    timezone: str | None = Field(default=None, description="IANA name, e.g. Europe/Berlin")
    units: Units | None = None
    sex: Sex | None = None
    max_hr: int | None = Field(default=None, ge=100, le=240)
    resting_hr: int | None = Field(default=None, ge=25, le=120)
    lthr: int | None = Field(default=None, ge=80, le=230)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


_NOT_NULLABLE = ("timezone", "units")


async def update_profile(session: AsyncSession, user: User, change: ProfileUpdate) -> Profile:
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
