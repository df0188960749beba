from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

import models
from domain import access
from schema.context import Info
from schema.node import Entity, loads_nodes
from schema.organisations.types import Organisation


@strawberry.type
class ApiKey(Entity):
    name: str
    prefix: str = strawberry.field(
        description="The first characters of the key, for recognising it; the full key is shown once, at creation."
    )
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
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

    @strawberry.field
    async def organisation(self, info: Info) -> Organisation | None:
        row = await info.context.loaders.organisation.load(self._m.organisation_id)
        return Organisation.from_model(row) if row else None


@loads_nodes("ApiKey")
async def load_api_keys(info: Info, ids: list[UUID]) -> list[ApiKey | None]:
    rows = {k.id: k for k in await models.ApiKey.filter(access.api_keys(info.context.signed_in_viewer), id__in=ids)}
    return [ApiKey.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.input
class CreateApiKeyInput:
    name: str
    organisation_id: strawberry.ID | None = None


@strawberry.input
class RevokeApiKeyInput:
    api_key_id: strawberry.ID


@strawberry.type
class CreateApiKeyPayload:
    api_key: ApiKey | None = None
    secret: str | None = strawberry.field(default=None, description="The full key; shown only in this response.")
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ApiKeyPayload:
    api_key: ApiKey | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


from schema.errors import UserError  # noqa: E402
