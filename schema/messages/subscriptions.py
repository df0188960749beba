"""Messages, live: what others write in the viewer's conversations."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from uuid import UUID

import strawberry

from resolvers import messages
from schema.context import Info
from schema.errors import ApiError
from schema.live import deliver, id_argument
from schema.messages.types import Message, messages_with_bodies
from schema.permissions import IsAuthenticated


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated], description="New messages in the viewer's conversations."
    )
    async def message_received(
        self, info: Info, conversation_id: strawberry.ID | None = None
    ) -> AsyncGenerator[Message, None]:
        viewer = info.context.signed_in_viewer
        only = None
        if conversation_id is not None:
            only = id_argument(conversation_id, "Conversation")
            if await messages.visible(viewer, only) is None:  # another's conversation reads like a missing one
                raise ApiError("Conversation not found.", "NOT_FOUND")

        async def load(message_id: UUID) -> Message | None:
            row = await messages.received(viewer, message_id, only)
            return (await messages_with_bodies(info, row.conversation, [row]))[0] if row is not None else None

        async for message in deliver(info, "message", load):
            yield message
