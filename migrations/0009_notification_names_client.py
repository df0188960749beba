"""A notification whose text names a client (a message from them) says so in a column, so the
client's erasure finds it by id instead of matching its title as text (issue 11)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0008_booking_idempotency_input")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Notification",
            name="names_client",
            field=fields.ForeignKeyField(
                "models.Client",
                source_field="names_client_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="named_in_notifications",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.RunSQL(
            [
                "CREATE INDEX notifications_names_client ON notifications (names_client_id) WHERE names_client_id IS NOT NULL",
                # Rows written before: a coach's "New message from <client>" about one of their clients.
                (
                    "UPDATE notifications n SET names_client_id = cc.client_id FROM coaches co "
                    "JOIN coach_clients cc ON cc.coach_id = co.id JOIN clients c ON c.id = cc.client_id "
                    "WHERE co.user_id = n.user_id AND n.kind = 'MESSAGE_RECEIVED' AND n.title = 'New message from ' || c.name"
                ),
            ],
            reverse_sql=["DROP INDEX IF EXISTS notifications_names_client"],
        ),
    ]
