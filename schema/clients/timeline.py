from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

import models
from domain import access
from schema.connection import Edge
from schema.context import Info
from schema.enums import ActivityKind
from schema.lazy import lazy_class
from schema.node import Entity, loads_nodes
from schema.pagination import Ordering, Page, PageInfo

if TYPE_CHECKING:
    from schema.clients.types import Client
    from schema.sessions.types import Session

client_type: "Callable[[], type[Client]]" = lazy_class("Client", "schema.clients.types")

session_type: "Callable[[], type[Session]]" = lazy_class("Session", "schema.sessions.types")


@strawberry.type(
    description="One event of a client's activity timeline: profile, session, note, message, credit or feedback."
)
class ActivityEvent(Entity):
    kind: ActivityKind = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When it happened.")
    actor_name: str | None = strawberry.field(description="Who did it, as shown to the viewer.")
    summary: str = strawberry.field(description="A one-line account of it, for display (no private text).")
    _m: strawberry.Private[models.ActivityEvent]

    @classmethod
    def from_model(cls, m: models.ActivityEvent) -> "ActivityEvent":
        return cls(
            uid=str(m.id), kind=m.kind, occurred_at=m.occurred_at, actor_name=m.actor_name, summary=m.summary, _m=m
        )

    @strawberry.field(description="The session it is about, if any (and visible).")
    async def session(self, info: Info) -> Annotated["Session", strawberry.lazy("schema.sessions.types")] | None:
        if self._m.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._m.session_id)
        return session_type().from_model(row) if row else None

    @strawberry.field(description="The client whose timeline it belongs to.")
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._m.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._m.client_id)
        return client_type().from_model(row) if row else None


BY_OCCURRED = Ordering((("occurred_at", True), ("id", True)))


@strawberry.type(description="One event of a timeline page with its cursor.", name="ActivityEdge")
class ActivityEdge(Edge[ActivityEvent]):
    pass


@strawberry.type(description="A page of a client's activity timeline, newest first.", name="ActivityConnection")
class ActivityConnection:
    # Not a Connection[ActivityEvent]: the schema has always called its edges ActivityEdge, not ActivityEventEdge.
    edges: list[ActivityEdge] = strawberry.field(description="The page's events, each with its cursor.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more events follow.")
    total_count: int = strawberry.field(description="Events in the whole timeline with the same kinds.")

    @classmethod
    def of(cls, page: Page, nodes: list[ActivityEvent]) -> ActivityConnection:
        """Wrap a page whose rows were turned into `nodes` (same order)."""
        return cls(
            edges=[ActivityEdge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)],
            page_info=page.page_info,
            total_count=page.total_count,
        )


@loads_nodes("ActivityEvent")
async def load_events(info: Info, ids: list[UUID]) -> list[ActivityEvent | None]:
    rows = {
        e.id: e for e in await models.ActivityEvent.filter(access.activity(info.context.signed_in_viewer), id__in=ids)
    }
    return [ActivityEvent.from_model(rows[i]) if i in rows else None for i in ids]
