"""Strava API data never reaches a model's context (Strava's API policy, section 5.3): with API import turned
on and an activity imported through it, every read-only tool in the registry (what a coach turn may call
without approval), called as a coach turn calls it (`for_model=True`), and the turn's athlete context
(`agent.context.load_context`) answer without any trace of it: not its id, name, start time or distance.
The same tools called for the API (`for_model=False`) do show it, so the probe can see a leak. Beyond not
naming it, each answer is exactly the one the account would get without the activity: training load,
readiness, zones, fitness metrics and predictions are not estimated from it either.

Side-effect tools are left out: they run only with the athlete's approval of the exact arguments, and none
of them lists or summarises activities.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from agent.context import load_context
from core.errors import CoachError
from core.models import (
    Activity,
    User,
    activity_sample_hr_quarters,
    activity_sample_minutes,
    activity_sample_pace_quarters,
    activity_samples,
)
from core.settings import get_settings
from tests.factories import create_activity, create_user
from tools.deps import ToolDeps
from tools.registry import ToolSpec, all_tools

NAME = "Strava API only 7f3a"
DISTANCE_M = 12345.6
#: tools whose answer would include the Strava activity if the filter were missing (the control)
LISTING = ("last_activity", "list_activities", "query_samples", "activity_feed")


def _probes(spec: ToolSpec, strava: Activity, user: User) -> list[dict[str, Any]]:
    """The argument sets each tool is called with: its defaults, plus any that point at the activity."""
    fields = spec.input_model.model_fields
    probes: list[dict[str, Any]] = [] if any(f.is_required() for f in fields.values()) else [{}]
    if "activity_id" in fields:
        probes.append({"activity_id": strava.id})
    if "activity_ids" in fields:
        probes += [{"activity_ids": [strava.id]}, {"bucket": "activity"}]
    if "sport" in fields:
        probes.append({"sport": "running"})
    if "athlete_id" in fields:
        probes.append({"athlete_id": user.id})
    if "workout_id" in fields:
        probes.append({"workout_id": strava.id})
    if "query" in fields:
        probes.append({"query": "tempo run pace"})
    if "note_id" in fields:  # no note: the same refusal with or without the activity
        probes.append({"note_id": strava.id})
    return probes


def _leaks(value: Any, strava: Activity, path: str = "") -> list[str]:
    """Where the Strava activity shows in a tool's JSON output."""
    start = strava.start_time.isoformat()[:19]
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("id", "activity_id") and item == strava.id:
                found.append(f"{path}.{key}")
            found += _leaks(item, strava, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _leaks(item, strava, f"{path}[{i}]")
    elif isinstance(value, str) and (NAME in value or start in value):
        found.append(f"{path}: {value[:80]!r}")
    elif isinstance(value, float) and abs(value - DISTANCE_M) < 0.05:
        found.append(f"{path} = {value}")
    return found


async def _answers(db: AsyncSession, user: User, strava: Activity, *, for_model: bool) -> dict[str, Any]:
    """Each read-only tool's output (or error message) per probe, as a coach turn (or the API) sees it."""
    out: dict[str, Any] = {}
    for spec in all_tools():
        if spec.side_effect:
            continue
        for probe in _probes(spec, strava, user):
            deps = ToolDeps.for_user(db, user, for_model=for_model)
            try:
                async with db.begin_nested():
                    result = await spec.run(deps, spec.input_model.model_validate(probe))
                out[f"{spec.name}({probe})"] = result.model_dump(mode="json")
            except CoachError as exc:  # what the model reads then
                out[f"{spec.name}({probe})"] = {
                    "error": exc.code,
                    "message": exc.message.replace(f"Activity {strava.id} came", "Activity <asked for> came"),
                }  # the id it asked for
    return out


def _same(answer: dict[str, Any]) -> Any:
    """An answer as compared with the account without the activity: a refusal by its kind (asked for the
    Strava activity's id, the model is told it may not see it instead of "no such activity")."""
    return answer["error"] if set(answer) == {"error", "message"} else answer


@pytest.fixture
def api_import_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "strava_api_import", True)


async def test_no_model_facing_tool_or_turn_context_mentions_a_strava_api_activity(
    db: AsyncSession, api_import_on: None
) -> None:
    user = await create_user(db)
    now = datetime.now(UTC).replace(microsecond=0)
    await create_activity(db, user, start=now - timedelta(days=2, hours=3), seconds=2400, name="Own run")
    strava = await create_activity(
        db,
        user,
        start=now - timedelta(hours=20, minutes=17, seconds=43),
        seconds=3000,
        speed=DISTANCE_M / 3000,
        source="strava",
        external_id="987654321",
        name=NAME,
        avg_hr=151,
    )
    assert strava.distance_m == pytest.approx(DISTANCE_M)

    await _answers(db, user, strava, for_model=True)  # once first: loads and comments computed on first read
    for_model = await _answers(db, user, strava, for_model=True)
    called = {key.split("(")[0] for key in for_model}
    assert called == {s.name for s in all_tools() if not s.side_effect}, "every read-only tool was called"
    leaks = {call: found for call, answer in for_model.items() if (found := _leaks(answer, strava))}
    assert leaks == {}, f"Strava API data in a model-facing answer: {leaks}"

    async with db.begin_nested() as without:  # the same account without the Strava activity
        await db.execute(delete(activity_samples).where(activity_samples.c.activity_id == strava.id))
        for rollups in (activity_sample_minutes, activity_sample_hr_quarters, activity_sample_pace_quarters):
            await db.execute(delete(rollups).where(rollups.c.activity_id == strava.id))
        await db.execute(delete(Activity).where(Activity.id == strava.id))
        expected = await _answers(db, user, strava, for_model=True)
        await without.rollback()
    differ = sorted(call for call in for_model if _same(for_model[call]) != _same(expected[call]))
    assert differ == [], f"answers as if it were there: {differ}"

    context = await load_context(ToolDeps.for_user(db, user, for_model=True))
    assert context["last_7_days"]["activities"], "the athlete's own run is there"
    assert _leaks(context, strava) == []

    for_api = await _answers(db, user, strava, for_model=False)
    shown = {call.split("(")[0] for call, answer in for_api.items() if _leaks(answer, strava)}
    assert set(LISTING) <= shown, f"the probe must see the activity where the API shows it: {shown}"
    assert _leaks(await load_context(ToolDeps.for_user(db, user, for_model=False)), strava)
