from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.client import Client
    from models.coach import Coach
    from models.session import Session


class Note(Model):
    id = fields.UUIDField(primary_key=True)
    coach: fields.ForeignKeyRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="notes", on_delete=fields.CASCADE
    )
    coach_id: UUID
    client: fields.ForeignKeyRelation["Client"] = fields.ForeignKeyField(
        "models.Client", related_name="notes", on_delete=fields.CASCADE
    )
    client_id: UUID
    session: fields.ForeignKeyNullableRelation["Session"] = fields.ForeignKeyField(
        "models.Session", related_name="notes", null=True, on_delete=fields.SET_NULL
    )
    session_id: UUID | None
    body_enc = fields.BinaryField()  # encrypted with the client's data key
    shared_with_client = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    # Not a column: the plain body, set only by domain.notes.add_note/update_note so the answer
    # needs no second decryption (None when the stored body cannot be decrypted). Rows loaded any other way do not have it.
    _body: str | None

    class Meta:
        table = "notes"


class NoteRevision(Model):
    """The body a note had before an edit (edits are kept)."""

    id = fields.UUIDField(primary_key=True)
    note: fields.ForeignKeyRelation["Note"] = fields.ForeignKeyField(
        "models.Note", related_name="revisions", on_delete=fields.CASCADE
    )
    note_id: UUID
    body_enc = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "note_revisions"
