"""Live delivery for subscriptions over graphql-transport-ws, shared by the areas' subscriptions.py:
each event is re-read through the same scopes as a query, so a socket only ever receives what its
viewer may see, and only while the credential it signed in with still holds (the socket re-checks
it before each delivery: app.sockets)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

from schema.context import Info
from schema.errors import ApiError
from schema.node import uuid_of

MAX_SUBSCRIPTIONS_PER_SOCKET = 10

T = TypeVar("T")


async def deliver(info: Info, kind: str, load: Callable[[UUID], Awaitable[T | None]]) -> AsyncGenerator[T, None]:
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


def id_argument(global_id: Any, expected_type: str) -> UUID:
    """A subscription's id argument: anything but a `expected_type` id is an error, never a
    filter dropped (which would deliver everything)."""
    uid = uuid_of(global_id, expected_type)
    if uid is None:
        raise ApiError(f"{expected_type} not found.", "NOT_FOUND")
    return uid
