"""Subscriptions over graphql-transport-ws: each event is re-read through the same scopes as a
query, so a socket only ever receives what its viewer may see, and only while the credential
it signed in with still holds (the socket re-checks it before each delivery: app.sockets)."""

from __future__ import annotations

from typing import Any, AsyncGenerator, Awaitable, Callable, Optional, TypeVar
from uuid import UUID

import strawberry
from tortoise.expressions import Subquery

import models
from domain import access
from schema.errors import ApiError
from schema.node import uuid_of
from schema.permissions import IsAuthenticated
from schema.messages.types import Message, messages_with_bodies
from schema.notifications.types import Notification
from schema.sessions.types import Session

MAX_SUBSCRIPTIONS_PER_SOCKET = 10


T = TypeVar("T")


async def _deliver(info, kind: str, load: Callable[[UUID], Awaitable[Optional[T]]]) -> AsyncGenerator[T, None]:
    """The `kind` events this viewer may see, each loaded by `load` (None: not theirs), until the
    socket's credential ends."""
    context = info.context
    if context.subscriptions >= MAX_SUBSCRIPTIONS_PER_SOCKET:
        raise ApiError(f"At most {MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection.", "RATE_LIMITED")
    context.subscriptions += 1
    try:
        async with context.events.listen() as queue:
            while True:
                event = await queue.get()
                if event.get("kind") != kind:
                    continue
                item = await load(UUID(event["id"]))
                if item is None:
                    continue
                # Asked last, right before sending: a socket whose credential ended gets nothing.
                if context.socket is None or not await context.socket.may_deliver():
                    return
                yield item
    finally:
        context.subscriptions -= 1


def _id_argument(global_id: Any, expected_type: str) -> UUID:
    """A subscription's id argument: anything but a `expected_type` id is an error, never a
    filter dropped (which would deliver everything)."""
    uid = uuid_of(global_id, expected_type)
    if uid is None:
        raise ApiError(f"{expected_type} not found.", "NOT_FOUND")
    return uid


@strawberry.type
class Subscription:
    @strawberry.subscription(permission_classes=[IsAuthenticated], description="The viewer's own notifications as they are created.")
    async def notification_added(self, info: strawberry.Info) -> AsyncGenerator[Notification, None]:
        user_id = info.context.viewer.user_id

        async def load(notification_id: UUID) -> Optional[Notification]:
            row = await models.Notification.get_or_none(id=notification_id, user_id=user_id)
            return Notification.from_model(row) if row is not None else None

        async for notification in _deliver(info, "notification", load):
            yield notification

    @strawberry.subscription(permission_classes=[IsAuthenticated], description="New messages in the viewer's conversations.")
    async def message_received(
        self, info: strawberry.Info, conversation_id: Optional[strawberry.ID] = None
    ) -> AsyncGenerator[Message, None]:
        viewer = info.context.viewer
        visible = models.Conversation.filter(access.conversations(viewer))
        if conversation_id is not None:
            visible = visible.filter(id=_id_argument(conversation_id, "Conversation"))
            if not await visible.exists():  # another's conversation reads like a missing one
                raise ApiError("Conversation not found.", "NOT_FOUND")

        async def load(message_id: UUID) -> Optional[Message]:
            row = await models.Message.filter(id=message_id, conversation_id__in=Subquery(visible.values("id"))).select_related(
                "conversation").first()
            if row is None or row.sender_user_id == viewer.user_id:  # only what others wrote
                return None
            return (await messages_with_bodies(info, row.conversation, [row]))[0]

        async for message in _deliver(info, "message", load):
            yield message

    @strawberry.subscription(permission_classes=[IsAuthenticated], description="Sessions the viewer may see, whenever their status or time changes.")
    async def session_changed(self, info: strawberry.Info) -> AsyncGenerator[Session, None]:
        async def load(session_id: UUID) -> Optional[Session]:
            row = await models.Session.filter(access.sessions(info.context.viewer), id=session_id).first()
            return Session.from_model(row) if row is not None else None

        async for session in _deliver(info, "session", load):
            yield session
