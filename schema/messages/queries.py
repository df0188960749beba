"""Messages: the viewer's conversations and the viewing coach's templates."""

from __future__ import annotations

import strawberry

from models.enums import Role
from resolvers import messages
from schema.context import Info
from schema.messages.types import Conversation, ConversationConnection, MessageTemplate
from schema.pagination import Ordering, paginate
from schema.permissions import signed_in

RECENT_FIRST = Ordering((("last_message_at", True), ("id", True)))


@strawberry.type
class Query:
    @strawberry.field(
        description="Coach or client: their own conversations, the most recently active first, optionally only those with unread messages.",
        permission_classes=signed_in(Role.COACH, Role.CLIENT),
    )
    async def conversations(
        self, info: Info, first: int | None = 50, after: str | None = None, unread_only: bool | None = False
    ) -> ConversationConnection:
        page = await paginate(
            messages.conversations(info.context.signed_in_viewer, bool(unread_only)),
            RECENT_FIRST,
            first,
            after,
            viewer=info.context.signed_in_viewer,
        )
        return ConversationConnection.of(page, [Conversation.from_model(r) for r in page.rows])

    @strawberry.field(description="Coach: their own message templates.", permission_classes=signed_in(Role.COACH))
    async def message_templates(self, info: Info) -> list[MessageTemplate]:
        return [MessageTemplate.from_model(r) for r in await messages.templates(info.context.signed_in_viewer)]
