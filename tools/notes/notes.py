"""Calendar notes — illness, injury or niggles, travel, life stress — over inclusive date ranges.

They sit on the plan calendar, the coach reads the ones around today with every turn (`agent/context.py`),
and `adapt_plan` acts on illness: open sessions on the days of an illness become rest days and the weeks
after it are re-sized from what was really run (`tools/plans/adapt.py`). Every query is scoped by user.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.models import CalendarNote
from tools.deps import ToolDeps
from tools.notes.repository import CalendarNotes
from tools.registry import tool

NoteKind = Literal["illness", "injury", "travel", "life_stress", "other"]
MAX_NOTE_DAYS = 366
MAX_RANGE_DAYS = 400
SEVERITY = {1: "mild", 2: "moderate", 3: "severe"}


class NoteOut(BaseModel):
    note_id: int
    kind: NoteKind
    start_date: date
    end_date: date
    days: int
    severity: int = Field(description="1 mild, 2 moderate, 3 severe")
    text: str | None
    created_at: datetime


def note_out(row: CalendarNote) -> NoteOut:
    return NoteOut(
        note_id=row.id,
        kind=row.kind,  # the table's check constraint keeps it a NoteKind
        start_date=row.start_date,
        end_date=row.end_date,
        days=(row.end_date - row.start_date).days + 1,
        severity=row.severity,
        text=row.text,
        created_at=row.created_at,
    )


async def notes_between(
    session: AsyncSession, user_id: int, first: date, last: date, kinds: tuple[str, ...] | None = None
) -> list[CalendarNote]:
    """The user's notes overlapping [first, last], by start date."""
    return await CalendarNotes(session, user_id).between(first, last, kinds)


async def own_note(session: AsyncSession, user_id: int, note_id: int) -> CalendarNote:
    """The user's note `note_id`, else NotFound (someone else's note is a missing one)."""
    try:
        return await CalendarNotes(session, user_id).get(note_id)
    except NotFound:
        raise NotFound(f"No calendar note with id {note_id}. List the notes to see their ids.") from None


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput(f"end_date {end} is before start_date {start}; swap them.")
    if (end - start).days + 1 > MAX_NOTE_DAYS:
        raise InvalidInput(f"a note covers at most {MAX_NOTE_DAYS} days; split it or shorten it.")


class AddNoteInput(BaseModel):
    kind: NoteKind
    start_date: date | None = Field(default=None, description="first day (default today)")
    end_date: date | None = Field(default=None, description="last day, inclusive (default the start day)")
    severity: int = Field(default=2, ge=1, le=3, description="1 mild, 2 moderate, 3 severe")
    text: str | None = Field(
        default=None, max_length=2000, description="what happened, in the athlete's words"
    )


@tool(side_effect=True)
async def add_calendar_note(deps: ToolDeps, args: AddNoteInput) -> NoteOut:
    """Put a note on the athlete's calendar: illness, injury (a niggle too), travel, life stress or other,
    over a date range (end inclusive; default just today), with a severity 1–3 and their own words. An
    illness makes adapt_plan turn the open sessions of those days into rest and re-size the weeks after."""
    start = args.start_date or deps.today
    end = args.end_date or start
    _check_range(start, end)
    row = CalendarNotes(deps.session, deps.user_id).add(
        CalendarNote(kind=args.kind, start_date=start, end_date=end, severity=args.severity, text=args.text)
    )
    await deps.session.flush()
    await deps.session.refresh(row)
    return note_out(row)


class ListNotesInput(BaseModel):
    start: date | None = Field(default=None, description="default 28 days ago")
    end: date | None = Field(default=None, description="default 28 days ahead")
    kind: NoteKind | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError("start is after end; swap the dates")
        return self


class NotesOut(BaseModel):
    start: date
    end: date
    notes: list[NoteOut]
    active_today: list[NoteOut] = Field(description="notes whose range includes today")


@tool()
async def list_calendar_notes(deps: ToolDeps, args: ListNotesInput) -> NotesOut:
    """The athlete's calendar notes (illness, injury, travel, life stress) overlapping a date range (default
    four weeks either side of today), and which of them cover today."""
    start = args.start or deps.today - timedelta(days=28)
    end = args.end or deps.today + timedelta(days=28)
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"a range is at most {MAX_RANGE_DAYS} days; ask for a shorter one.")
    kinds = (args.kind,) if args.kind is not None else None
    notes = [note_out(r) for r in await notes_between(deps.session, deps.user_id, start, end, kinds)]
    return NotesOut(
        start=start,
        end=end,
        notes=notes,
        active_today=[n for n in notes if n.start_date <= deps.today <= n.end_date],
    )


class UpdateNoteInput(BaseModel):
    note_id: int
    start_date: date | None = None
    end_date: date | None = Field(default=None, description="e.g. the day the illness ended")
    severity: int | None = Field(default=None, ge=1, le=3)
    text: str | None = Field(default=None, max_length=2000)


@tool(side_effect=True)
async def update_calendar_note(deps: ToolDeps, args: UpdateNoteInput) -> NoteOut:
    """Change a calendar note: its dates (e.g. end an illness when the athlete is well again), severity or
    text. Only the fields given change."""
    row = await own_note(deps.session, deps.user_id, args.note_id)
    start = args.start_date or row.start_date
    end = args.end_date or row.end_date
    _check_range(start, end)
    row.start_date, row.end_date = start, end
    if args.severity is not None:
        row.severity = args.severity
    if args.text is not None:
        row.text = args.text
    await deps.session.flush()
    await deps.session.refresh(row)
    return note_out(row)


class DeleteNoteInput(BaseModel):
    note_id: int


class DeletedNote(BaseModel):
    note_id: int
    deleted: bool


@tool(side_effect=True)
async def delete_calendar_note(deps: ToolDeps, args: DeleteNoteInput) -> DeletedNote:
    """Delete a calendar note (needs the athlete's approval). Sessions already turned into rest stay so."""
    notes = CalendarNotes(deps.session, deps.user_id)
    await notes.delete(await own_note(deps.session, deps.user_id, args.note_id))
    await deps.session.flush()
    return DeletedNote(note_id=args.note_id, deleted=True)
