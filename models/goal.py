from typing import TYPE_CHECKING
from uuid import UUID

from tortoise import fields
from tortoise.models import Model

from models.enums import GoalStatus

if TYPE_CHECKING:
    from models.client import Client
    from models.coach import Coach
    from models.session import Session


class Goal(Model):
    id = fields.UUIDField(primary_key=True)
    client: fields.ForeignKeyRelation["Client"] = fields.ForeignKeyField(
        "models.Client", related_name="goals", on_delete=fields.CASCADE
    )
    client_id: UUID
    coach: fields.ForeignKeyNullableRelation["Coach"] = fields.ForeignKeyField(
        "models.Coach", related_name="goals", null=True, on_delete=fields.CASCADE
    )
    coach_id: UUID | None
    title = fields.CharField(max_length=300)
    description: str | None = fields.TextField(null=True)
    status = fields.CharEnumField(GoalStatus, max_length=16, default=GoalStatus.ACTIVE)
    target_date = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "goals"


class ActionItem(Model):
    id = fields.UUIDField(primary_key=True)
    goal: fields.ForeignKeyRelation["Goal"] = fields.ForeignKeyField(
        "models.Goal", related_name="action_items", on_delete=fields.CASCADE
    )
    goal_id: UUID
    title = fields.CharField(max_length=300)
    done = fields.BooleanField(default=False)
    due_date = fields.DateField(null=True)
    session: fields.ForeignKeyNullableRelation["Session"] = fields.ForeignKeyField(
        "models.Session", related_name="action_items", null=True, on_delete=fields.SET_NULL
    )
    session_id: UUID | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "action_items"
