"""A booking's idempotency key is bound to its whole input: the session keeps a hash of the
request it was booked with (service, time, client, notes), so the same key with anything else is
a CONFLICT instead of the first booking. Rows booked before keep NULL and compare on service and
time, as they did."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0007_email_failure_reason")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Session",
            name="idempotency_input",
            field=fields.CharField(max_length=64, null=True),
        ),
    ]
