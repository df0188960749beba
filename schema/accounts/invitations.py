"""Invitations and passwords: the types of the accounts area."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

import models
from domain import access
from schema.clients.types import Client
from schema.context import Info
from schema.node import Entity, loads_nodes


@strawberry.type(
    description=(
        "An invitation e-mailed to a client so that they choose their own password: the only way a login is\n"
        "attached to an existing client profile (createUser with a clientId is refused)."
    )
)
class Invitation(Entity):
    email: str
    expires_at: datetime
    accepted_at: datetime | None
    _m: strawberry.Private[models.AccountToken]

    @classmethod
    def from_model(cls, m: models.AccountToken) -> "Invitation":
        return cls(uid=str(m.id), email=m.email, expires_at=m.expires_at, accepted_at=m.used_at, _m=m)

    @strawberry.field
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._m.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._m.client_id)
        return Client.from_model(row) if row else None


@loads_nodes("Invitation")
async def load_invitations(info: Info, ids: list[UUID]) -> list[Invitation | None]:
    rows = {
        r.id: r for r in await models.AccountToken.filter(access.invitations(info.context.signed_in_viewer), id__in=ids)
    }
    return [Invitation.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.input
class InviteClientInput:
    client_id: strawberry.ID
    email: str | None = strawberry.field(default=None, description="Defaults to the client's e-mail.")


@strawberry.type
class InvitationPayload:
    invitation: Invitation | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AcceptInvitationInput:
    token: str = strawberry.field(description="The single-use token from the invitation e-mail.")
    password: str


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.input
class RequestPasswordResetInput:
    email: str


@strawberry.type
class RequestPasswordResetPayload:
    accepted: bool = strawberry.field(
        default=False,
        description="Always true for a well-formed address: the answer never tells whether it has an account.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ResetPasswordInput:
    token: str = strawberry.field(description="The single-use token from the reset e-mail.")
    new_password: str


from schema.errors import UserError  # noqa: E402
