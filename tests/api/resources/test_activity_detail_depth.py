"""Issue 18's must-show: from `GET /api/v1/activities/{id}` to each statement it runs is at most 4 files,
counting the route file and the repository file (route → service → helper → repository, no deeper).

Measured, not inferred: the endpoint runs for real, and a `before_cursor_execute` hook records the call
stack of every statement. The project files on that stack between the route handler and the statement
(test files and the database plumbing of `core/database.py` left out) are the files a reader follows to
find the statement. The demo athlete is set up so that every branch of the detail runs SQL: the stored
figures are gone (computed again on read, zone times with them), and there is no max HR in the profile
(estimated from the figures of the candidate activities).
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import greenlet
from sqlalchemy import delete, event, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.database import session_scope
from core.models import ActivityFigures, User
from tests.api.conftest import Account

REPO = Path(__file__).resolve().parents[3]
ROUTE = REPO / "api/routes/activities.py"
MAX_FILES = 4


def _project_file(filename: str) -> str | None:
    path = Path(filename).resolve()
    if not path.is_relative_to(REPO) or ".venv" in path.parts:
        return None
    rel = path.relative_to(REPO).as_posix()
    if rel.startswith("tests/") or rel == "core/database.py":
        return None
    return rel


def route_to_statement(stack: traceback.StackSummary, handler: str) -> list[str] | None:
    """The distinct project files from the route `handler` down to the statement, in call order; None when
    the statement did not run under the handler (a dependency, the unit of work's commit)."""
    frames = list(stack)
    start = next(
        (i for i, f in enumerate(frames) if Path(f.filename).resolve() == ROUTE and f.name == handler), None
    )
    if start is None:
        return None
    files: list[str] = []
    for frame in frames[start:]:
        rel = _project_file(frame.filename)
        if rel is not None and rel not in files:
            files.append(rel)
    return files


def whole_stack() -> traceback.StackSummary:
    """The stack of the running statement, callers first. SQLAlchemy's asyncio layer runs the statement in a
    greenlet whose own stack starts at the spawn; the awaiting coroutines — the route among them — are on
    the stacks of the parent greenlets, where each switched away."""
    frames = list(traceback.extract_stack())
    current = greenlet.getcurrent().parent
    while current is not None:
        if current.gr_frame is not None:
            frames = list(traceback.extract_stack(current.gr_frame)) + frames
        current = current.parent
    return traceback.StackSummary.from_list(frames)


@contextmanager
def statement_paths(engine: AsyncEngine, handler: str) -> Iterator[list[tuple[str, list[str]]]]:
    """(statement, the project files from `handler` to it) of every statement run under the handler."""
    seen: list[tuple[str, list[str]]] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        files = route_to_statement(whole_stack(), handler)
        if files is not None:
            seen.append((" ".join(statement.split()), files))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def test_the_path_is_read_from_the_stack() -> None:
    """The counting itself: a stack through the route, a service and a repository is those three files."""

    def frame(path: str, name: str) -> traceback.FrameSummary:
        return traceback.FrameSummary(str(REPO / path), 1, name)

    stack = traceback.StackSummary.from_list(
        [
            frame(".venv/lib/python3.11/site-packages/fastapi/routing.py", "run"),
            frame("api/routes/activities.py", "get_activity"),
            frame("tools/activities/detail.py", "activity_view"),
            frame("tools/activities/detail.py", "hr_zones"),
            frame("tests/api/resources/test_activity_detail_depth.py", "record"),
            frame("core/database.py", "execute"),
            frame("tools/fitness/repository.py", "of"),
        ]
    )
    assert route_to_statement(stack, "get_activity") == [
        "api/routes/activities.py",
        "tools/activities/detail.py",
        "tools/fitness/repository.py",
    ]
    assert route_to_statement(stack, "delete_activity") is None


async def test_every_statement_of_the_detail_is_at_most_four_files_from_the_route(
    athlete: Account, engine: AsyncEngine
) -> None:
    async with session_scope() as session:  # figures computed again on read; max HR estimated
        await session.execute(delete(ActivityFigures).where(ActivityFigures.user_id == athlete.user_id))
        await session.execute(update(User).where(User.id == athlete.user_id).values(max_hr=None))
        await session.commit()
    runs = await athlete.client.get("/api/v1/activities", params={"sport": "running", "limit": 1})
    activity_id = runs.json()["items"][0]["id"]

    with statement_paths(engine, "get_activity") as seen:
        detail = await athlete.client.get(f"/api/v1/activities/{activity_id}")
    assert detail.status_code == 200, detail.text
    zones = detail.json()["hr_zones"]
    assert zones is not None and zones["anchor"] == "estimated", "max HR estimated from the figures"

    statements = " | ".join(statement for statement, _ in seen)
    for table in ("FROM activities", "FROM laps", "activity_samples", "INTO activity_figures"):
        assert table in statements, f"the detail ran no statement on {table}: the set-up missed a branch"
    too_deep = [(statement, files) for statement, files in seen if len(files) > MAX_FILES]
    assert not too_deep, "\n".join(f"{len(f)} files: {' → '.join(f)}\n  {s[:160]}" for s, f in too_deep)
