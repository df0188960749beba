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
from schema.enums import CoachKind, ProposalStatus, RefundStatus, Role, SessionFormat, SessionStatus, describe_values
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


@strawberry.type(
    description="Who cancelled a session, when, and what happens to its credits. A client cancelling later than the coach's cancellationWindowHours before the start is late and keeps no refund; any other cancellation (coach, admin, a declined or unanswered booking, a client in time) is refunded in full to the pools the credits came from."
)
class Cancellation:
    cancelled_at: datetime = strawberry.field(description="When it was cancelled.")
    cancelled_by: Role = strawberry.field(
        description="The role of who cancelled (a lapsed unanswered booking counts as the coach's side)."
    )
    reason: str | None = strawberry.field(description="The reason given, if any (not shown to organisations).")
    late: bool = strawberry.field(description="Cancelled by the client inside the coach's cancellation window.")
    refund: RefundStatus = strawberry.field(
        description="PENDING until a worker has returned the credits, then REFUNDED; NOT_REFUNDABLE for a late cancellation or a session that took no credits."
    )


@strawberry.type(
    description="A proposal by the coach or the client to move a future PENDING or CONFIRMED session to another time. One OPEN proposal per session: a newer one supersedes it; cancelling the session withdraws it."
)
class RescheduleProposal(Entity):
    proposed_by: Role = strawberry.field(description="COACH or CLIENT: the other side answers (respondToProposal).")
    starts_at: datetime = strawberry.field(description="The proposed new start.")
    ends_at: datetime = strawberry.field(description="The proposed new end (same length as the session).")
    message: str | None = strawberry.field(description="What the proposer wrote (not shown to organisations).")
    status: ProposalStatus = strawberry.field(description="Open, accepted, declined, superseded or withdrawn.")
    created_at: datetime = strawberry.field(description="When it was proposed.")
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

    @strawberry.field(description="The session to move.")
    async def session(self, info: Info) -> "Session":
        return Session.from_model(await info.context.loaders.session.load(self._m.session_id))


@strawberry.type(
    description="A booked session between a coach and a client. Coaches see their own, clients their own, organisation admins their members' (time, coach and status only: no notes, booking notes, reasons or feedback), admins all."
)
class Session(Entity):
    kind: CoachKind = strawberry.field(
        description="The coach's kind when booked: GLOBAL sessions took credits from the client's and the organisation's pool, INTERNAL ones from the client's only."
    )
    format: SessionFormat = strawberry.field(description="How it takes place (from the service).")
    starts_at: datetime = strawberry.field(description="Start.")
    ends_at: datetime = strawberry.field(description="End (start + the service's duration).")
    status: SessionStatus = strawberry.field(
        description="Where it stands: PENDING, CONFIRMED, CANCELLED, COMPLETED or NO_SHOW."
    )
    meeting_url: str | None = strawberry.field(description="The video link, if any.")
    booked_by: Role = strawberry.field(description="The role of who booked it.")
    created_at: datetime = strawberry.field(description="When it was booked.")
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

    @strawberry.field(description="The coach.")
    async def coach(self, info: Info) -> Coach:
        return Coach.from_model(await info.context.loaders.coach.load(self._m.coach_id))

    @strawberry.field(description="Null once the client was deleted; clientName then reads 'Deleted Client'.")
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._m.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._m.client_id)
        return client_type().from_model(row) if row else None

    @strawberry.field(description="The client's name, or 'Deleted Client' once the client was deleted or erased.")
    async def client_name(self, info: Info) -> str:
        """A viewer who can see the session but no longer the client (a coach who removed them
        from the practice) reads "Deleted Client", like everyone once the profile is gone."""
        if self._m.client_id is None:
            return DELETED_NAME
        row = await info.context.loaders.client.load(self._m.client_id)
        return row.name if row else DELETED_NAME

    @strawberry.field(description="The service booked.")
    async def service(self, info: Info) -> Service:
        return Service.from_model(await info.context.loaders.service.load(self._m.service_id))

    @strawberry.field(description="Notes the client left when booking.")
    def booking_notes(self, info: Info) -> str | None:
        return self._m.booking_notes if access.may_read_session_details(info.context.signed_in_viewer) else None

    @strawberry.field(description="Who cancelled, whether late, and the refund; null unless CANCELLED.")
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

    @strawberry.field(description="Its reschedule proposals, oldest first.")
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

    @strawberry.field(description="The client's feedback, once left (not shown to organisations).")
    async def feedback(self, info: Info) -> Annotated["Feedback", strawberry.lazy("schema.notifications.types")] | None:
        if not access.may_read_session_details(info.context.signed_in_viewer):
            return None  # an organisation sees time, coach and status only
        return await session_feedback(info, self._m.id)

    @strawberry.field(description="The series this session was booked in, if any.")
    async def series(self, info: Info) -> "SessionSeries | None":
        if self._m.series_id is None:
            return None
        row = await info.context.loaders.series.load(self._m.series_id)
        return SessionSeries.from_model(row) if row else None

    @strawberry.field(
        description="The ledger rows of this session (booking and refund, per pool) the viewer may read; empty for coaches."
    )
    async def credit_transactions(
        self, info: Info
    ) -> list[Annotated["CreditTransaction", strawberry.lazy("schema.credits.types")]]:
        rows = await models.CreditTransaction.filter(
            access.credit_transactions(info.context.signed_in_viewer), session_id=self._m.id
        ).order_by("created_at", "id")
        return [CreditTransaction.from_model(r) for r in rows]


@strawberry.type(description="A page of sessions, by start time.", name="SessionConnection")
class SessionConnection(Connection[Session]):
    pass


@strawberry.type(description="Sessions booked together at the same local time every week or every few weeks.")
class SessionSeries(Entity):
    interval_weeks: int = strawberry.field(description="Weeks between occurrences: 1 = weekly, up to 4.")
    created_at: datetime = strawberry.field(description="When the series was booked.")
    _m: strawberry.Private[models.SessionSeries]

    @classmethod
    def from_model(cls, m: models.SessionSeries) -> "SessionSeries":
        return cls(uid=str(m.id), interval_weeks=m.interval_weeks, created_at=m.created_at, _m=m)

    @strawberry.field(description="The coach every occurrence is with.")
    async def coach(self, info: Info) -> Coach:
        return Coach.from_model(await info.context.loaders.coach.load(self._m.coach_id))

    @strawberry.field(description="The client the series was booked for.")
    async def client(self, info: Info) -> Annotated["Client", strawberry.lazy("schema.clients.types")] | None:
        if self._m.client_id is None:
            return None
        row = await info.context.loaders.client.load(self._m.client_id)
        return client_type().from_model(row) if row else None

    @strawberry.field(description="The service of every occurrence.")
    async def service(self, info: Info) -> Service:
        return Service.from_model(await info.context.loaders.service.load(self._m.service_id))

    @strawberry.field(description="The series' sessions in time order, cancelled ones included.")
    async def sessions(self, info: Info, first: int | None = 52, after: str | None = None) -> SessionConnection:
        query = session_reads.series_sessions(info.context.signed_in_viewer, self._m.id)
        page = await paginate(query, BY_START, first, after, viewer=info.context.signed_in_viewer)
        return SessionConnection.of(page, [Session.from_model(r) for r in page.rows])


@loads_nodes("SessionSeries")
async def load_series(info: Info, ids: list[UUID]) -> list[SessionSeries | None]:
    rows = {s.id: s for s in await session_reads.series_in_scope(info.context.signed_in_viewer).filter(id__in=ids)}
    return [SessionSeries.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.input(description="Narrows a session list; the conditions combine with AND.")
class SessionFilter:
    statuses: list[SessionStatus] | None = strawberry.field(
        default=None, description="Sessions with any of these statuses."
    )
    from_: datetime | None = strawberry.field(
        description="Sessions that start at or after this instant.", default=None, name="from"
    )
    to: datetime | None = strawberry.field(default=None, description="Sessions that start before this instant.")
    client_id: strawberry.ID | None = strawberry.field(default=None, description="Sessions of this client.")
    coach_id: strawberry.ID | None = strawberry.field(default=None, description="Sessions with this coach.")


@strawberry.input(
    description="A booking. The start must be in the future, inside the coach's weekly availability, outside time off and clear of the coach's other sessions and their buffer; the client must be eligible (Client.eligibility)."
)
class BookSessionInput:
    service_id: strawberry.ID = strawberry.field(description="The service to book: its coach, length and credits.")
    starts_at: datetime = strawberry.field(
        description="The start; without an offset it is read as the coach's local time (a time the clocks skip is INVALID; one that happens twice needs an offset)."
    )
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required when a coach or admin books for a client; a client books for themself."
    )
    booking_notes: str | None = multiline(
        description="What the client wants the coach to know (not shown to organisations).", default=None
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Retrying with the same key returns the first result instead of booking twice."
    )


@strawberry.input(description="The session to act on.")
class SessionInput:
    session_id: strawberry.ID = strawberry.field(description="The session.")


@strawberry.enum(description="Which sessions of a series a cancellation reaches.")
class SeriesScope(Enum):
    THIS = "THIS"
    THIS_AND_FOLLOWING = "THIS_AND_FOLLOWING"


@strawberry.input(
    description="A cancellation. Late when a client cancels inside the coach's cancellation window: the credits are kept; otherwise every credit is refunded."
)
class CancelSessionInput:
    session_id: strawberry.ID = strawberry.field(description="A PENDING or CONFIRMED session that has not started.")
    reason: str | None = multiline(description="Why (not shown to organisations).", default=None)
    scope: SeriesScope | None = strawberry.field(
        default=SeriesScope.THIS,
        description="For a session of a series: this one only, or this and every later one (each refunded by the late-cancellation rule on its own).",
    )


@strawberry.input(description="A series of bookings at the same local time every week or every few weeks.")
class BookSeriesInput:
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required when a coach or admin books; a client books for themself."
    )
    service_id: strawberry.ID = strawberry.field(description="The service of every occurrence.")
    first_starts_at: datetime = strawberry.field(
        description="The first start; later ones keep its local time in the coach's zone (so their UTC time follows daylight saving)."
    )
    interval_weeks: int = strawberry.field(default=1, description="1 = weekly, 2 = every other week; 1 to 4.")
    count: int = strawberry.field(description="Sessions in the series, 2 to 52.")
    booking_notes: str | None = multiline(
        description="The client's notes for every occurrence (never shown to organisations).", default=None
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="The same key with the same input books once and answers the first series again."
    )


@strawberry.type(description="The result of bookSeries.")
class SeriesPayload:
    series: SessionSeries | None = strawberry.field(
        default=None, description="The booked series; null when nothing was booked."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was booked: one per failing occurrence, its date first.", default_factory=list
    )


@strawberry.type(description="The result of a change to a session.")
class SessionPayload:
    session: Session | None = strawberry.field(default=None, description="The session as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


@loads_nodes("Session")
async def load_sessions(info: Info, ids: list[UUID]) -> list[Session | None]:
    rows = {s.id: s for s in await session_reads.visible_sessions(info.context.signed_in_viewer, ids)}
    return [Session.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.input(
    description="A coach logs a session that already took place (history brought over from another tool); no credits move."
)
class RecordPastSessionInput:
    client_id: strawberry.ID = strawberry.field(description="One of the coach's clients.")
    service_id: strawberry.ID = strawberry.field(description="One of the coach's services.")
    starts_at: datetime = strawberry.field(
        description="The start, in the past (without an offset: the coach's local time)."
    )
    status: SessionStatus = strawberry.field(description="COMPLETED, NO_SHOW or CANCELLED.")
    booking_notes: str | None = multiline(description="Notes carried over.", default=None)


@strawberry.input(description="The coach's answer no to a PENDING booking.")
class DeclineSessionInput:
    session_id: strawberry.ID = strawberry.field(description="A PENDING session of the coach.")
    reason: str | None = multiline(description="Why, for the client.", default=None)
    proposed_starts_at: datetime | None = strawberry.field(
        default=None, description="Optionally suggest another time instead."
    )


@strawberry.input(description="A proposal to move a session.")
class ProposeRescheduleInput:
    session_id: strawberry.ID = strawberry.field(description="A future PENDING or CONFIRMED session of the viewer.")
    starts_at: datetime = strawberry.field(
        description="The proposed new start (without an offset: the coach's local time)."
    )
    message: str | None = multiline(description="A note for the other side.", default=None)


@strawberry.input(description="The other side's answer to an open proposal.")
class RespondToProposalInput:
    proposal_id: strawberry.ID = strawberry.field(description="The open proposal.")
    accept: bool = strawberry.field(
        description="True moves the session to the proposed time (checked like a booking) and confirms it; false declines."
    )
    counter_starts_at: datetime | None = strawberry.field(
        default=None, description="Decline and suggest this time instead."
    )
    message: str | None = multiline(description="A note for the proposer.", default=None)


@strawberry.type(description="The result of a proposal or an answer to one.")
class ProposalPayload:
    proposal: RescheduleProposal | None = strawberry.field(
        default=None, description="The proposal as it is now (a counter-proposal when one was made)."
    )
    session: Session | None = strawberry.field(default=None, description="The session as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if so.", default_factory=list)


IneligibilityReason = eligibility_rules.Reason
strawberry.enum(
    IneligibilityReason,
    name="IneligibilityReason",
    description="Why a client may not book now. Every failing rule is listed, not only the first.",
)  # registered in place
describe_values(
    IneligibilityReason,
    CLIENT_INACTIVE="The client is switched off.",
    ORGANISATION_INACTIVE="The client's organisation is switched off.",
    OUTSIDE_BOOKING_PERIOD="Today, or the session's date, is outside the organisation's booking period.",
    NO_CLIENT_CREDITS="The client's own pool holds fewer credits than the session needs.",
    NO_ORGANISATION_CREDITS="The organisation's pool is empty, or holds fewer credits than a GLOBAL coach's session needs (an INTERNAL session needs it not to be empty).",
)


@strawberry.type(
    description="Whether a client may book, and why not. Shown before booking; the same rules are checked again when booking."
)
class BookingEligibility:
    eligible: bool = strawberry.field(description="True when no rule fails (reasons is empty).")
    reasons: list[IneligibilityReason] = strawberry.field(description="Every rule that fails.")

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
    page = await paginate(query, BY_START, first, after, viewer=info.context.signed_in_viewer)
    return SessionConnection.of(page, [Session.from_model(r) for r in page.rows])
