"""Outbound webhooks: endpoints, the events written with each change, one delivery per endpoint
and event, and every attempt to send it."""

from typing import TYPE_CHECKING, Any
from uuid import UUID

from tortoise import fields
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.fields.db_defaults import SqlDefault
from tortoise.models import Model

from models.enums import WebhookDeliveryStatus, WebhookEventType, WebhookOwnerKind

if TYPE_CHECKING:
    from models.coach import Coach
    from models.organisation import Organisation
    from models.user import ApiKey, User


class WebhookEndpoint(Model):
    """An address that receives signed events. Owned by the platform (an admin's), an organisation
    (managed by its admins and API keys, or by an admin for it) or a coach; the owner columns match
    the kind (a CHECK in the migration). Secrets are sealed with the master keys because the signer
    needs them back; during the 24 hours after a rotation the previous one signs too."""

    id = fields.UUIDField(primary_key=True)
    owner_kind = fields.CharEnumField(WebhookOwnerKind, max_length=16)
    organisation: fields.ForeignKeyNullableRelation["Organisation"] = fields.ForeignKeyField(
        "models.Organisation", related_name="webhook_endpoints", null=True, on_delete=fields.CASCADE
    )
    organisation_id: UUID | None
    coach: fields.ForeignKeyNullableRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="webhook_endpoints", null=True, on_delete=fields.CASCADE
    )
    coach_id: UUID | None
    # Who made it (an admin, an organisation admin, a coach) or which API key; for the record only.
    created_by: fields.ForeignKeyNullableRelation["User"] = fields.ForeignKeyField(
        "models.User", related_name="webhook_endpoints", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: UUID | None
    created_by_api_key: fields.ForeignKeyNullableRelation["ApiKey"] = fields.ForeignKeyField(
        "models.ApiKey", related_name="webhook_endpoints", null=True, on_delete=fields.SET_NULL
    )
    created_by_api_key_id: UUID | None
    url = fields.CharField(max_length=2048)
    description = fields.CharField(max_length=500, null=True)
    # Empty: every type the owner may receive.
    event_types = ArrayField(element_type="text", default=list)
    enabled = fields.BooleanField(default=True)
    # "Disabled by hand", "The endpoint answered 410 Gone", "Failing for 5 days"; NULL while enabled.
    disabled_reason = fields.CharField(max_length=200, null=True)
    sealed_secret = fields.BinaryField()
    sealed_previous_secret = fields.BinaryField(null=True)
    previous_secret_expires_at = fields.DatetimeField(null=True)
    # Start of the current run of failed attempts (NULL after a success): five days disable it.
    failing_since = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "webhook_endpoints"


class WebhookEvent(Model):
    """One change, written in the transaction that makes it. `id` is the `webhook-id` on every
    delivery, retry and redelivery; `payload` is exactly the body sent. The audience is fixed when
    the change happens (who could read the object then): the platform always, `organisation_id`'s
    admins and the coaches in `coach_ids`; a PING has only its `endpoint`."""

    id = fields.UUIDField(primary_key=True)
    # The order events were written in (a database sequence): the feed's order, oldest first.
    position = fields.BigIntField(unique=True, db_default=SqlDefault("nextval('webhook_events_position')"))
    type = fields.CharEnumField(WebhookEventType, max_length=32)
    object_kind = fields.CharField(max_length=16)  # session, client, credit_pool, endpoint
    object_id = fields.UUIDField()
    # Grows by one with every event about the same object (webhook_object_sequences).
    sequence = fields.BigIntField()
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField()
    occurred_at = fields.DatetimeField()
    organisation_id = fields.UUIDField(null=True)
    coach_ids = ArrayField(element_type="uuid", default=list)
    endpoint: fields.ForeignKeyNullableRelation["WebhookEndpoint"] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="ping_events", null=True, on_delete=fields.CASCADE
    )
    endpoint_id: UUID | None
    # Set once the fan-out wrote this event's deliveries (the periodic sweep picks up the rest).
    fanned_out = fields.BooleanField(default=False)

    class Meta:
        table = "webhook_events"


class WebhookObjectSequence(Model):
    """The last `sequence` given to an object's events. A row of its own (not max() over events)
    so that it keeps growing after old events are purged, and its row lock orders concurrent
    changes to one object."""

    id = fields.BigIntField(primary_key=True)
    object_kind = fields.CharField(max_length=16)
    object_id = fields.UUIDField()
    last_sequence = fields.BigIntField()

    class Meta:
        table = "webhook_object_sequences"
        unique_together = (("object_kind", "object_id"),)


class WebhookDelivery(Model):
    """One event for one endpoint (unique: fan-out, redelivery and replay reuse the row)."""

    id = fields.UUIDField(primary_key=True)
    endpoint: fields.ForeignKeyRelation["WebhookEndpoint"] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: UUID
    event: fields.ForeignKeyRelation["WebhookEvent"] = fields.ForeignKeyField(
        "models.WebhookEvent", related_name="deliveries", on_delete=fields.CASCADE
    )
    event_id: UUID
    status = fields.CharEnumField(WebhookDeliveryStatus, max_length=16, default=WebhookDeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_attempt_at = fields.DatetimeField(null=True)
    last_response_status = fields.IntField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    # A worker sending it holds it until then; a worker killed mid-send lets it lapse.
    claimed_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_deliveries"
        unique_together = (("endpoint", "event"),)


class WebhookAttempt(Model):
    """Every try to send a delivery, kept 30 days like the events."""

    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation["WebhookDelivery"] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempt_log", on_delete=fields.CASCADE
    )
    delivery_id: UUID
    started_at = fields.DatetimeField()
    duration_ms = fields.IntField(null=True)
    response_status = fields.IntField(null=True)  # NULL: no answer (refused, timed out, ...)
    response_body = fields.TextField(null=True)  # the first 1 KB of the answer
    error = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "webhook_attempts"
