from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry

import models
from domain import access
from domain import eligibility as eligibility_rules
from domain.privacy import DELETED_NAME
from resolvers import notes as note_reads
from resolvers import sessions as session_reads
from schema.coaches.types import Coach, Service
from schema.connection import Connection
from schema.context import Info
from schema.credits.types import CreditTransaction
from schema.enums import CoachKind, ProposalStatus, RefundStatus, Role, SessionFormat, SessionStatus
from schema.errors import UserError
from schema.inputs import multiline
from schema.lazy import lazy_class
from schema.loaders import resolved
from schema.node import Entity, loads_nodes, uuid_of
from schema.notes.types import Note, notes_with_bodies
from schema.notifications.types import Feedback, session_feedback
from schema.pagination import Ordering, paginate

if TYPE_CHECKING:
    from schema.clients.types import Client

client_type: "Callable[[], type[Client]]" = lazy_class("Client", "schema.clients.types")


@strawberry.type
class Cancellation:
    cancelled_at: datetime
    cancelled_by: Role
    reason: str | None
    late: bool = strawberry.field(description="Cancelled by the client inside the coach's cancellation window.")
    refund: RefundStatus


@strawberry.type
class RescheduleProposal(Entity):
    proposed_by: Role
    starts_at: datetime
    ends_at: datetime
    message: str | None
    status: ProposalStatus
    created_at: datetime
    _m: strawberry.Private[models.RescheduleProposal]

    @classmethod
    def from_model(cls, m: models.RescheduleProposal) -> "RescheduleProposal":
        return cls(
            uid=str(m.id),
            proposed_by=m.proposed_by,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            message=m.message,
            status=m.status,
            created_at=m.created_at,
            _m=m,
        )

    @strawberry.field
    async def session(self, info: Info) -> "Session":
        return Session.from_model(await info.context.loaders.session.load(self._m.session_id))


@strawberry.type
class Session(Entity):
    kind: CoachKind
    format: SessionFormat
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus
    meeting_url: str | None
    booked_by: Role
    created_at: datetime
    _m: strawberry.Private[models.Session]

    @classmethod
    def from_model(cls, m: models.Session) -> "Session":
        return cls(
            uid=str(m.id),
            kind=m.kind,
            format=m.format,
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            status=m.status,
            meeting_url=m.meeting_url,
            booked_by=m.booked_by,
            created_at=m.created_at,
            _m=m,
        )

    @strawberry.field
    async def coach(self, info: Info) -> Coach:
        return Coach.from_model(await info.context.loaders.coach.load(self._m.coach_id))

    @strawberry.field(description="Null once the client was deleted; clientName then reads 'Deleted Client'.")
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._m.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._m.client_id)
        return client_type().from_model(row) if row else None

    @strawberry.field
    async def client_name(self, info: Info) -> str:
        """A viewer who can see the session but no longer the client (a coach who removed them
        from the practice) reads "Deleted Client", like everyone once the profile is gone."""
        if self._m.client_id is None:
            return DELETED_NAME
        row = await info.context.loaders.client.load(self._m.client_id)
        return row.name if row else DELETED_NAME

    @strawberry.field
    async def service(self, info: Info) -> Service:
        return Service.from_model(await info.context.loaders.service.load(self._m.service_id))

    @strawberry.field(description="Notes the client left when booking.")
    def booking_notes(self, info: Info) -> str | None:
        return self._m.booking_notes if access.may_read_session_details(info.context.signed_in_viewer) else None

    @strawberry.field
    def cancellation(self, info: Info) -> Cancellation | None:
        m = self._m
        if m.cancelled_at is None:
            return None
        reason = m.cancel_reason if access.may_read_session_details(info.context.signed_in_viewer) else None
        return Cancellation(
            cancelled_at=m.cancelled_at,
            cancelled_by=m.cancelled_by,
            reason=reason,
            late=m.late_cancellation,
            refund=m.refund_status,
        )

    @strawberry.field
    async def proposals(self, info: Info) -> list[RescheduleProposal]:
        rows = await session_reads.proposals(self._m.id)
        details = access.may_read_session_details(info.context.signed_in_viewer)
        proposals = [RescheduleProposal.from_model(r) for r in rows]
        if not details:  # an organisation sees times and statuses, not what people wrote
            for proposal in proposals:
                proposal.message = None
        return proposals

    @strawberry.field(description="Coach: all notes on the session; client: only those shared with them.")
    async def notes(self, info: Info) -> list[Annotated["Note", strawberry.lazy("schema.notes.types")]]:
        rows = await note_reads.session_notes(info.context.signed_in_viewer, self._m.id)
        return await notes_with_bodies(info, list(rows))

    @strawberry.field
    async def feedback(self, info: Info) -> Annotated["Feedback", strawberry.lazy("schema.notifications.types")] | None:
        if not access.may_read_session_details(info.context.signed_in_viewer):
            return None  # an organisation sees time, coach and status only
        return await session_feedback(info, self._m.id)

    @strawberry.field
    async def series(self, info: Info) -> "SessionSeries | None":
        if self._m.series_id is None:
            return None
        row = await info.context.loaders.series.load(self._m.series_id)
        return SessionSeries.from_model(row) if row else None

    @strawberry.field
    async def credit_transactions(
        self, info: Info
    ) -> list[Annotated["CreditTransaction", strawberry.lazy("schema.credits.types")]]:
        rows = await models.CreditTransaction.filter(
            access.credit_transactions(info.context.signed_in_viewer), session_id=self._m.id
        ).order_by("created_at", "id")
        return [CreditTransaction.from_model(r) for r in rows]


@strawberry.type(name="SessionConnection")
class SessionConnection(Connection[Session]):
    pass


@strawberry.type(description="Sessions booked together at the same local time every week or every few weeks.")
class SessionSeries(Entity):
    interval_weeks: int
    created_at: datetime
    _m: strawberry.Private[models.SessionSeries]

    @classmethod
    def from_model(cls, m: models.SessionSeries) -> "SessionSeries":
        return cls(uid=str(m.id), interval_weeks=m.interval_weeks, created_at=m.created_at, _m=m)

    @strawberry.field
    async def coach(self, info: Info) -> Coach:
        return Coach.from_model(await info.context.loaders.coach.load(self._m.coach_id))

    @strawberry.field
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._m.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._m.client_id)
        return client_type().from_model(row) if row else None

    @strawberry.field
    async def service(self, info: Info) -> Service:
        return Service.from_model(await info.context.loaders.service.load(self._m.service_id))

    @strawberry.field(description="The series' sessions in time order, cancelled ones included.")
    async def sessions(self, info: Info, first: int | None = 52, after: str | None = None) -> SessionConnection:
        query = session_reads.series_sessions(info.context.signed_in_viewer, self._m.id)
        page = await paginate(query, BY_START, first, after)
        return SessionConnection.of(page, [Session.from_model(r) for r in page.rows])


@loads_nodes("SessionSeries")
async def load_series(info: Info, ids: list[UUID]) -> list[SessionSeries | None]:
    rows = {s.id: s for s in await session_reads.series_in_scope(info.context.signed_in_viewer).filter(id__in=ids)}
    return [SessionSeries.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.input
class SessionFilter:
    statuses: list[SessionStatus] | None = None
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    client_id: strawberry.ID | None = None
    coach_id: strawberry.ID | None = None


@strawberry.input
class BookSessionInput:
    service_id: strawberry.ID
    starts_at: datetime
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required when a coach or admin books for a client; a client books for themself."
    )
    booking_notes: str | None = multiline(default=None)
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the first result instead of booking twice."
    )


@strawberry.input
class SessionInput:
    session_id: strawberry.ID


@strawberry.enum
class SeriesScope(Enum):
    THIS = "THIS"
    THIS_AND_FOLLOWING = "THIS_AND_FOLLOWING"


@strawberry.input
class CancelSessionInput:
    session_id: strawberry.ID
    reason: str | None = multiline(default=None)
    scope: SeriesScope | None = strawberry.field(
        default=SeriesScope.THIS,
        description="For a session of a series: this one only, or this and every later one.",
    )


@strawberry.input
class BookSeriesInput:
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required when a coach or admin books; a client books for themself."
    )
    service_id: strawberry.ID
    first_starts_at: datetime
    interval_weeks: int = strawberry.field(default=1, description="1 = weekly, 2 = every other week; 1 to 4.")
    count: int = strawberry.field(description="Sessions in the series, 2 to 52.")
    booking_notes: str | None = multiline(default=None)
    idempotency_key: str | None = None


@strawberry.type
class SeriesPayload:
    series: SessionSeries | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SessionPayload:
    session: Session | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@loads_nodes("Session")
async def load_sessions(info: Info, ids: list[UUID]) -> list[Session | None]:
    rows = {s.id: s for s in await session_reads.visible_sessions(info.context.signed_in_viewer, ids)}
    return [Session.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.input(
    description="A coach logs a session that already took place (history brought over from another tool); no credits move."
)
class RecordPastSessionInput:
    client_id: strawberry.ID
    service_id: strawberry.ID
    starts_at: datetime
    status: SessionStatus
    booking_notes: str | None = multiline(default=None)


@strawberry.input
class DeclineSessionInput:
    session_id: strawberry.ID
    reason: str | None = multiline(default=None)
    proposed_starts_at: datetime | None = strawberry.field(
        default=None, description="Optionally suggest another time instead."
    )


@strawberry.input
class ProposeRescheduleInput:
    session_id: strawberry.ID
    starts_at: datetime
    message: str | None = multiline(default=None)


@strawberry.input
class RespondToProposalInput:
    proposal_id: strawberry.ID
    accept: bool
    counter_starts_at: datetime | None = strawberry.field(
        default=None, description="Decline and suggest this time instead."
    )
    message: str | None = multiline(default=None)


@strawberry.type
class ProposalPayload:
    proposal: RescheduleProposal | None = None
    session: Session | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


IneligibilityReason = eligibility_rules.Reason
strawberry.enum(IneligibilityReason, name="IneligibilityReason")  # registered in place


@strawberry.type
class BookingEligibility:
    eligible: bool
    reasons: list[IneligibilityReason]

    @classmethod
    def of(cls, verdict: eligibility_rules.Eligibility) -> "BookingEligibility":
        return cls(eligible=verdict.eligible, reasons=list(verdict.reasons))


def eligibility_key(client_id: UUID, service_id: str | None) -> tuple[UUID, UUID | None]:
    """The eligibility loader's key: an unknown or invisible service is judged as no service."""
    return client_id, uuid_of(service_id, "Service") if service_id is not None else None


def client_eligibility(info: Info, client_id: UUID, service_id: str | None) -> Any:
    """Eligibility of a visible client (batched: a page of clients costs one facts query and one
    service lookup); the value, or an awaitable of it (schema.loaders.resolved)."""
    return resolved(info.context.loaders.eligibility, eligibility_key(client_id, service_id), BookingEligibility.of)


BY_START = Ordering((("starts_at", False), ("id", False)))


async def session_connection(
    info: Info,
    first: int | None,
    after: str | None,
    filter: SessionFilter | None,
    *,
    of_client: UUID | None = None,
) -> SessionConnection:
    """A page of the viewer's sessions (of one client, for Client.sessions), filtered."""
    narrowed: dict[str, Any] = {}
    if filter is not None:
        narrowed = {"statuses": filter.statuses, "starts_from": filter.from_, "starts_before": filter.to}
        # An id that does not decode matches nothing (not "client IS NULL").
        if filter.client_id is not None:
            narrowed["client_id"] = uuid_of(filter.client_id, "Client") or uuid.UUID(int=0)
        if filter.coach_id is not None:
            narrowed["coach_id"] = uuid_of(filter.coach_id, "Coach") or uuid.UUID(int=0)
    query = session_reads.sessions(info.context.signed_in_viewer, of_client=of_client, **narrowed)
    page = await paginate(query, BY_START, first, after)
    return SessionConnection.of(page, [Session.from_model(r) for r in page.rows])
