from tortoise import fields
from tortoise.models import Model

from models.enums import EmailStatus, NotificationKind


class Notification(Model):
    id = fields.UUIDField(primary_key=True)
    # NULL for e-mail-only notifications (invitations, password resets): they are addressed by
    # their account token, and no viewer ever lists them.
    user = fields.ForeignKeyField("models.User", related_name="notifications", null=True, on_delete=fields.CASCADE)
    account_token = fields.ForeignKeyField(
        "models.AccountToken", related_name="emails", null=True, on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(NotificationKind, max_length=32)
    title = fields.CharField(max_length=300)
    body = fields.TextField()
    session = fields.ForeignKeyField(
        "models.Session", related_name="notifications", null=True, on_delete=fields.SET_NULL
    )
    # The client the text names (a message from them), so their erasure can find it by id.
    names_client = fields.ForeignKeyField(
        "models.Client", related_name="named_in_notifications", null=True, on_delete=fields.SET_NULL
    )
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
