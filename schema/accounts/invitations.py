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
    email: str = strawberry.field(description="The address the invitation went to.")
    expires_at: datetime = strawberry.field(
        description="7 days after it was sent; after that, or once a newer invitation is sent, the link no longer works."
    )
    accepted_at: datetime | None = strawberry.field(description="When the client accepted it; null until then.")
    _m: strawberry.Private[models.AccountToken]

    @classmethod
    def from_model(cls, m: models.AccountToken) -> "Invitation":
        return cls(uid=str(m.id), email=m.email, expires_at=m.expires_at, accepted_at=m.used_at, _m=m)

    @strawberry.field(description="The client profile the login will join.")
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


@strawberry.input(description="Invite a client to choose a password for their profile.")
class InviteClientInput:
    client_id: strawberry.ID = strawberry.field(description="The client.")
    email: str | None = strawberry.field(default=None, description="Defaults to the client's e-mail.")


@strawberry.type(description="The result of inviteClient.")
class InvitationPayload:
    invitation: Invitation | None = strawberry.field(default=None, description="The invitation sent.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was sent, if so.", default_factory=list)


@strawberry.input(description="Accept an invitation: choose a password.")
class AcceptInvitationInput:
    token: str = strawberry.field(description="The single-use token from the invitation e-mail.")
    password: str = strawberry.field(description="The new password.")


@strawberry.input(description="A new password for the signed-in user.")
class ChangePasswordInput:
    current_password: str = strawberry.field(description="The password used now.")
    new_password: str = strawberry.field(description="The new password.")


@strawberry.input(description="Ask for a password-reset e-mail.")
class RequestPasswordResetInput:
    email: str = strawberry.field(description="The account's e-mail address.")


@strawberry.type(description="The result of requestPasswordReset: the same whether or not the address has an account.")
class RequestPasswordResetPayload:
    accepted: bool = strawberry.field(
        default=False,
        description="Always true for a well-formed address: the answer never tells whether it has an account.",
    )
    user_errors: list[UserError] = strawberry.field(
        description="INVALID for a malformed address, RATE_LIMITED when asked too often.", default_factory=list
    )


@strawberry.input(description="Set a new password with a reset token.")
class ResetPasswordInput:
    token: str = strawberry.field(description="The single-use token from the reset e-mail.")
    new_password: str = strawberry.field(description="The new password.")


from schema.errors import UserError  # noqa: E402
