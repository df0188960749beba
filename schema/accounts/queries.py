"""Accounts: who is signed in, and the API keys an admin manages."""

from __future__ import annotations

import strawberry

import models
from models.enums import Role
from resolvers import accounts as account_reads
from schema.accounts.api_keys import ApiKey
from schema.accounts.types import User, Viewer
from schema.context import Info
from schema.permissions import signed_in


@strawberry.type
class Query:
    @strawberry.field(
        description="Any signed-in viewer: who is signed in (user, role) and their coach, client or organisation profile. An API key appears as its organisation's automation.",
        permission_classes=signed_in(),
    )
    async def viewer(self, info: Info) -> Viewer:
        viewer = info.context.signed_in_viewer
        row = await account_reads.signed_in_as(viewer)
        if isinstance(row, models.ApiKey):
            # An API key has no user of its own; it appears as its organisation's automation.
            user = User(uid=str(row.id), email="", name=viewer.name, role=viewer.role, created_at=row.created_at)
        else:
            user = User.from_model(row)
        return Viewer(user=user, role=viewer.role, _viewer=viewer)

    @strawberry.field(
        description="Admin: every API key; organisation admin: its organisation's keys. Never the secrets.",
        permission_classes=signed_in(Role.ADMIN, Role.ORG_ADMIN),
    )
    async def api_keys(self, info: Info) -> list[ApiKey]:
        return [ApiKey.from_model(row) for row in await account_reads.api_keys(info.context.signed_in_viewer)]
