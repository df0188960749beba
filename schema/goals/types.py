from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

import models
from resolvers import goals as goal_reads
from schema.context import Info
from schema.enums import GoalStatus
from schema.errors import UserError
from schema.inputs import multiline
from schema.lazy import lazy_class
from schema.node import Entity, loads_nodes

if TYPE_CHECKING:
    from schema.clients.types import Client
    from schema.sessions.types import Session

client_type: "Callable[[], type[Client]]" = lazy_class("Client", "schema.clients.types")

session_type: "Callable[[], type[Session]]" = lazy_class("Session", "schema.sessions.types")


@strawberry.type(description="A step towards a goal.")
class ActionItem(Entity):
    title: str = strawberry.field(description="What to do.")
    done: bool = strawberry.field(description="Whether it is done.")
    due_date: date | None = strawberry.field(description="By when, if set.")
    _m: strawberry.Private[models.ActionItem]

    @classmethod
    def from_model(cls, m: models.ActionItem) -> "ActionItem":
        return cls(uid=str(m.id), title=m.title, done=m.done, due_date=m.due_date, _m=m)

    @strawberry.field(description="The session it came from, if any.")
    async def session(self, info: Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")] | None:
        if self._m.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._m.session_id)
        return session_type().from_model(row) if row else None


@strawberry.type(
    description="A goal the client works towards, set by the client or one of their coaches; seen by both."
)
class Goal(Entity):
    title: str = strawberry.field(description="The goal, in a few words.")
    description: str | None = strawberry.field(description="More about it.")
    status: GoalStatus = strawberry.field(description="Active, achieved or dropped.")
    target_date: date | None = strawberry.field(description="By when, if set.")
    created_at: datetime = strawberry.field(description="When it was set.")
    _m: strawberry.Private[models.Goal]

    @classmethod
    def from_model(cls, m: models.Goal) -> "Goal":
        return cls(
            uid=str(m.id),
            title=m.title,
            description=m.description,
            status=m.status,
            target_date=m.target_date,
            created_at=m.created_at,
            _m=m,
        )

    @strawberry.field(description="Whose goal it is.")
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")]:
        return client_type().from_model(await info.context.loaders.client.load(self._m.client_id))

    @strawberry.field(description="Its steps, in the order they were added.")
    async def action_items(self, info: Info) -> list[ActionItem]:
        return [ActionItem.from_model(r) for r in await info.context.loaders.action_items.load(self._m.id)]


@strawberry.input(description="A new goal for a client.")
class CreateGoalInput:
    client_id: strawberry.ID = strawberry.field(description="The client (a client: themself).")
    title: str = strawberry.field(description="The goal, in a few words.")
    description: str | None = multiline(description="More about it.", default=None)
    target_date: date | None = strawberry.field(default=None, description="By when.")


@strawberry.input(description="Changes to a goal: only the fields given change.")
class UpdateGoalInput:
    goal_id: strawberry.ID = strawberry.field(description="The goal.")
    title: str | None = strawberry.field(default=strawberry.UNSET, description="The goal, in a few words.")
    description: str | None = multiline(description="More about it.", default=strawberry.UNSET)
    status: GoalStatus | None = strawberry.field(
        default=strawberry.UNSET, description="Mark it achieved or dropped (or active again)."
    )
    target_date: date | None = strawberry.field(default=strawberry.UNSET, description="By when.")


@strawberry.type(description="The result of a change to a goal.")
class GoalPayload:
    goal: Goal | None = strawberry.field(default=None, description="The goal as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


@strawberry.input(description="A new step for a goal.")
class AddActionItemInput:
    goal_id: strawberry.ID = strawberry.field(description="The goal.")
    title: str = strawberry.field(description="What to do.")
    due_date: date | None = strawberry.field(default=None, description="By when.")
    session_id: strawberry.ID | None = strawberry.field(
        default=None, description="The session it came from (one of the client's sessions)."
    )


@strawberry.input(description="Tick a step off, or back on.")
class SetActionItemDoneInput:
    action_item_id: strawberry.ID = strawberry.field(description="The step.")
    done: bool = strawberry.field(description="Done or not.")


@strawberry.type(description="The result of a change to an action item.")
class ActionItemPayload:
    action_item: ActionItem | None = strawberry.field(default=None, description="The step as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


@loads_nodes("Goal")
async def load_goals(info: Info, ids: list[UUID]) -> list[Goal | None]:
    rows = await goal_reads.visible_many(info.context.signed_in_viewer, ids)
    return [Goal.from_model(rows[i]) if i in rows else None for i in ids]


@loads_nodes("ActionItem")
async def load_action_items(info: Info, ids: list[UUID]) -> list[ActionItem | None]:
    rows = await goal_reads.visible_action_items(info.context.signed_in_viewer, ids)
    return [ActionItem.from_model(rows[i]) if i in rows else None for i in ids]
