"""Originals over the API and the CLI: download the FIT file byte for byte (user-scoped), and `runcoach
reprocess` re-decodes an uploaded activity under the same id."""

from __future__ import annotations

import argparse
import hashlib
import json

import pytest

from cli.admin import _reprocess
from cli.main import main
from tests.api.conftest import Account, SignUp, assert_problem
from tests.api.extras.conftest import fit_file, import_files
from tests.api.isolation import assert_hidden_from

RUN = "activity-small-fenix2-run.fit"


async def _uploaded(account: Account) -> tuple[int, bytes]:
    name, data = fit_file(RUN)
    job = await import_files(account, [(name, data)])
    activity_id = job["result"]["files"][0]["activity_id"]
    assert isinstance(activity_id, int), job
    return activity_id, data


async def test_download_the_original_only_as_its_owner(sign_up: SignUp) -> None:
    owner, other = await sign_up(), await sign_up()
    activity_id, data = await _uploaded(owner)

    response = await owner.client.get(f"/api/v1/activities/{activity_id}/original")

    assert response.status_code == 200, response.text
    assert response.content == data
    assert response.headers["content-type"] == "application/vnd.ant.fit"
    assert response.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    assert f"_running_{activity_id}.fit" in response.headers["content-disposition"]
    await assert_hidden_from(other.client, "GET", f"/api/v1/activities/{activity_id}/original")
    missing = await owner.client.get("/api/v1/activities/999999999/original")
    assert_problem(missing, 404, "not_found")


async def test_generated_activities_have_no_original(athlete: Account) -> None:
    listed = (await athlete.client.get("/api/v1/activities", params={"limit": 1})).json()
    activity_id = listed["items"][0]["id"]
    body = assert_problem(await athlete.client.get(f"/api/v1/activities/{activity_id}/original"), 404)
    assert "no original file" in body["detail"]


async def test_cli_reprocess_keeps_the_id(sign_up: SignUp, capsys: pytest.CaptureFixture[str]) -> None:
    account = await sign_up()
    activity_id, _ = await _uploaded(account)
    before = (await account.client.get(f"/api/v1/activities/{activity_id}")).json()

    code = await _reprocess(argparse.Namespace(user=account.email, all=False, as_json=True))

    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["activity_id"], r["status"]) for r in lines] == [(activity_id, "reprocessed")]
    assert lines[0]["samples_before"] == lines[0]["samples_after"] == before["sample_count"]
    assert lines[0]["changed"] == []  # same parser, same file: nothing to change
    after = (await account.client.get(f"/api/v1/activities/{activity_id}")).json()
    assert after == before  # same id, same everything


def test_cli_reprocess_wants_one_scope(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reprocess"]) == 2
    assert main(["reprocess", "--all", "--user", "someone@example.com"]) == 2
    assert "either --user EMAIL or --all" in capsys.readouterr().err
