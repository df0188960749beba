from tortoise import fields
from tortoise.models import Model

from models.enums import GoalStatus


class Goal(Model):
    id = fields.UUIDField(primary_key=True)
    client = fields.ForeignKeyField("models.Client", related_name="goals", on_delete=fields.CASCADE)
    coach = fields.ForeignKeyField("models.Coach", related_name="goals", null=True, on_delete=fields.CASCADE)
    title = fields.CharField(max_length=300)
    description = fields.TextField(null=True)
    status = fields.CharEnumField(GoalStatus, max_length=16, default=GoalStatus.ACTIVE)
    target_date = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "goals"


class ActionItem(Model):
    id = fields.UUIDField(primary_key=True)
    goal = fields.ForeignKeyField("models.Goal", related_name="action_items", on_delete=fields.CASCADE)
    title = fields.CharField(max_length=300)
    done = fields.BooleanField(default=False)
    due_date = fields.DateField(null=True)
    session = fields.ForeignKeyField(
        "models.Session", related_name="action_items", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "action_items"
