from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.enums import EmailStatus, NotificationKind

if TYPE_CHECKING:
    from models.account import AccountToken
    from models.client import Client
    from models.session import Session
    from models.user import User


class Notification(Model):
    id = fields.UUIDField(primary_key=True)
    # NULL for e-mail-only notifications (invitations, password resets): they are addressed by
    # their account token, and no viewer ever lists them.
    user: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="notifications", null=True, on_delete=fields.CASCADE
    )
    user_id: UUID | None
    account_token: fields.ForeignKeyNullableRelation["AccountToken"] = fields.ForeignKeyField(
        "models.AccountToken", related_name="emails", null=True, on_delete=fields.CASCADE
    )
    account_token_id: UUID | None
    kind = fields.CharEnumField(NotificationKind, max_length=32)
    title = fields.CharField(max_length=300)
    body = fields.TextField()
    session: fields.ForeignKeyNullableRelation["Session"] = fields.ForeignKeyField(
        "models.Session", related_name="notifications", null=True, on_delete=fields.SET_NULL
    )
    session_id: UUID | None
    # The client the text names (a message from them), so their erasure can find it by id.
    names_client: fields.ForeignKeyNullableRelation["Client"] = fields.ForeignKeyField(
        "models.Client", related_name="named_in_notifications", null=True, on_delete=fields.SET_NULL
    )
    names_client_id: UUID | None
    # Deduplicates notifications raised by jobs that may run twice (e.g. "reminder-24h:{session}").
    dedupe_key = fields.CharField(max_length=200, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)
    email_status = fields.CharEnumField(EmailStatus, max_length=16, default=EmailStatus.NONE)
    email_attempts = fields.IntField(default=0)
    emailed_at = fields.DatetimeField(null=True)
    # Why the e-mail FAILED for good ("SMTP 550", "invalid header"); never an address or text.
    email_failure = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "notifications"
