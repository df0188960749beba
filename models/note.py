from tortoise import fields
from tortoise.models import Model


class Note(Model):
    id = fields.UUIDField(primary_key=True)
    coach = fields.ForeignKeyField("models.Coach", related_name="notes", on_delete=fields.CASCADE)
    client = fields.ForeignKeyField("models.Client", related_name="notes", on_delete=fields.CASCADE)
    session = fields.ForeignKeyField("models.Session", related_name="notes", null=True, on_delete=fields.SET_NULL)
    body_enc = fields.BinaryField()  # encrypted with the client's data key
    shared_with_client = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "notes"


class NoteRevision(Model):
    """The body a note had before an edit (edits are kept)."""

    id = fields.UUIDField(primary_key=True)
    note = fields.ForeignKeyField("models.Note", related_name="revisions", on_delete=fields.CASCADE)
    body_enc = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "note_revisions"
