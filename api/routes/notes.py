"""Calendar notes (illness, injury, travel, life stress) for the plan calendar: list a range, add, change,
delete. Each route is a typed tool from `tools.notes.notes`; someone else's note is a 404."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from api.deps import RowId, ToolDepsDep
from tools.notes.notes import (
    AddNoteInput,
    DeleteNoteInput,
    ListNotesInput,
    NoteOut,
    NotesOut,
    UpdateNoteInput,
    add_calendar_note,
    delete_calendar_note,
    list_calendar_notes,
    update_calendar_note,
)

TAGS = [{"name": "notes", "description": "Calendar notes: illness, injury, travel, life stress"}]
router = APIRouter(prefix="/notes", tags=["notes"])


class NotePatch(BaseModel):
    start_date: date | None = None
    end_date: date | None = None
    severity: int | None = Field(default=None, ge=1, le=3)
    text: str | None = Field(default=None, max_length=2000)


@router.get(
    "",
    summary="List calendar notes",
    description="Notes overlapping `start`–`end` (default four weeks either side of today), for the plan "
    "calendar, and the ones covering today.",
)
async def list_notes(deps: ToolDepsDep, args: Annotated[ListNotesInput, Query()]) -> NotesOut:
    return await list_calendar_notes(deps, args)


@router.post(
    "",
    status_code=201,
    summary="Add a calendar note",
    description="Illness, injury, travel, life stress or other over an inclusive date range. An illness "
    "turns the plan's open sessions of those days into rest the next time the plan is adapted.",
)
async def add_note(deps: ToolDepsDep, body: AddNoteInput) -> NoteOut:
    return await add_calendar_note(deps, body)


@router.patch("/{note_id}", summary="Change a calendar note", description="Only the fields given change.")
async def update_note(deps: ToolDepsDep, note_id: RowId, body: NotePatch) -> NoteOut:
    return await update_calendar_note(deps, UpdateNoteInput(note_id=note_id, **body.model_dump()))


@router.delete("/{note_id}", status_code=204, summary="Delete a calendar note")
async def delete_note(deps: ToolDepsDep, note_id: RowId) -> Response:
    await delete_calendar_note(deps, DeleteNoteInput(note_id=note_id))
    return Response(status_code=204)
