from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

import models
from domain import access
from schema.context import Info
from schema.node import Entity, loads_nodes
from schema.organisations.types import Organisation


@strawberry.type(
    description="A key a partner's automation signs in with (`Authorization: Bearer <key>`); it acts as its organisation's ORG_ADMIN, never as a platform admin. Only a hash is stored."
)
class ApiKey(Entity):
    name: str = strawberry.field(description="A label for people (e.g. 'HR system').")
    prefix: str = strawberry.field(
        description="The first characters of the key, for recognising it; the full key is shown once, at creation."
    )
    created_at: datetime = strawberry.field(description="When the key was created.")
    last_used_at: datetime | None = strawberry.field(
        description="When a request last signed in with it; null if never."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; a revoked key signs nothing in and its sockets close (4403)."
    )
    _m: strawberry.Private[models.ApiKey]

    @classmethod
    def from_model(cls, m: models.ApiKey) -> "ApiKey":
        return cls(
            uid=str(m.id),
            name=m.name,
            prefix=m.prefix,
            created_at=m.created_at,
            last_used_at=m.last_used_at,
            revoked_at=m.revoked_at,
            _m=m,
        )

    @strawberry.field(description="The organisation the key acts for.")
    async def organisation(self, info: Info) -> Organisation | None:
        row = await info.context.loaders.organisation.load(self._m.organisation_id)
        return Organisation.from_model(row) if row else None


@loads_nodes("ApiKey")
async def load_api_keys(info: Info, ids: list[UUID]) -> list[ApiKey | None]:
    rows = {k.id: k for k in await models.ApiKey.filter(access.api_keys(info.context.signed_in_viewer), id__in=ids)}
    return [ApiKey.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.input(description="A new API key.")
class CreateApiKeyInput:
    name: str = strawberry.field(description="A label for people.")
    organisation_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The organisation it acts for: required for platform admins; an organisation admin's key is always for its own organisation.",
    )


@strawberry.input(description="The key to revoke.")
class RevokeApiKeyInput:
    api_key_id: strawberry.ID = strawberry.field(description="The key.")


@strawberry.type(description="The new key; `secret` is the only time the full key is shown.")
class CreateApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(default=None, description="The key's record (without the secret).")
    secret: str | None = strawberry.field(default=None, description="The full key; shown only in this response.")
    user_errors: list[UserError] = strawberry.field(description="Why no key was created, if so.", default_factory=list)


@strawberry.type(description="The result of revokeApiKey.")
class ApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(default=None, description="The key as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


from schema.errors import UserError  # noqa: E402
