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
from tools.notes.proposals import NoteInput, NoteProposal, apply_note_changes, propose_note_changes

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
    "proposes a change to the plan: see GET /notes/{note_id}/proposal.",
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


@router.get(
    "/{note_id}/proposal",
    summary="What the note would change in the plan",
    description="Illness → rest then a return ramp; injury → easy and reduced or cross-training; travel → "
    "sessions moved off the travel days; life stress → no intensity. Sessions and week volumes that change "
    "and the plan rules on the result; nothing is changed.",
)
async def note_proposal(deps: ToolDepsDep, note_id: RowId) -> NoteProposal:
    return await propose_note_changes(deps, NoteInput(note_id=note_id))


@router.post(
    "/{note_id}/apply",
    summary="Apply the note's proposal to the plan",
    description="The athlete's approval of the proposal: stores it, re-flows later weeks, checks the rules. "
    "A note already applied is a 422.",
)
async def apply_note(deps: ToolDepsDep, note_id: RowId) -> NoteProposal:
    return await apply_note_changes(deps, NoteInput(note_id=note_id))
