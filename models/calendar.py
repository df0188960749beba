from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.user import User


class CalendarFeed(Model):
    """A user's secret iCalendar address. Only a SHA-256 of the token is stored (the token is a
    long random string, so a slow hash adds nothing); one feed per user, replaced on reset and
    deleted on revoke, so the old address stops answering at once."""

    id = fields.UUIDField(primary_key=True)
    user: fields.OneToOneRelation["User"] = fields.OneToOneField(
        "models.User", related_name="calendar_feed", on_delete=fields.CASCADE
    )
    user_id: UUID
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "calendar_feeds"
