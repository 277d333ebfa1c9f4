"""What a webhook answers: what was done with the notification (Strava and Garmin only need a 200)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

PushStatus = Literal["queued", "updated", "recorded", "ignored"]


class PushReceipt(BaseModel):
    status: PushStatus = Field(
        description="queued: an import job (or a check of our Strava access); updated: a stored activity "
        "changed; recorded: a notice for the athlete; ignored: nothing to do (see detail)"
    )
    detail: str
    job_ids: list[str] = Field(default_factory=list)
