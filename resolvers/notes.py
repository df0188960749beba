"""Notes and the client timeline."""

from __future__ import annotations

from uuid import UUID

import models
from domain import access, notes as note_domain
from domain.errors import not_found
from resolvers.clients import visible_client
from resolvers.payloads import returns
from schema.node import uuid_of
from schema.pagination import BY_CREATED, Ordering, paginate
from schema.clients.timeline import ActivityConnection, ActivityEvent
from schema.notes.types import (
    AddNoteInput, DeleteNoteInput, DeletePayload, Note, NoteConnection, NotePayload, UpdateNoteInput,
    notes_with_bodies,
)

BY_OCCURRED = Ordering((("occurred_at", True), ("id", True)))


async def client_notes(info, client_id: UUID, first, after) -> NoteConnection:
    query = models.Note.filter(access.notes(info.context.viewer), client_id=client_id)
    page = await paginate(query, BY_CREATED, first, after)
    return NoteConnection.of(page, await notes_with_bodies(info, page.rows))


async def client_timeline(info, client_id: UUID, first, after, kinds) -> ActivityConnection:
    query = models.ActivityEvent.filter(access.activity(info.context.viewer), client_id=client_id)
    if kinds:
        query = query.filter(kind__in=[k.value for k in kinds])
    page = await paginate(query, BY_OCCURRED, first, after)
    return ActivityConnection.of(page, [ActivityEvent.from_model(r) for r in page.rows])


async def _own_note(info, global_id: str) -> models.Note:
    uid = uuid_of(global_id, "Note")
    viewer = info.context.viewer
    row = await models.Note.filter(access.notes(viewer), id=uid, coach_id=viewer.coach_id).first() if uid and viewer.coach_id else None
    if row is None:
        raise not_found("Note", "noteId")
    return row


@returns(NotePayload)
async def add_note(info, input: AddNoteInput) -> NotePayload:  # noqa: A002
    client = await visible_client(info, input.client_id)
    session_id = None
    if input.session_id is not None:
        session_id = uuid_of(input.session_id, "Session")
        if session_id is None:
            raise not_found("Session", "sessionId")
    row = await note_domain.add_note(
        info.context.viewer, client.id, input.body, session_id=session_id, shared=bool(input.shared_with_client)
    )
    return NotePayload(note=Note.from_model(row, row._body))


@returns(NotePayload)
async def update_note(info, input: UpdateNoteInput) -> NotePayload:  # noqa: A002
    row = await _own_note(info, input.note_id)
    row = await note_domain.update_note(info.context.viewer, row, body=input.body, shared=input.shared_with_client)
    return NotePayload(note=Note.from_model(row, row._body))


@returns(DeletePayload)
async def delete_note(info, input: DeleteNoteInput) -> DeletePayload:  # noqa: A002
    row = await _own_note(info, input.note_id)
    await note_domain.delete_note(info.context.viewer, row)
    return DeletePayload(deleted_id=input.note_id)
