from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.enums import ActivityKind

if TYPE_CHECKING:
    from models.client import Client
    from models.coach import Coach
    from models.session import Session
    from models.user import User


class ActivityEvent(Model):
    """One line of a client's timeline."""

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(ActivityKind, max_length=32)
    client: fields.ForeignKeyNullableRelation["Client"] = fields.ForeignKeyField(
        "models.Client", related_name="activity", null=True, on_delete=fields.CASCADE
    )
    client_id: UUID | None
    # The coach whose practice the event belongs to; NULL = visible to every coach of the client.
    coach: fields.ForeignKeyNullableRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="activity", null=True, on_delete=fields.CASCADE
    )
    coach_id: UUID | None
    session: fields.ForeignKeyNullableRelation["Session"] = fields.ForeignKeyField(
        "models.Session", related_name="activity", null=True, on_delete=fields.SET_NULL
    )
    session_id: UUID | None
    actor: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="activity", null=True, on_delete=fields.SET_NULL
    )
    actor_id: UUID | None
    actor_name = fields.CharField(max_length=200, null=True)
    summary = fields.CharField(max_length=500)
    # Events about private things (notes not shared) stay with the coach.
    visible_to_client = fields.BooleanField(default=True)
    occurred_at = fields.DatetimeField()

    class Meta:
        table = "activity_events"
