from __future__ import annotations

from typing import Optional

import strawberry

from models.enums import Role
from resolvers import api_keys, messages, notifications, organisations, users
from schema.accounts.api_keys import ApiKey
from schema.permissions import signed_in
from schema.messages.types import ConversationConnection, MessageTemplate
from schema.notifications.types import NotificationConnection
from schema.organisations.types import Organisation, OrganisationConnection
from schema.accounts.types import Viewer


@strawberry.type
class Query:
    @strawberry.field(permission_classes=signed_in())
    async def viewer(self, info: strawberry.Info) -> Viewer:
        return await users.viewer(info)


    @strawberry.field(permission_classes=signed_in(), description="Defaults to the viewer's own organisation.")
    async def organisation(self, info: strawberry.Info, id: Optional[strawberry.ID] = None) -> Optional[Organisation]:  # noqa: A002
        return await organisations.organisation(info, id)

    @strawberry.field(permission_classes=signed_in())
    async def organisations(self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None) -> OrganisationConnection:
        return await organisations.organisations(info, first, after)

    @strawberry.field(permission_classes=signed_in(Role.COACH, Role.CLIENT))
    async def conversations(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None, unread_only: Optional[bool] = False
    ) -> ConversationConnection:
        return await messages.conversations(info, first, after, bool(unread_only))

    @strawberry.field(permission_classes=signed_in(Role.COACH))
    async def message_templates(self, info: strawberry.Info) -> list[MessageTemplate]:
        return await messages.message_templates(info)

    @strawberry.field(permission_classes=signed_in())
    async def notifications(
        self, info: strawberry.Info, first: Optional[int] = 50, after: Optional[str] = None, unread_only: Optional[bool] = False
    ) -> NotificationConnection:
        return await notifications.notifications(info, first, after, bool(unread_only))

    @strawberry.field(permission_classes=signed_in(Role.ADMIN, Role.ORG_ADMIN))
    async def api_keys(self, info: strawberry.Info) -> list[ApiKey]:
        return await api_keys.api_keys(info)


