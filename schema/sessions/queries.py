"""Sessions: the viewer's sessions, and one session by id."""

from __future__ import annotations

import strawberry

from resolvers import sessions as session_reads
from schema.context import Info
from schema.node import uuid_of
from schema.permissions import signed_in
from schema.sessions.types import Session, SessionConnection, SessionFilter, session_connection


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=signed_in(),
        description=(
            "Role-scoped: a coach's own sessions, a client's own, an organisation's members' (no notes), all for admins."
        ),
    )
    async def sessions(
        self,
        info: Info,
        first: int | None = 50,
        after: str | None = None,
        filter: SessionFilter | None = None,
    ) -> SessionConnection:
        return await session_connection(info, first, after, filter)

    @strawberry.field(
        description="Signed in: the session with this id if the viewer may see it, else null.",
        permission_classes=signed_in(),
    )
    async def session(self, info: Info, id: strawberry.ID) -> Session | None:
        uid = uuid_of(id, "Session")
        row = await session_reads.visible(info.context.signed_in_viewer, uid) if uid else None
        return Session.from_model(row) if row else None
