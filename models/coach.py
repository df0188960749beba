from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.enums import CoachKind, SessionFormat

if TYPE_CHECKING:
    from models.organisation import Organisation
    from models.user import User


class Coach(Model):
    id = fields.UUIDField(primary_key=True)
    user: fields.OneToOneRelation["User"] = fields.OneToOneField(
        "models.User", related_name="coach", on_delete=fields.CASCADE
    )
    user_id: UUID
    name = fields.CharField(max_length=200)
    # tortoise types TextField as str even with null=True; the annotation says it may be None.
    bio: str | None = fields.TextField(null=True)
    timezone = fields.CharField(max_length=64, default="UTC")  # IANA name
    kind = fields.CharEnumField(CoachKind, max_length=16, default=CoachKind.GLOBAL)
    # INTERNAL coaches belong to one organisation.
    organisation: fields.ForeignKeyNullableRelation["Organisation"] = fields.ForeignKeyField(
        "models.Organisation", related_name="coaches", null=True, on_delete=fields.RESTRICT
    )
    organisation_id: UUID | None
    buffer_minutes = fields.IntField(default=0)
    auto_confirm = fields.BooleanField(default=True)
    cancellation_window_hours = fields.IntField(default=24)
    response_time_hours: int | None = fields.IntField(null=True)  # shown to clients; 0-168, CHECK
    auto_reply: str | None = fields.TextField(null=True)  # sent while on time off (domain.messages)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "coaches"


class Service(Model):
    id = fields.UUIDField(primary_key=True)
    coach: fields.ForeignKeyRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="services", on_delete=fields.CASCADE
    )
    coach_id: UUID
    name = fields.CharField(max_length=200)
    description: str | None = fields.TextField(null=True)
    duration_minutes = fields.IntField()
    format = fields.CharEnumField(SessionFormat, max_length=16)
    credits = fields.IntField()
    price_minor = fields.IntField(null=True)
    currency = fields.CharField(max_length=3, null=True)
    requires_confirmation = fields.BooleanField(default=False)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "services"


class AvailabilityRule(Model):
    """A weekly window in the coach's own timezone (weekday 1 = Monday)."""

    id = fields.UUIDField(primary_key=True)
    coach: fields.ForeignKeyRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="availability", on_delete=fields.CASCADE
    )
    coach_id: UUID
    weekday = fields.SmallIntField()
    start_time = fields.TimeField()
    end_time = fields.TimeField()

    class Meta:
        table = "availability_rules"


class TimeOff(Model):
    id = fields.UUIDField(primary_key=True)
    coach: fields.ForeignKeyRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="time_off", on_delete=fields.CASCADE
    )
    coach_id: UUID
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    reason = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "time_off"
