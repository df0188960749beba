"""Sessions, live: status and time changes of the sessions the viewer may see."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from uuid import UUID

import strawberry

from resolvers import sessions
from schema.context import Info
from schema.live import deliver
from schema.permissions import IsAuthenticated
from schema.sessions.types import Session


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[IsAuthenticated],
        description="Sessions the viewer may see, whenever their status or time changes.",
    )
    async def session_changed(self, info: Info) -> AsyncGenerator[Session, None]:
        viewer = info.context.signed_in_viewer

        async def load(session_id: UUID) -> Session | None:
            row = await sessions.visible(viewer, session_id)
            return Session.from_model(row) if row is not None else None

        async for session in deliver(info, "session", load):
            yield session
