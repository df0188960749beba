"""Goals and action items."""

from __future__ import annotations

from tortoise.expressions import Subquery

import models
from domain import access, goals as goal_domain
from domain.errors import not_found
from resolvers.clients import visible_client
from schema.payloads import given, returns
from schema.node import uuid_of
from schema.goals.types import (
    ActionItem, ActionItemPayload, AddActionItemInput, CreateGoalInput, Goal, GoalPayload, SetActionItemDoneInput,
    UpdateGoalInput,
)


async def client_goals(info, client_id) -> list[Goal]:
    rows = await models.Goal.filter(access.goals(info.context.viewer), client_id=client_id).order_by("created_at", "id")
    return [Goal.from_model(r) for r in rows]


async def _goal(info, global_id: str) -> models.Goal:
    uid = uuid_of(global_id, "Goal")
    row = await models.Goal.filter(access.goals(info.context.viewer), id=uid).first() if uid else None
    if row is None:
        raise not_found("Goal", "goalId")
    return row


@returns(GoalPayload)
async def create_goal(info, input: CreateGoalInput) -> GoalPayload:  # noqa: A002
    client = await visible_client(info, input.client_id)
    row = await goal_domain.create_goal(info.context.viewer, client.id, given(input, "title", "description", "target_date"))
    return GoalPayload(goal=Goal.from_model(row))


@returns(GoalPayload)
async def update_goal(info, input: UpdateGoalInput) -> GoalPayload:  # noqa: A002
    row = await _goal(info, input.goal_id)
    values = given(input, "title", "description", "status", "target_date")
    if values.get("status") is not None:
        values["status"] = values["status"].value
    return GoalPayload(goal=Goal.from_model(await goal_domain.update_goal(info.context.viewer, row, values)))


@returns(ActionItemPayload)
async def add_action_item(info, input: AddActionItemInput) -> ActionItemPayload:  # noqa: A002
    goal = await _goal(info, input.goal_id)
    session_id = None
    if input.session_id is not None:
        session_id = uuid_of(input.session_id, "Session")
        if session_id is None:
            raise not_found("Session", "sessionId")
    row = await goal_domain.add_action_item(info.context.viewer, goal, input.title, input.due_date, session_id)
    return ActionItemPayload(action_item=ActionItem.from_model(row))


@returns(ActionItemPayload)
async def set_action_item_done(info, input: SetActionItemDoneInput) -> ActionItemPayload:  # noqa: A002
    uid = uuid_of(input.action_item_id, "ActionItem")
    visible = models.Goal.filter(access.goals(info.context.viewer)).values("id")
    row = await models.ActionItem.get_or_none(id=uid, goal_id__in=Subquery(visible)) if uid else None
    if row is None:
        raise not_found("Action item", "actionItemId")
    return ActionItemPayload(action_item=ActionItem.from_model(await goal_domain.set_done(row, input.done)))
