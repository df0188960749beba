"""Outbound webhooks (issue 13): endpoints, events written with each change, deliveries and
their attempts, and the per-object sequence counters.

Constraints: an endpoint's owner columns match its kind. Indexes serve the fan-out sweep (events not
fanned out), the delivery queue (pending rows by next attempt), an endpoint's delivery log, the
catch-up feed scoped by organisation or by coach (GIN on coach_ids), the purge by age, and the
cascades from organisations, coaches, users, API keys and endpoints."""

import functools
from json import dumps, loads
from uuid import uuid4

from tortoise import fields, migrations
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.fields.base import OnDelete
from tortoise.fields.db_defaults import SqlDefault
from tortoise.migrations import operations as ops

from models.enums import NotificationKind, WebhookDeliveryStatus, WebhookEventType, WebhookOwnerKind


class Migration(migrations.Migration):
    dependencies = [("models", "0011_coach_week")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebhookEndpoint",
            fields=[
                ("id", fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                (
                    "owner_kind",
                    fields.CharEnumField(
                        description="PLATFORM: PLATFORM\nORGANISATION: ORGANISATION\nCOACH: COACH",
                        enum_type=WebhookOwnerKind,
                        max_length=16,
                    ),
                ),
                (
                    "organisation",
                    fields.ForeignKeyField(
                        "models.Organisation",
                        source_field="organisation_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_endpoints",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "coach",
                    fields.ForeignKeyField(
                        "models.Coach",
                        source_field="coach_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_endpoints",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_endpoints",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "created_by_api_key",
                    fields.ForeignKeyField(
                        "models.ApiKey",
                        source_field="created_by_api_key_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="webhook_endpoints",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("url", fields.CharField(max_length=2048)),
                ("description", fields.CharField(null=True, max_length=500)),
                ("event_types", ArrayField(default=list, element_type="TEXT")),
                ("enabled", fields.BooleanField(default=True)),
                ("disabled_reason", fields.CharField(null=True, max_length=200)),
                ("sealed_secret", fields.BinaryField()),
                ("sealed_previous_secret", fields.BinaryField(null=True)),
                ("previous_secret_expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("failing_since", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("updated_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_endpoints",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An address that receives signed events. Owned by the platform (an admin's), an organisation",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            ["CREATE SEQUENCE webhook_events_position"], reverse_sql=["DROP SEQUENCE IF EXISTS webhook_events_position"]
        ),
        ops.CreateModel(
            name="WebhookEvent",
            fields=[
                ("id", fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                (
                    "position",
                    fields.BigIntField(unique=True, db_default=SqlDefault("nextval('webhook_events_position')")),
                ),
                (
                    "type",
                    fields.CharEnumField(
                        description="SESSION_BOOKED: SESSION_BOOKED\nSESSION_CONFIRMED: SESSION_CONFIRMED\nSESSION_DECLINED: SESSION_DECLINED\nSESSION_RESCHEDULED: SESSION_RESCHEDULED\nSESSION_CANCELLED: SESSION_CANCELLED\nSESSION_COMPLETED: SESSION_COMPLETED\nSESSION_NO_SHOW: SESSION_NO_SHOW\nCREDITS_GRANTED: CREDITS_GRANTED\nCREDITS_DEBITED: CREDITS_DEBITED\nCREDITS_REFUNDED: CREDITS_REFUNDED\nCREDITS_LOW: CREDITS_LOW\nCLIENT_CREATED: CLIENT_CREATED\nCLIENT_UPDATED: CLIENT_UPDATED\nCLIENT_DELETED: CLIENT_DELETED\nCLIENT_ERASED: CLIENT_ERASED\nPING: PING",
                        enum_type=WebhookEventType,
                        max_length=32,
                    ),
                ),
                ("object_kind", fields.CharField(max_length=16)),
                ("object_id", fields.UUIDField()),
                ("sequence", fields.BigIntField()),
                ("payload", fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
                ("occurred_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("organisation_id", fields.UUIDField(null=True)),
                ("coach_ids", ArrayField(default=list, element_type="UUID")),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "models.WebhookEndpoint",
                        source_field="endpoint_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="ping_events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("fanned_out", fields.BooleanField(default=False)),
            ],
            options={
                "table": "webhook_events",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One change, written in the transaction that makes it. `id` is the `webhook-id` on every",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                ("id", fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "models.WebhookEndpoint",
                        source_field="endpoint_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.WebhookEvent",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "status",
                    fields.CharEnumField(
                        default=WebhookDeliveryStatus.PENDING,
                        description="PENDING: PENDING\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED",
                        enum_type=WebhookDeliveryStatus,
                        max_length=16,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_attempt_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_response_status", fields.IntField(null=True)),
                ("last_error", fields.CharField(null=True, max_length=500)),
                ("claimed_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_deliveries",
                "app": "models",
                "unique_together": (("endpoint", "event"),),
                "pk_attr": "id",
                "table_description": "One event for one endpoint (unique: fan-out, redelivery and replay reuse the row).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookAttempt",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "delivery",
                    fields.ForeignKeyField(
                        "models.WebhookDelivery",
                        source_field="delivery_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attempt_log",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("duration_ms", fields.IntField(null=True)),
                ("response_status", fields.IntField(null=True)),
                ("response_body", fields.TextField(null=True, unique=False)),
                ("error", fields.CharField(null=True, max_length=500)),
            ],
            options={
                "table": "webhook_attempts",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Every try to send a delivery, kept 30 days like the events.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookObjectSequence",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("object_kind", fields.CharField(max_length=16)),
                ("object_id", fields.UUIDField()),
                ("last_sequence", fields.BigIntField()),
            ],
            options={
                "table": "webhook_object_sequences",
                "app": "models",
                "unique_together": (("object_kind", "object_id"),),
                "pk_attr": "id",
                "table_description": "The last `sequence` given to an object's events. A row of its own (not max() over events)",
            },
            bases=["Model"],
        ),
        # hookdelivery's notification to an endpoint's owner when its failures disable it.
        ops.AlterField(
            model_name="Notification",
            name="kind",
            field=fields.CharEnumField(
                description="BOOKING_REQUESTED: BOOKING_REQUESTED\nBOOKING_CONFIRMED: BOOKING_CONFIRMED\nBOOKING_DECLINED: BOOKING_DECLINED\nRESCHEDULE_PROPOSED: RESCHEDULE_PROPOSED\nRESCHEDULE_ACCEPTED: RESCHEDULE_ACCEPTED\nRESCHEDULE_DECLINED: RESCHEDULE_DECLINED\nSESSION_CANCELLED: SESSION_CANCELLED\nSESSION_REMINDER: SESSION_REMINDER\nMESSAGE_RECEIVED: MESSAGE_RECEIVED\nCREDITS_REFUNDED: CREDITS_REFUNDED\nCREDITS_LOW: CREDITS_LOW\nREVIEW_REQUESTED: REVIEW_REQUESTED\nWEBHOOK_DISABLED: WEBHOOK_DISABLED\nINVITATION: INVITATION\nPASSWORD_RESET: PASSWORD_RESET",
                enum_type=NotificationKind,
                max_length=32,
            ),
        ),
        ops.RunSQL(
            [
                (
                    "ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_owner CHECK ("
                    "(owner_kind = 'PLATFORM' AND organisation_id IS NULL AND coach_id IS NULL)"
                    " OR (owner_kind = 'ORGANISATION' AND organisation_id IS NOT NULL AND coach_id IS NULL)"
                    " OR (owner_kind = 'COACH' AND coach_id IS NOT NULL AND organisation_id IS NULL))"
                ),
                "CREATE INDEX webhook_endpoints_organisation ON webhook_endpoints (organisation_id) WHERE organisation_id IS NOT NULL",
                "CREATE INDEX webhook_endpoints_coach ON webhook_endpoints (coach_id) WHERE coach_id IS NOT NULL",
                "CREATE INDEX webhook_endpoints_created_by ON webhook_endpoints (created_by_id) WHERE created_by_id IS NOT NULL",
                (
                    "CREATE INDEX webhook_endpoints_created_by_api_key ON webhook_endpoints (created_by_api_key_id)"
                    " WHERE created_by_api_key_id IS NOT NULL"
                ),
                "ALTER SEQUENCE webhook_events_position OWNED BY webhook_events.position",
                "CREATE INDEX webhook_events_occurred ON webhook_events (occurred_at, position)",
                (
                    "CREATE INDEX webhook_events_organisation ON webhook_events (organisation_id, position)"
                    " WHERE organisation_id IS NOT NULL"
                ),
                "CREATE INDEX webhook_events_coaches ON webhook_events USING gin (coach_ids)",
                "CREATE INDEX webhook_events_not_fanned_out ON webhook_events (occurred_at) WHERE NOT fanned_out",
                "CREATE INDEX webhook_events_endpoint ON webhook_events (endpoint_id) WHERE endpoint_id IS NOT NULL",
                "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at, id)",
                "CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id)",
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING'",
                "CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, started_at)",
                "CREATE INDEX webhook_attempts_started ON webhook_attempts (started_at)",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS webhook_attempts_started",
                "DROP INDEX IF EXISTS webhook_attempts_delivery",
                "DROP INDEX IF EXISTS webhook_deliveries_due",
                "DROP INDEX IF EXISTS webhook_deliveries_event",
                "DROP INDEX IF EXISTS webhook_deliveries_endpoint",
                "DROP INDEX IF EXISTS webhook_events_endpoint",
                "DROP INDEX IF EXISTS webhook_events_not_fanned_out",
                "DROP INDEX IF EXISTS webhook_events_coaches",
                "DROP INDEX IF EXISTS webhook_events_organisation",
                "DROP INDEX IF EXISTS webhook_events_occurred",
                "DROP INDEX IF EXISTS webhook_endpoints_created_by_api_key",
                "DROP INDEX IF EXISTS webhook_endpoints_created_by",
                "DROP INDEX IF EXISTS webhook_endpoints_coach",
                "DROP INDEX IF EXISTS webhook_endpoints_organisation",
                "ALTER TABLE webhook_endpoints DROP CONSTRAINT IF EXISTS webhook_endpoints_owner",
            ],
        ),
    ]
