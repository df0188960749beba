"""Coach notes on a client (optionally on a session): private unless shared, encrypted at rest,
edits kept as revisions and on the timeline."""

from __future__ import annotations

from uuid import UUID

import models
from domain import access, activity, encryption, validation
from domain.errors import not_found
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from models.enums import ActivityKind

MAX_BODY = 20000


def _body(value: str | None) -> str:
    return validation.text(value, "body", max_length=MAX_BODY, required=True)


@retrying
async def add_note(
    viewer: Viewer, client_id: UUID, body: str, *, session_id: UUID | None = None, shared: bool = False
) -> models.Note:
    """`client_id` must already be inside the coach's scope (the resolver checks)."""
    access.only_coaches(viewer, "Only coaches write notes.")
    body = _body(body)
    if session_id is not None and not await models.Session.exists(
        id=session_id, coach_id=viewer.coach_id, client_id=client_id
    ):
        raise not_found("Session", "sessionId")
    async with transaction():
        cipher = await encryption.cipher_for(client_id, create=True)
        note = await models.Note.create(
            coach_id=viewer.coach_id,
            client_id=client_id,
            session_id=session_id,
            body_enc=cipher.encrypt(body),
            shared_with_client=bool(shared),
        )
        await activity.record(
            ActivityKind.NOTE_ADDED,
            client_id=client_id,
            actor=viewer,
            coach_id=viewer.coach_id,
            session_id=session_id,
            visible_to_client=bool(shared),
            summary="Shared note added" if shared else "Private note added",
        )
    note._body = body  # the caller shows it without decrypting again
    return note


@retrying
async def update_note(viewer: Viewer, note: models.Note, *, body: str | None, shared: bool | None) -> models.Note:
    """`note` is the viewer's own note (the resolver scoped it). The old body becomes a revision.
    An edit that changes nothing (the same body, the same sharing) keeps no revision and adds no
    timeline event."""
    access.only_coaches(viewer, "Only coaches write notes.")
    if body is not None:
        body = _body(body)
    async with transaction():
        note = await models.Note.select_for_update().get(id=note.id)
        cipher = await encryption.cipher_for(note.client_id, create=True)
        current = cipher.decrypt(note.body_enc)
        changed = False
        if body is not None and body != current:
            await models.NoteRevision.create(note_id=note.id, body_enc=note.body_enc)
            note.body_enc = cipher.encrypt(body)
            current, changed = body, True
        if shared is not None and shared != note.shared_with_client:
            note.shared_with_client = shared
            changed = True
        if changed:
            await note.save()
            await activity.record(
                ActivityKind.NOTE_EDITED,
                client_id=note.client_id,
                actor=viewer,
                coach_id=viewer.coach_id,
                session_id=note.session_id,
                visible_to_client=note.shared_with_client,
                summary="Note edited",
            )
    note._body = current
    return note


async def delete_note(viewer: Viewer, note: models.Note) -> None:
    access.only_coaches(viewer, "Only coaches write notes.")
    await models.Note.filter(id=note.id, coach_id=viewer.coach_id).delete()
