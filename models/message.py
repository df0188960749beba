from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.enums import Role, TemplateKind

if TYPE_CHECKING:
    from models.client import Client
    from models.coach import Coach, TimeOff
    from models.session import Session
    from models.user import User


class Conversation(Model):
    """One per coach-client pair."""

    id = fields.UUIDField(primary_key=True)
    coach: fields.ForeignKeyRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="conversations", on_delete=fields.CASCADE
    )
    coach_id: UUID
    client: fields.ForeignKeyRelation["Client"] = fields.ForeignKeyField(
        "models.Client", related_name="conversations", on_delete=fields.CASCADE
    )
    client_id: UUID
    last_message_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "conversations"
        unique_together = (("coach", "client"),)


class Message(Model):
    id = fields.UUIDField(primary_key=True)
    conversation: fields.ForeignKeyRelation["Conversation"] = fields.ForeignKeyField(
        "models.Conversation", related_name="messages", on_delete=fields.CASCADE
    )
    conversation_id: UUID
    sender_role = fields.CharEnumField(Role, max_length=16)
    sender_user: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    sender_user_id: UUID | None
    body_enc = fields.BinaryField()  # encrypted with the client's data key
    session: fields.ForeignKeyNullableRelation["Session"] = fields.ForeignKeyField(
        "models.Session", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    session_id: UUID | None
    sent_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)
    # The coach's out-of-office reply, sent for them; one per conversation and time-off period
    # (a unique index on conversation_id, auto_reply_time_off_id).
    automatic = fields.BooleanField(default=False, db_default=False)  # rows written before: not automatic
    auto_reply_time_off: fields.ForeignKeyNullableRelation["TimeOff"] = fields.ForeignKeyField(
        "models.TimeOff", related_name="auto_replies", null=True, on_delete=fields.SET_NULL
    )
    auto_reply_time_off_id: UUID | None

    class Meta:
        table = "messages"


class MessageTemplate(Model):
    id = fields.UUIDField(primary_key=True)
    coach: fields.ForeignKeyRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="templates", on_delete=fields.CASCADE
    )
    coach_id: UUID
    name = fields.CharField(max_length=200)
    kind = fields.CharEnumField(TemplateKind, max_length=16)
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "message_templates"
