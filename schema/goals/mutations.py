"""Goals: a coach or the client sets goals and works through their action items."""

from __future__ import annotations

import strawberry

import models
from domain import goals
from domain.errors import not_found
from models.enums import Role
from resolvers import clients as client_reads
from resolvers import goals as goal_reads
from schema.context import Info
from schema.goals.types import (
    ActionItem,
    ActionItemPayload,
    AddActionItemInput,
    CreateGoalInput,
    Goal,
    GoalPayload,
    SetActionItemDoneInput,
    UpdateGoalInput,
)
from schema.node import in_scope, uuid_of, uuid_or_not_found
from schema.payloads import given, returns
from schema.permissions import signed_in


async def _goal(info: Info, goal_id: str) -> models.Goal:
    return await in_scope(goal_reads.visible, info, goal_id, "Goal", "goalId")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="A coach of the client, or the client themself: sets a new goal (status ACTIVE).",
        permission_classes=signed_in(Role.COACH, Role.CLIENT),
    )
    @returns(GoalPayload)
    async def create_goal(self, info: Info, input: CreateGoalInput) -> GoalPayload:
        client = await in_scope(client_reads.visible, info, input.client_id, "Client", "clientId")
        row = await goals.create_goal(
            info.context.signed_in_viewer, client.id, given(input, "title", "description", "target_date")
        )
        return GoalPayload(goal=Goal.from_model(row))

    @strawberry.mutation(
        description="A coach of the client, or the client: changes a goal.",
        permission_classes=signed_in(Role.COACH, Role.CLIENT),
    )
    @returns(GoalPayload)
    async def update_goal(self, info: Info, input: UpdateGoalInput) -> GoalPayload:
        row = await _goal(info, input.goal_id)
        values = given(input, "title", "description", "status", "target_date")
        if values.get("status") is not None:
            values["status"] = values["status"].value
        return GoalPayload(goal=Goal.from_model(await goals.update_goal(info.context.signed_in_viewer, row, values)))

    @strawberry.mutation(
        description="A coach of the client, or the client: adds a step to a goal.",
        permission_classes=signed_in(Role.COACH, Role.CLIENT),
    )
    @returns(ActionItemPayload)
    async def add_action_item(self, info: Info, input: AddActionItemInput) -> ActionItemPayload:
        goal = await _goal(info, input.goal_id)
        session_id = uuid_or_not_found(input.session_id, "Session", "sessionId")
        row = await goals.add_action_item(info.context.signed_in_viewer, goal, input.title, input.due_date, session_id)
        return ActionItemPayload(action_item=ActionItem.from_model(row))

    @strawberry.mutation(
        description="A coach of the client, or the client: marks a step done or not done.",
        permission_classes=signed_in(Role.COACH, Role.CLIENT),
    )
    @returns(ActionItemPayload)
    async def set_action_item_done(self, info: Info, input: SetActionItemDoneInput) -> ActionItemPayload:
        uid = uuid_of(input.action_item_id, "ActionItem")
        row = await goal_reads.visible_action_item(info.context.signed_in_viewer, uid) if uid else None
        if row is None:
            raise not_found("Action item", "actionItemId")
        return ActionItemPayload(action_item=ActionItem.from_model(await goals.set_done(row, input.done)))
