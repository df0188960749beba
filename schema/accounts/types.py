from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

import models
from domain import access, calendar
from domain.viewer import Viewer as DomainViewer
from schema.calendar.types import CalendarFeed
from schema.clients.types import Client
from schema.coaches.types import Coach
from schema.context import Info
from schema.enums import Role
from schema.inputs import multiline
from schema.node import Entity, loads_nodes
from schema.organisations.types import Organisation


@strawberry.type
class User(Entity):
    email: str
    name: str
    role: Role
    created_at: datetime

    @classmethod
    def from_model(cls, m: models.User) -> "User":
        return cls(uid=str(m.id), email=m.email, name=m.name, role=m.role, created_at=m.created_at)


@loads_nodes("User")
async def load_users(info: Info, ids: list[UUID]) -> list[User | None]:
    rows = {u.id: u for u in await models.User.filter(access.users(info.context.signed_in_viewer), id__in=ids)}
    return [User.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.type
class Viewer:
    user: User
    role: Role
    _viewer: strawberry.Private[DomainViewer]

    @strawberry.field
    async def coach(self, info: Info) -> Annotated["Coach", strawberry.lazy("schema.coaches.types")] | None:
        if self._viewer.coach_id is None:
            return None
        return Coach.from_model(await info.context.loaders.coach.load(self._viewer.coach_id))

    @strawberry.field
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._viewer.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._viewer.client_id)
        return Client.from_model(row) if row else None

    @strawberry.field
    async def organisation(
        self, info: Info
    ) -> Annotated["Organisation", strawberry.lazy("schema.organisations.types")] | None:
        if self._viewer.organisation_id is None:
            return None
        row = await info.context.loaders.organisation.load(self._viewer.organisation_id)
        return Organisation.from_model(row) if row else None

    @strawberry.field(description="The coach's or client's own calendar feed, when one was made.")
    async def calendar_feed(self, info: Info) -> CalendarFeed | None:
        feed = await calendar.of_viewer(self._viewer)
        return CalendarFeed.of(info, feed) if feed else None


@strawberry.input
class LoginInput:
    email: str
    password: str = multiline()


@strawberry.input(
    description="ADMIN creates any account; ORG_ADMIN creates CLIENT and ORG_ADMIN accounts in its own organisation."
)
class CreateUserInput:
    email: str
    name: str
    password: str = multiline()
    role: Role
    organisation_id: strawberry.ID | None = None
    client_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=(
            "For role CLIENT: the existing client profile this login belongs to (else one is created). "
            "Refused (FORBIDDEN): a login joins an existing profile only through inviteClient / acceptInvitation."
        ),
    )
    coach_kind: CoachKind | None = strawberry.field(default=None, description="For role COACH.")


@strawberry.type
class UserPayload:
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LoginPayload:
    token: str | None = None
    user: User | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


from schema.enums import CoachKind  # noqa: E402
from schema.errors import UserError  # noqa: E402
