"""The coach's week (issue 14, items 3-5): out-of-office replies, the client list's relationship
filters and orders, and the coach's responses to reviews.

- coaches.response_time_hours / auto_reply: what the coach promises about replies, and the text
  sent for them while they are on time off.
- messages.automatic marks such a reply; messages.auto_reply_time_off_id names the time-off period
  it answered for, unique per conversation, so a conversation gets one per period even when two
  client messages race (the second insert finds the first and does nothing).
- feedback.response / responded_at: the coach's reply to a review.
- coach_clients_coach_since keeps a RELATIONSHIP_SINCE page index-ordered, as migration 0005's
  indexes do for the other relationship orderings (its key is cc.created_at, domain/client_list.py)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0010_series_calendar")]

    initial = False

    operations = [
        ops.AddField(model_name="Coach", name="response_time_hours", field=fields.IntField(null=True)),
        ops.AddField(model_name="Coach", name="auto_reply", field=fields.TextField(null=True)),
        ops.AddField(
            model_name="Message", name="automatic", field=fields.BooleanField(default=False, db_default=False)
        ),
        ops.AddField(
            model_name="Message",
            name="auto_reply_time_off",
            field=fields.ForeignKeyField(
                "models.TimeOff",
                source_field="auto_reply_time_off_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="auto_replies",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(model_name="Feedback", name="response", field=fields.TextField(null=True)),
        ops.AddField(model_name="Feedback", name="responded_at", field=fields.DatetimeField(null=True)),
        ops.RunSQL(
            [
                (
                    "CREATE UNIQUE INDEX messages_one_auto_reply ON messages (conversation_id, auto_reply_time_off_id)"
                    " WHERE auto_reply_time_off_id IS NOT NULL"
                ),
                "CREATE INDEX coach_clients_coach_since ON coach_clients (coach_id, created_at, client_id)",
                (
                    "ALTER TABLE coaches ADD CONSTRAINT coaches_response_time_hours"
                    " CHECK (response_time_hours IS NULL OR response_time_hours BETWEEN 0 AND 168)"
                ),
            ],
            reverse_sql=[
                "ALTER TABLE coaches DROP CONSTRAINT IF EXISTS coaches_response_time_hours",
                "DROP INDEX IF EXISTS coach_clients_coach_since",
                "DROP INDEX IF EXISTS messages_one_auto_reply",
            ],
        ),
    ]
