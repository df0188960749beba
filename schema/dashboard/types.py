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
from schema.enums import ClientCategory, describe_values
from schema.messages.types import Message, messages_with_bodies
from schema.pagination import check_first
from schema.sessions.types import RescheduleProposal, Session


@strawberry.type(description="How many of the coach's clients are in one category.")
class CategoryCount:
    category: ClientCategory = strawberry.field(description="The category.")
    count: int = strawberry.field(description="The coach's clients in it now.")


@strawberry.enum(description="A prompt of the My Clients page.")
class RecommendedActionKind(Enum):
    FOLLOW_UP_RECENT = strawberry.enum_value(
        "FOLLOW_UP_RECENT", description="Clients whose last session was 0-14 days ago and who have not rebooked."
    )
    RE_ENGAGE_OLDER = strawberry.enum_value(
        "RE_ENGAGE_OLDER", description="Clients whose last session was 14 or more days ago."
    )


@strawberry.type(
    description="A client-list filter a prompt applies: pass `categories` as ClientFilter.categories to myClients."
)
class RecommendedFilter:
    categories: list[ClientCategory] = strawberry.field(description="The categories the prompt is about.")


@strawberry.type(
    description="A prompt on the My Clients page: a group of clients to act on, with how many there are and the filter that lists them."
)
class RecommendedAction:
    kind: RecommendedActionKind = strawberry.field(
        description="Which prompt (FOLLOW_UP_RECENT: category PREVIOUSLY_BOOKED_0_14; RE_ENGAGE_OLDER: PREVIOUSLY_BOOKED_14_30 and PREVIOUSLY_BOOKED_30_PLUS)."
    )
    title: str = strawberry.field(description="The prompt's text, for display.")
    count: int = strawberry.field(description="Clients the filter matches now.")
    filter: RecommendedFilter = strawberry.field(description="The filter that selecting this prompt applies.")


@strawberry.enum(description="Something waiting for the coach.")
class PendingActionKind(Enum):
    CONFIRM_BOOKING = "CONFIRM_BOOKING"
    RESPOND_TO_PROPOSAL = "RESPOND_TO_PROPOSAL"
    UNREAD_MESSAGE = "UNREAD_MESSAGE"
    REVIEW_FEEDBACK = "REVIEW_FEEDBACK"
    ADD_SESSION_NOTES = "ADD_SESSION_NOTES"


describe_values(
    PendingActionKind,
    CONFIRM_BOOKING="A client's PENDING booking to confirm or decline before it starts.",
    RESPOND_TO_PROPOSAL="A client proposed another time; accept or decline it.",
    UNREAD_MESSAGE="A conversation has a message from the client the coach has not read.",
    REVIEW_FEEDBACK="A client left feedback in the last 14 days.",
    ADD_SESSION_NOTES="A completed session has no note of the coach yet.",
)


@strawberry.type(description="One thing waiting for the coach, with what it is about. Newest first, at most 100.")
class PendingAction:
    kind: PendingActionKind = strawberry.field(description="What is waiting.")
    since: datetime = strawberry.field(description="Since when it waits.")
    _item: strawberry.Private[dashboard.PendingItem]

    @strawberry.field(description="The client it is about.")
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._item.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._item.client_id)
        return Client.from_model(row) if row else None

    @strawberry.field(
        description="The session, for CONFIRM_BOOKING, RESPOND_TO_PROPOSAL, REVIEW_FEEDBACK and ADD_SESSION_NOTES."
    )
    async def session(self, info: Info) -> Session | None:
        if self._item.session_id is None:
            return None
        row = await info.context.loaders.session.load(self._item.session_id)
        return Session.from_model(row) if row else None

    @strawberry.field(description="The latest unread message, for UNREAD_MESSAGE.")
    async def message(self, info: Info) -> Annotated["Message", strawberry.lazy("schema.messages.types")] | None:
        if self._item.message_id is None:
            return None
        row = await dashboard_reads.message(info.context.signed_in_viewer, self._item.message_id)
        return (await messages_with_bodies(info, row.conversation, [row]))[0] if row else None

    @strawberry.field(description="The client's open proposal, for RESPOND_TO_PROPOSAL.")
    async def proposal(self, info: Info) -> RescheduleProposal | None:
        if self._item.proposal_id is None:
            return None
        row = await dashboard_reads.proposal(info.context.signed_in_viewer, self._item.proposal_id)
        return RescheduleProposal.from_model(row) if row else None


@strawberry.type(description="The signed-in coach's overview: the top of the My Clients page.")
class CoachDashboard:
    _viewer: strawberry.Private[Viewer]
    _coach_id: strawberry.Private[UUID]

    @strawberry.field(
        description="The coach's pending and confirmed sessions still to come, soonest first (`first` up to 100)."
    )
    async def upcoming_sessions(self, first: int | None = 10) -> list[Session]:
        rows = await dashboard_reads.upcoming_sessions(self._viewer, check_first(first))
        return [Session.from_model(r) for r in rows]

    @strawberry.field(description="The latest events across the coach's clients, newest first (`first` up to 100).")
    async def recent_activity(self, first: int | None = 20) -> list[ActivityEvent]:
        rows = await dashboard_reads.recent_activity(self._viewer, check_first(first))
        return [ActivityEvent.from_model(r) for r in rows]

    @strawberry.field(
        description="What waits for the coach: bookings to confirm, clients' proposals to answer, unread messages, feedback of the last 14 days, completed sessions without notes."
    )
    async def pending_actions(self) -> list[PendingAction]:
        items = await dashboard.pending_actions(self._coach_id)
        return [PendingAction(kind=PendingActionKind(i.kind), since=i.since, _item=i) for i in items]

    @strawberry.field(description="How many clients are in each category (every category, zeros included).")
    async def category_counts(self) -> list[CategoryCount]:
        counts = await dashboard.category_counts(self._coach_id)
        return [CategoryCount(category=c, count=n) for c, n in counts.items()]

    @strawberry.field(
        description="The two prompts, FOLLOW_UP_RECENT and RE_ENGAGE_OLDER, with their counts and filters."
    )
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
