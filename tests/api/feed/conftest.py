"""Feed API tests: the real app in-process, real FIT files imported through the upload job, real Redis
versions. Reuses the resource tests' helpers and their clean-up of what users leave outside ON DELETE
CASCADE (per-second samples, staged uploads)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.api.conftest import Account, SignUp, verify_email
from tests.api.resources.conftest import _delete_leftovers, fit_file, import_files

__all__ = ["Cast", "_delete_leftovers", "cast", "fit_file", "import_files"]

A_RUNS = ("2013-02-06-12-11-14.fit", "activity-small-fenix2-run.fit")
B_RUNS = ("developer-types-sample.fit",)


@dataclass
class Cast:
    """Two athletes with real runs, a coach, and someone unrelated."""

    athlete: Account
    other_athlete: Account
    coach: Account
    stranger: Account


async def _with_runs(account: Account, names: tuple[str, ...]) -> Account:
    job = await import_files(account, [fit_file(n) for n in names])
    assert job["state"] == "succeeded", job
    return account


@pytest.fixture
async def cast(sign_up: SignUp) -> Cast:
    return Cast(
        athlete=await _with_runs(await sign_up(), A_RUNS),
        other_athlete=await _with_runs(await sign_up(), B_RUNS),
        coach=await _verified(await sign_up()),
        stranger=await _verified(await sign_up()),
    )


async def _verified(account: Account) -> Account:
    await verify_email(account)
    return account


async def link(cast: Cast, **grants: bool) -> int:
    """The athlete invites the coach, who accepts; returns the link id."""
    invited = await cast.athlete.client.post(
        "/api/v1/coaching/coaches", json={"email": cast.coach.email, **grants}
    )
    assert invited.status_code == 201, invited.text
    accepted = await cast.coach.client.post(f"/api/v1/coaching/invitations/{invited.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    link_id: int = invited.json()["id"]
    return link_id
