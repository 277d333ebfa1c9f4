"""What a webhook answers: what was done with the notification (Strava and Garmin only need a 200)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

PushStatus = Literal["queued", "updated", "recorded", "disconnected", "ignored"]


class PushReceipt(BaseModel):
    status: PushStatus = Field(
        description="queued: an import job; updated: a stored activity changed; recorded: a notice for the "
        "athlete; disconnected: the connection was revoked; ignored: nothing to do (see detail)"
    )
    detail: str
    job_ids: list[str] = Field(default_factory=list)
