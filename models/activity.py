from tortoise import fields
from tortoise.models import Model

from models.enums import ActivityKind


class ActivityEvent(Model):
    """One line of a client's timeline."""

    id = fields.UUIDField(primary_key=True)
    kind = fields.CharEnumField(ActivityKind, max_length=32)
    client = fields.ForeignKeyField("models.Client", related_name="activity", null=True, on_delete=fields.CASCADE)
    # The coach whose practice the event belongs to; NULL = visible to every coach of the client.
    coach = fields.ForeignKeyField("models.Coach", related_name="activity", null=True, on_delete=fields.CASCADE)
    session = fields.ForeignKeyField("models.Session", related_name="activity", null=True, on_delete=fields.SET_NULL)
    actor = fields.ForeignKeyField("models.User", related_name="activity", null=True, on_delete=fields.SET_NULL)
    actor_name = fields.CharField(max_length=200, null=True)
    summary = fields.CharField(max_length=500)
    # Events about private things (notes not shared) stay with the coach.
    visible_to_client = fields.BooleanField(default=True)
    occurred_at = fields.DatetimeField()

    class Meta:
        table = "activity_events"
