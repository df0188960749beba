"""Sessions remember the organisation of their client when booked (usage and visibility survive
the client's deletion or erasure)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0003_category_indexes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Session",
            name="organisation",
            field=fields.ForeignKeyField(
                "models.Organisation",
                source_field="organisation_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="sessions",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.RunSQL(
            [
                "UPDATE sessions s SET organisation_id = c.organisation_id FROM clients c WHERE c.id = s.client_id",
                "CREATE INDEX sessions_organisation_starts ON sessions (organisation_id, starts_at) WHERE organisation_id IS NOT NULL",
            ],
            reverse_sql=["DROP INDEX IF EXISTS sessions_organisation_starts"],
        ),
    ]
