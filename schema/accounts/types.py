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


@strawberry.type(description="A login: an e-mail, a password and a role.")
class User(Entity):
    email: str = strawberry.field(description="The e-mail address signed in with.")
    name: str = strawberry.field(description="Display name.")
    role: Role = strawberry.field(description="What the account may do.")
    created_at: datetime = strawberry.field(description="When the account was created.")

    @classmethod
    def from_model(cls, m: models.User) -> "User":
        return cls(uid=str(m.id), email=m.email, name=m.name, role=m.role, created_at=m.created_at)


@loads_nodes("User")
async def load_users(info: Info, ids: list[UUID]) -> list[User | None]:
    rows = {u.id: u for u in await models.User.filter(access.users(info.context.signed_in_viewer), id__in=ids)}
    return [User.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.type(
    description="Who is signed in: the account, its role and its profiles (coach for role COACH, client for role CLIENT, organisation for an organisation's admins, API keys, coaches and clients)."
)
class Viewer:
    user: User = strawberry.field(description="The signed-in account.")
    role: Role = strawberry.field(description="The role every permission is decided by.")
    _viewer: strawberry.Private[DomainViewer]

    @strawberry.field(description="The coach profile, for role COACH.")
    async def coach(self, info: Info) -> Annotated["Coach", strawberry.lazy("schema.coaches.types")] | None:
        if self._viewer.coach_id is None:
            return None
        return Coach.from_model(await info.context.loaders.coach.load(self._viewer.coach_id))

    @strawberry.field(description="The client profile, for role CLIENT.")
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._viewer.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._viewer.client_id)
        return Client.from_model(row) if row else None

    @strawberry.field(
        description="The organisation, for role ORG_ADMIN (and an API key); a coach's or client's own organisation otherwise."
    )
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


@strawberry.input(description="Sign in with e-mail and password.")
class LoginInput:
    email: str = strawberry.field(description="The account's e-mail address.")
    password: str = multiline(description="Its password.")


@strawberry.input(
    description="ADMIN creates any account; ORG_ADMIN creates CLIENT and ORG_ADMIN accounts in its own organisation."
)
class CreateUserInput:
    email: str = strawberry.field(description="The new account's e-mail (unique).")
    name: str = strawberry.field(description="Display name.")
    password: str = multiline(description="The initial password.")
    role: Role = strawberry.field(description="The account's role.")
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None, description="The organisation, for ORG_ADMIN, INTERNAL coaches and organisation clients."
    )
    client_id: strawberry.ID | None = strawberry.field(
        default=None,
        description=(
            "For role CLIENT: the existing client profile this login belongs to (else one is created). "
            "Refused (FORBIDDEN): a login joins an existing profile only through inviteClient / acceptInvitation."
        ),
    )
    coach_kind: CoachKind | None = strawberry.field(default=None, description="For role COACH.")


@strawberry.type(description="The result of createUser.")
class UserPayload:
    user: User | None = strawberry.field(default=None, description="The new account.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was created, if so.", default_factory=list)


@strawberry.type(
    description="A signed-in session: send `token` as `Authorization: Bearer <token>` on every request and in the socket's connection_init payload."
)
class LoginPayload:
    token: str | None = strawberry.field(
        default=None, description="A bearer token (JWT) that expires; sign in again for a new one."
    )
    user: User | None = strawberry.field(default=None, description="The signed-in account.")
    user_errors: list[UserError] = strawberry.field(description="Why sign-in failed, if so.", default_factory=list)


from schema.enums import CoachKind  # noqa: E402
from schema.errors import UserError  # noqa: E402
