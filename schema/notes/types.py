from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

import models
from domain import access
from schema.coaches.types import Coach
from schema.connection import Connection
from schema.context import Info
from schema.inputs import multiline
from schema.lazy import lazy_class
from schema.node import Entity, loads_nodes

if TYPE_CHECKING:
    from schema.clients.types import Client
    from schema.sessions.types import Session

client_type: "Callable[[], type[Client]]" = lazy_class("Client", "schema.clients.types")

session_type: "Callable[[], type[Session]]" = lazy_class("Session", "schema.sessions.types")


@strawberry.type(
    description="A coach's note on a client or a session. Private to its coach unless shared with the client; never shown to admins or organisations. Encrypted at rest."
)
class Note(Entity):
    body: str = strawberry.field(description="The text.")
    shared_with_client: bool = strawberry.field(description="The client can read it too.")
    created_at: datetime = strawberry.field(description="When it was written.")
    updated_at: datetime = strawberry.field(
        description="When it was last edited (edits are kept in the client's timeline)."
    )
    _m: strawberry.Private[models.Note]

    @classmethod
    def from_model(cls, m: models.Note, body: str) -> "Note":
        return cls(
            uid=str(m.id),
            body=body,
            shared_with_client=m.shared_with_client,
            created_at=m.created_at,
            updated_at=m.updated_at,
            _m=m,
        )

    @strawberry.field(description="The client it is about.")
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        row = await info.context.loaders.client.load(self._m.client_id)
        return client_type().from_model(row) if row else None

    @strawberry.field(description="The session it is about, if any.")
    async def session(self, info: Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")] | None:
        if self._m.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._m.session_id)
        return session_type().from_model(row) if row else None

    @strawberry.field(description="The coach who wrote it.")
    async def author(self, info: Info) -> Coach:
        return Coach.from_model(await info.context.loaders.coach.load(self._m.coach_id))


@strawberry.type(description="A page of notes, newest first.", name="NoteConnection")
class NoteConnection(Connection[Note]):
    pass


async def notes_with_bodies(info: Info, rows: list[models.Note]) -> list[Note]:
    """Decrypt a page of notes with one key lookup for all their clients."""
    ciphers = await info.context.loaders.cipher.load_many([r.client_id for r in rows])
    return [Note.from_model(r, c.decrypt(r.body_enc) if c else "") for r, c in zip(rows, ciphers, strict=True)]


@loads_nodes("Note")
async def load_notes(info: Info, ids: list[UUID]) -> list[Note | None]:
    rows = await models.Note.filter(access.notes(info.context.signed_in_viewer), id__in=ids)
    notes = {row.id: note for row, note in zip(rows, await notes_with_bodies(info, rows), strict=True)}
    return [notes.get(i) for i in ids]


@strawberry.input(description="A new note on one of the coach's clients.")
class AddNoteInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    body: str = multiline(description="The text.")
    session_id: strawberry.ID | None = strawberry.field(
        default=None, description="The session it is about (one of the coach's sessions with the client)."
    )
    shared_with_client: bool | None = strawberry.field(default=False, description="Let the client read it.")


@strawberry.input(description="Changes to one of the coach's notes: only the fields given change.")
class UpdateNoteInput:
    note_id: strawberry.ID = strawberry.field(description="The note.")
    body: str | None = multiline(description="The new text.", default=None)
    shared_with_client: bool | None = strawberry.field(
        default=None, description="Share it with the client, or stop sharing."
    )


@strawberry.input(description="The note to delete.")
class DeleteNoteInput:
    note_id: strawberry.ID = strawberry.field(description="The note.")


@strawberry.type(description="The result of a change to a note.")
class NotePayload:
    note: Note | None = strawberry.field(default=None, description="The note as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


@strawberry.type(description="The result of a deletion.")
class DeletePayload:
    deleted_id: strawberry.ID | None = strawberry.field(default=None, description="The id of what was deleted.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was deleted, if so.", default_factory=list)


from schema.errors import UserError  # noqa: E402
