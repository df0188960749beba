"""Indexes for keeping client categories current: a pair's sessions by start."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0002_constraints")]

    operations = [
        ops.RunSQL(
            ["CREATE INDEX sessions_pair_starts ON sessions (coach_id, client_id, starts_at)"],
            reverse_sql=["DROP INDEX IF EXISTS sessions_pair_starts"],
        )
    ]
