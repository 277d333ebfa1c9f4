"""Calendar notes and logged strength sessions over the API: created, listed for a range, changed, deleted;
someone else's note is a 404; bad input is a 422 that says what to fix."""

from __future__ import annotations

from tests.api.conftest import SignUp, assert_problem
from tests.api.isolation import assert_hidden_from


async def test_notes_crud_and_isolation(sign_up: SignUp) -> None:
    owner, other = await sign_up(), await sign_up()
    created = await owner.client.post(
        "/api/v1/notes",
        json={
            "kind": "injury",
            "start_date": "2026-11-20",
            "end_date": "2026-11-26",
            "severity": 1,
            "text": "calf",
        },
    )
    assert created.status_code == 201, created.text
    note = created.json()
    listed = await owner.client.get("/api/v1/notes", params={"start": "2026-11-01", "end": "2026-11-30"})
    assert [n["note_id"] for n in listed.json()["notes"]] == [note["note_id"]]
    outside = await owner.client.get("/api/v1/notes", params={"start": "2026-12-01", "end": "2026-12-31"})
    assert outside.json()["notes"] == []
    assert (await other.client.get("/api/v1/notes", params={"start": "2026-11-01"})).json()["notes"] == []

    path = f"/api/v1/notes/{note['note_id']}"
    await assert_hidden_from(other.client, "PATCH", path, json={"severity": 3}, leaks=["calf"])
    await assert_hidden_from(other.client, "DELETE", path)
    patched = await owner.client.patch(path, json={"end_date": "2026-11-22"})
    assert patched.status_code == 200 and patched.json()["days"] == 3
    reversed_dates = await owner.client.patch(path, json={"end_date": "2026-11-01"})
    assert "before start_date" in assert_problem(reversed_dates, 422)["detail"]
    bad = await owner.client.post("/api/v1/notes", json={"kind": "holiday"})
    assert_problem(bad, 422)
    assert (await owner.client.delete(path)).status_code == 204
    assert (await owner.client.delete(path)).status_code == 404


async def test_log_and_list_strength_sessions(sign_up: SignUp) -> None:
    account = await sign_up()
    body = {
        "duration_min": 45,
        "rpe": 6,
        "exercises": [
            {"name": "Split squat", "sets": [{"reps": 10, "load_kg": 20}, {"reps": 10, "load_kg": 20}]}
        ],
    }
    logged = await account.client.post("/api/v1/strength/sessions", json=body)
    assert logged.status_code == 201, logged.text
    session = logged.json()
    assert session["load_method"] == "srpe" and session["training_load"] > 0
    listed = (await account.client.get("/api/v1/strength/sessions")).json()
    assert [s["activity_id"] for s in listed["sessions"]] == [session["activity_id"]]
    unrated = await account.client.post("/api/v1/strength/sessions", json={"duration_min": 30})
    assert "Rate the session" in assert_problem(unrated, 422)["detail"]
    deleted = await account.client.delete(f"/api/v1/activities/{session['activity_id']}")
    assert deleted.status_code in (200, 204), deleted.text
    assert (await account.client.get("/api/v1/strength/sessions")).json()["sessions"] == []
