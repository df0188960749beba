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


@strawberry.type
class ActionItem(Entity):
    title: str
    done: bool
    due_date: date | None
    _m: strawberry.Private[models.ActionItem]

    @classmethod
    def from_model(cls, m: models.ActionItem) -> "ActionItem":
        return cls(uid=str(m.id), title=m.title, done=m.done, due_date=m.due_date, _m=m)

    @strawberry.field
    async def session(self, info: Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")] | None:
        if self._m.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._m.session_id)
        return session_type().from_model(row) if row else None


@strawberry.type
class Goal(Entity):
    title: str
    description: str | None
    status: GoalStatus
    target_date: date | None
    created_at: datetime
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

    @strawberry.field
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")]:
        return client_type().from_model(await info.context.loaders.client.load(self._m.client_id))

    @strawberry.field
    async def action_items(self, info: Info) -> list[ActionItem]:
        return [ActionItem.from_model(r) for r in await info.context.loaders.action_items.load(self._m.id)]


@strawberry.input
class CreateGoalInput:
    client_id: strawberry.ID
    title: str
    description: str | None = multiline(default=None)
    target_date: date | None = None


@strawberry.input
class UpdateGoalInput:
    goal_id: strawberry.ID
    title: str | None = strawberry.UNSET
    description: str | None = multiline(default=strawberry.UNSET)
    status: GoalStatus | None = strawberry.UNSET
    target_date: date | None = strawberry.UNSET


@strawberry.type
class GoalPayload:
    goal: Goal | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AddActionItemInput:
    goal_id: strawberry.ID
    title: str
    due_date: date | None = None
    session_id: strawberry.ID | None = None


@strawberry.input
class SetActionItemDoneInput:
    action_item_id: strawberry.ID
    done: bool


@strawberry.type
class ActionItemPayload:
    action_item: ActionItem | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@loads_nodes("Goal")
async def load_goals(info: Info, ids: list[UUID]) -> list[Goal | None]:
    rows = await goal_reads.visible_many(info.context.signed_in_viewer, ids)
    return [Goal.from_model(rows[i]) if i in rows else None for i in ids]


@loads_nodes("ActionItem")
async def load_action_items(info: Info, ids: list[UUID]) -> list[ActionItem | None]:
    rows = await goal_reads.visible_action_items(info.context.signed_in_viewer, ids)
    return [ActionItem.from_model(rows[i]) if i in rows else None for i in ids]
