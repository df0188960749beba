from __future__ import annotations

from typing import Optional

import strawberry

from models.enums import Role
from resolvers import messages, notifications
from schema.messages.types import ConversationConnection, MessageTemplate
from schema.notifications.types import NotificationConnection
from schema.permissions import signed_in


@strawberry.type
class Query:

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
