"""Deleting an original file once no activity refers to it, after the deleting unit of work committed.

`tools.activities.store.delete_activity` enqueues this in its own transaction, so it is sent only when the
deletion is committed (never for a rollback); the check and the deletion are
`tools.activities.originals.forget_if_unreferenced`.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.models import Job
from jobs.runner import job_handler
from tools.activities.originals import forget_if_unreferenced

SHA256 = re.compile(r"^[0-9a-f]{64}$")


@job_handler("originals.forget")
async def forget(session: AsyncSession, job: Job) -> dict[str, Any]:
    sha = str(job.args.get("sha256", ""))
    if not SHA256.match(sha):
        raise InvalidInput(f"originals.forget needs a SHA-256 in hex, not {sha[:80]!r}.")
    return {"sha256": sha, "deleted": await forget_if_unreferenced(session, sha)}
