"""Series of sessions and calendar feeds (issue 14).

- session_series: sessions booked together (bookSeries); each session names its series.
- sessions.revision: grows by one whenever a session changes what a calendar shows (time,
  status, service, client, meeting link). A trigger keeps it, so every path that updates a
  session (lifecycle, reschedules, housekeeping, erasure) counts without remembering to; a
  calendar feed sends it as the event's SEQUENCE.
- calendar_feeds: one secret feed address per user, stored as a SHA-256 of its token."""

from uuid import uuid4

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from models.enums import Role

_ROLE = "ADMIN: ADMIN\nCOACH: COACH\nCLIENT: CLIENT\nORG_ADMIN: ORG_ADMIN"


class Migration(migrations.Migration):
    dependencies = [("models", "0009_notification_names_client")]

    initial = False

    operations = [
        ops.CreateModel(
            name="SessionSeries",
            fields=[
                ("id", fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                (
                    "coach",
                    fields.ForeignKeyField(
                        "models.Coach",
                        source_field="coach_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="series",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "client",
                    fields.ForeignKeyField(
                        "models.Client",
                        source_field="client_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="series",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "service",
                    fields.ForeignKeyField(
                        "models.Service",
                        source_field="service_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="series",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("interval_weeks", fields.IntField()),
                ("count", fields.IntField()),
                ("booked_by", fields.CharEnumField(description=_ROLE, enum_type=Role, max_length=16)),
                (
                    "booked_by_user",
                    fields.ForeignKeyField(
                        "models.User",
                        source_field="booked_by_user_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="booked_series",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("idempotency_key", fields.CharField(null=True, max_length=200)),
                ("idempotency_input", fields.CharField(null=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "session_series",
                "app": "models",
                "unique_together": (("booked_by_user", "idempotency_key"),),
                "pk_attr": "id",
                "table_description": "Sessions booked together, all or none, at the same local time every `interval_weeks`.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Session",
            name="series",
            field=fields.ForeignKeyField(
                "models.SessionSeries",
                source_field="series_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="sessions",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(model_name="Session", name="revision", field=fields.IntField(default=0)),
        ops.CreateModel(
            name="CalendarFeed",
            fields=[
                ("id", fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True)),
                (
                    "user",
                    fields.OneToOneField(
                        "models.User",
                        source_field="user_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="calendar_feed",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "calendar_feeds",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A user's secret iCalendar address.",
            },
            bases=["Model"],
        ),
        ops.RunSQL(
            [
                "CREATE INDEX sessions_series ON sessions (series_id, starts_at) WHERE series_id IS NOT NULL",
                "CREATE INDEX session_series_coach ON session_series (coach_id)",
                "CREATE INDEX session_series_client ON session_series (client_id) WHERE client_id IS NOT NULL",
                """CREATE FUNCTION sessions_revision() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    -- The trigger alone sets the column: a stale value written back is ignored.
                    NEW.revision := OLD.revision + CASE
                        WHEN (NEW.starts_at, NEW.ends_at, NEW.status, NEW.service_id, NEW.client_id, NEW.meeting_url)
                             IS DISTINCT FROM
                             (OLD.starts_at, OLD.ends_at, OLD.status, OLD.service_id, OLD.client_id, OLD.meeting_url)
                        THEN 1 ELSE 0 END;
                    RETURN NEW;
                END $$""",
                """CREATE TRIGGER sessions_revision BEFORE UPDATE ON sessions
                    FOR EACH ROW EXECUTE FUNCTION sessions_revision()""",
            ],
            reverse_sql=[
                "DROP TRIGGER IF EXISTS sessions_revision ON sessions",
                "DROP FUNCTION IF EXISTS sessions_revision()",
                "DROP INDEX IF EXISTS session_series_client",
                "DROP INDEX IF EXISTS session_series_coach",
                "DROP INDEX IF EXISTS sessions_series",
            ],
        ),
    ]
