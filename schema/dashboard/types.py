from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated
from uuid import UUID

import strawberry

from domain import dashboard
from domain.viewer import Viewer
from resolvers import dashboard as dashboard_reads
from schema.clients.timeline import ActivityEvent
from schema.clients.types import Client
from schema.context import Info
from schema.enums import ClientCategory
from schema.messages.types import Message, messages_with_bodies
from schema.pagination import check_first
from schema.sessions.types import RescheduleProposal, Session


@strawberry.type
class CategoryCount:
    category: ClientCategory
    count: int


@strawberry.enum
class RecommendedActionKind(Enum):
    FOLLOW_UP_RECENT = strawberry.enum_value(
        "FOLLOW_UP_RECENT", description="Clients whose last session was 0-14 days ago and who have not rebooked."
    )
    RE_ENGAGE_OLDER = strawberry.enum_value(
        "RE_ENGAGE_OLDER", description="Clients whose last session was 14 or more days ago."
    )


@strawberry.type
class RecommendedFilter:
    categories: list[ClientCategory]


@strawberry.type
class RecommendedAction:
    kind: RecommendedActionKind
    title: str
    count: int
    filter: RecommendedFilter = strawberry.field(description="The filter that selecting this prompt applies.")


@strawberry.enum
class PendingActionKind(Enum):
    CONFIRM_BOOKING = "CONFIRM_BOOKING"
    RESPOND_TO_PROPOSAL = "RESPOND_TO_PROPOSAL"
    UNREAD_MESSAGE = "UNREAD_MESSAGE"
    REVIEW_FEEDBACK = "REVIEW_FEEDBACK"
    ADD_SESSION_NOTES = "ADD_SESSION_NOTES"


@strawberry.type
class PendingAction:
    kind: PendingActionKind
    since: datetime
    _item: strawberry.Private[dashboard.PendingItem]

    @strawberry.field
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._item.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._item.client_id)
        return Client.from_model(row) if row else None

    @strawberry.field
    async def session(self, info: Info) -> Session | None:
        if self._item.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._item.session_id)
        return Session.from_model(row) if row else None

    @strawberry.field
    async def message(self, info: Info) -> Annotated["Message", strawberry.lazy("schema.messages.types")] | None:
        if self._item.message_id is None:
            return None
        row = await dashboard_reads.message(info.context.signed_in_viewer, self._item.message_id)
        return (await messages_with_bodies(info, row.conversation, [row]))[0] if row else None

    @strawberry.field
    async def proposal(self, info: Info) -> RescheduleProposal | None:
        if self._item.proposal_id is None:
            return None
        row = await dashboard_reads.proposal(info.context.signed_in_viewer, self._item.proposal_id)
        return RescheduleProposal.from_model(row) if row else None


@strawberry.type
class CoachDashboard:
    _viewer: strawberry.Private[Viewer]
    _coach_id: strawberry.Private[UUID]

    @strawberry.field
    async def upcoming_sessions(self, first: int | None = 10) -> list[Session]:
        rows = await dashboard_reads.upcoming_sessions(self._viewer, check_first(first))
        return [Session.from_model(r) for r in rows]

    @strawberry.field
    async def recent_activity(self, first: int | None = 20) -> list[ActivityEvent]:
        rows = await dashboard_reads.recent_activity(self._viewer, check_first(first))
        return [ActivityEvent.from_model(r) for r in rows]

    @strawberry.field
    async def pending_actions(self) -> list[PendingAction]:
        items = await dashboard.pending_actions(self._coach_id)
        return [PendingAction(kind=PendingActionKind(i.kind), since=i.since, _item=i) for i in items]

    @strawberry.field
    async def category_counts(self) -> list[CategoryCount]:
        counts = await dashboard.category_counts(self._coach_id)
        return [CategoryCount(category=c, count=n) for c, n in counts.items()]

    @strawberry.field
    async def recommended_actions(self) -> list[RecommendedAction]:
        counts = await dashboard.category_counts(self._coach_id)
        prompts = [
            (RecommendedActionKind.FOLLOW_UP_RECENT, "Follow up with recent clients", dashboard.FOLLOW_UP_RECENT),
            (
                RecommendedActionKind.RE_ENGAGE_OLDER,
                "Re-engage clients you have not seen for a while",
                dashboard.RE_ENGAGE_OLDER,
            ),
        ]
        return [
            RecommendedAction(
                kind=kind,
                title=title,
                count=sum(counts[c] for c in cats),
                filter=RecommendedFilter(categories=list(cats)),
            )
            for kind, title, cats in prompts
        ]
