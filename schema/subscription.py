"""Subscriptions over graphql-transport-ws: each event is re-read through the same scopes as a
query, so a socket only ever receives what its viewer may see."""

from __future__ import annotations

from typing import AsyncGenerator, Optional
from uuid import UUID

import strawberry
from tortoise.expressions import Subquery

import models
from domain import access
from schema.errors import ApiError
from schema.node import uuid_of
from schema.permissions import IsAuthenticated
from schema.types.message import Message, messages_with_bodies
from schema.types.notification import Notification
from schema.types.session import Session

MAX_SUBSCRIPTIONS_PER_SOCKET = 10


async def _events(info, kind: str) -> AsyncGenerator[UUID, None]:
    context = info.context
    if context.subscriptions >= MAX_SUBSCRIPTIONS_PER_SOCKET:
        raise ApiError(f"At most {MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection.", "RATE_LIMITED")
    context.subscriptions += 1
    try:
        async with context.events.listen() as queue:
            while True:
                event = await queue.get()
                if event.get("kind") == kind:
                    yield UUID(event["id"])
    finally:
        context.subscriptions -= 1


@strawberry.type
class Subscription:
    @strawberry.subscription(permission_classes=[IsAuthenticated], description="The viewer's own notifications as they are created.")
    async def notification_added(self, info: strawberry.Info) -> AsyncGenerator[Notification, None]:
        user_id = info.context.viewer.user_id
        async for notification_id in _events(info, "notification"):
            row = await models.Notification.get_or_none(id=notification_id, user_id=user_id)
            if row is not None:
                yield Notification.from_model(row)

    @strawberry.subscription(permission_classes=[IsAuthenticated], description="New messages in the viewer's conversations.")
    async def message_received(
        self, info: strawberry.Info, conversation_id: Optional[strawberry.ID] = None
    ) -> AsyncGenerator[Message, None]:
        viewer = info.context.viewer
        only = uuid_of(conversation_id, "Conversation") if conversation_id is not None else None
        visible = models.Conversation.filter(access.conversations(viewer))
        if only is not None:
            visible = visible.filter(id=only)
        async for message_id in _events(info, "message"):
            row = await models.Message.filter(id=message_id, conversation_id__in=Subquery(visible.values("id"))).select_related(
                "conversation").first()
            if row is not None and row.sender_user_id != viewer.user_id:  # what others wrote
                yield (await messages_with_bodies(info, row.conversation, [row]))[0]

    @strawberry.subscription(permission_classes=[IsAuthenticated], description="Sessions the viewer may see, whenever their status or time changes.")
    async def session_changed(self, info: strawberry.Info) -> AsyncGenerator[Session, None]:
        async for session_id in _events(info, "session"):
            row = await models.Session.filter(access.sessions(info.context.viewer), id=session_id).first()
            if row is not None:
                yield Session.from_model(row)
