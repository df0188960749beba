from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.enums import CoachKind, ProposalStatus, RefundStatus, Role, SessionFormat, SessionStatus

if TYPE_CHECKING:
    from models.client import Client
    from models.coach import Coach, Service
    from models.organisation import Organisation
    from models.series import SessionSeries
    from models.user import User


class Session(Model):
    id = fields.UUIDField(primary_key=True)
    coach: fields.ForeignKeyRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="sessions", on_delete=fields.RESTRICT
    )
    coach_id: UUID
    # NULL once the client was deleted or erased; the session stays for accounting.
    client: fields.ForeignKeyNullableRelation["Client"] = fields.ForeignKeyField(
        "models.Client", related_name="sessions", null=True, on_delete=fields.SET_NULL
    )
    client_id: UUID | None
    service: fields.ForeignKeyRelation["Service"] = fields.ForeignKeyField(
        "models.Service", related_name="sessions", on_delete=fields.RESTRICT
    )
    service_id: UUID
    # The client's organisation when booked: the organisation keeps seeing (and accounting for)
    # the session after the client is deleted or erased.
    organisation: fields.ForeignKeyNullableRelation["Organisation"] = fields.ForeignKeyField(
        "models.Organisation", related_name="sessions", null=True, on_delete=fields.RESTRICT
    )
    organisation_id: UUID | None
    kind = fields.CharEnumField(CoachKind, max_length=16)
    format = fields.CharEnumField(SessionFormat, max_length=16)
    credits = fields.IntField(default=0)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    # ends_at + the coach's buffer: the range the exclusion constraint keeps clear.
    blocked_until = fields.DatetimeField()
    status = fields.CharEnumField(SessionStatus, max_length=16)
    booking_notes: str | None = fields.TextField(null=True)
    meeting_url = fields.CharField(max_length=500, null=True)
    booked_by = fields.CharEnumField(Role, max_length=16)
    booked_by_user: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="booked_sessions", null=True, on_delete=fields.SET_NULL
    )
    booked_by_user_id: UUID | None
    idempotency_key = fields.CharField(max_length=200, null=True)
    idempotency_input = fields.CharField(max_length=64, null=True)  # sha256 of the booking request
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    cancelled_at = fields.DatetimeField(null=True)
    cancelled_by = fields.CharEnumField(Role, max_length=16, null=True)
    cancel_reason: str | None = fields.TextField(null=True)
    late_cancellation = fields.BooleanField(default=False)
    refund_status = fields.CharEnumField(RefundStatus, max_length=16, null=True)
    series: fields.ForeignKeyNullableRelation["SessionSeries"] = fields.ForeignKeyField(
        "models.SessionSeries", related_name="sessions", null=True, on_delete=fields.SET_NULL
    )
    series_id: UUID | None
    # Grows by one with every change to the row (a trigger: migration 0011), so a calendar feed's
    # SEQUENCE follows each move, confirmation and cancellation whichever path made it.
    revision = fields.IntField(default=0)

    class Meta:
        table = "sessions"
        unique_together = (("booked_by_user", "idempotency_key"),)


class RescheduleProposal(Model):
    id = fields.UUIDField(primary_key=True)
    session: fields.ForeignKeyRelation["Session"] = fields.ForeignKeyField(
        "models.Session", related_name="proposals", on_delete=fields.CASCADE
    )
    session_id: UUID
    proposed_by = fields.CharEnumField(Role, max_length=16)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    message: str | None = fields.TextField(null=True)
    status = fields.CharEnumField(ProposalStatus, max_length=16, default=ProposalStatus.OPEN)
    created_at = fields.DatetimeField(auto_now_add=True)
    responded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reschedule_proposals"
