from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.enums import Role

if TYPE_CHECKING:
    from models.client import Client
    from models.coach import Coach, Service
    from models.user import User


class SessionSeries(Model):
    """Sessions booked together, all or none, at the same local time every `interval_weeks`.
    The sessions themselves are ordinary rows pointing here (Session.series)."""

    id = fields.UUIDField(primary_key=True)
    coach: fields.ForeignKeyRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="series", on_delete=fields.RESTRICT
    )
    coach_id: UUID
    # NULL once the client was deleted or erased, like their sessions.
    client: fields.ForeignKeyNullableRelation["Client"] = fields.ForeignKeyField(
        "models.Client", related_name="series", null=True, on_delete=fields.SET_NULL
    )
    client_id: UUID | None
    service: fields.ForeignKeyRelation["Service"] = fields.ForeignKeyField(
        "models.Service", related_name="series", on_delete=fields.RESTRICT
    )
    service_id: UUID
    interval_weeks = fields.IntField()
    count = fields.IntField()
    booked_by = fields.CharEnumField(Role, max_length=16)
    booked_by_user: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="booked_series", null=True, on_delete=fields.SET_NULL
    )
    booked_by_user_id: UUID | None
    idempotency_key = fields.CharField(max_length=200, null=True)
    idempotency_input = fields.CharField(max_length=64, null=True)  # sha256 of the series request
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "session_series"
        unique_together = (("booked_by_user", "idempotency_key"),)
