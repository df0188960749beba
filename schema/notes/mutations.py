"""Notes: a coach writes, edits and deletes their own notes on a client."""

from __future__ import annotations

import strawberry

from domain import notes
from models.enums import Role
from resolvers import clients as client_reads
from resolvers import notes as note_reads
from schema.context import Info
from schema.node import in_scope, uuid_or_not_found
from schema.notes.types import AddNoteInput, DeleteNoteInput, DeletePayload, Note, NotePayload, UpdateNoteInput
from schema.payloads import returns
from schema.permissions import signed_in


async def _own_note(info: Info, note_id: str):
    return await in_scope(note_reads.own_note, info, note_id, "Note", "noteId")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Coach: a note on one of their clients (optionally on a session), private unless shared with the client.",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(NotePayload)
    async def add_note(self, info: Info, input: AddNoteInput) -> NotePayload:
        client = await in_scope(client_reads.visible, info, input.client_id, "Client", "clientId")
        session_id = uuid_or_not_found(input.session_id, "Session", "sessionId")
        row = await notes.add_note(
            info.context.viewer, client.id, input.body, session_id=session_id, shared=bool(input.shared_with_client)
        )
        return NotePayload(note=Note.from_model(row, row._body or ""))

    @strawberry.mutation(
        description="Coach: edits one of their own notes or changes whether the client sees it.",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(NotePayload)
    async def update_note(self, info: Info, input: UpdateNoteInput) -> NotePayload:
        row = await _own_note(info, input.note_id)
        row = await notes.update_note(info.context.viewer, row, body=input.body, shared=input.shared_with_client)
        return NotePayload(note=Note.from_model(row, row._body or ""))

    @strawberry.mutation(description="Coach: deletes one of their own notes.", permission_classes=signed_in(Role.COACH))
    @returns(DeletePayload)
    async def delete_note(self, info: Info, input: DeleteNoteInput) -> DeletePayload:
        await notes.delete_note(info.context.signed_in_viewer, await _own_note(info, input.note_id))
        return DeletePayload(deleted_id=input.note_id)
