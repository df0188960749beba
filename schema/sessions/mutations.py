"""Sessions: booking, the lifecycle transitions, sessions logged after the fact, and rescheduling."""

from __future__ import annotations

import strawberry

import models
from domain import booking, proposals, series, sessions
from domain.errors import not_found
from models.enums import Role, SessionStatus
from resolvers import coaches as coach_reads
from resolvers import sessions as session_reads
from schema.context import Info
from schema.node import in_scope, uuid_of, uuid_or_not_found
from schema.payloads import returns
from schema.permissions import signed_in
from schema.sessions.types import (
    BookSeriesInput,
    BookSessionInput,
    CancelSessionInput,
    DeclineSessionInput,
    ProposalPayload,
    ProposeRescheduleInput,
    RecordPastSessionInput,
    RescheduleProposal,
    RespondToProposalInput,
    SeriesPayload,
    SeriesScope,
    Session,
    SessionInput,
    SessionPayload,
    SessionSeries,
)


async def _session(info: Info, session_id: str) -> models.Session:
    return await in_scope(session_reads.visible, info, session_id, "Session", "sessionId")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Coach (for one of their clients), client (for themself, with a GLOBAL coach or an INTERNAL coach of their own organisation) or admin: books a session. Credits are taken in the same transaction: from the client's pool, and from the organisation's too for a GLOBAL coach (INSUFFICIENT_CREDITS on serviceId when short; NOT_ELIGIBLE on clientId naming every other failing reason; SLOT_UNAVAILABLE when the time is not free). A coach's booking is CONFIRMED; a client's is CONFIRMED when the coach auto-confirms and the service needs no confirmation, else PENDING. The same idempotencyKey returns the first result.",
        permission_classes=signed_in(Role.COACH, Role.CLIENT, Role.ADMIN),
    )
    @returns(SessionPayload)
    async def book_session(self, info: Info, input: BookSessionInput) -> SessionPayload:
        request = booking.BookingRequest(
            service_id=uuid_or_not_found(input.service_id, "Service", "serviceId"),
            starts_at=input.starts_at,
            client_id=uuid_or_not_found(input.client_id, "Client", "clientId"),
            booking_notes=input.booking_notes,
            idempotency_key=input.idempotency_key,
        )
        return SessionPayload(session=Session.from_model(await booking.book(info.context.viewer, request)))

    @strawberry.mutation(
        description="Coach: confirms one of their PENDING bookings before it starts.",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(SessionPayload)
    async def confirm_session(self, info: Info, input: SessionInput) -> SessionPayload:
        row = await sessions.confirm(info.context.viewer, await _session(info, input.session_id))
        return SessionPayload(session=Session.from_model(row))

    @strawberry.mutation(
        description="Coach, client or admin, before the start: cancels a PENDING or CONFIRMED session. A client cancelling inside the coach's cancellation window is late and keeps no refund (cancellation.late, refund NOT_REFUNDABLE); otherwise refund is PENDING and a worker returns every credit to its pool, then REFUNDED. Open proposals are withdrawn and the slot frees.",
        permission_classes=signed_in(Role.COACH, Role.CLIENT, Role.ADMIN),
    )
    @returns(SessionPayload)
    async def cancel_session(self, info: Info, input: CancelSessionInput) -> SessionPayload:
        viewer, row = info.context.viewer, await _session(info, input.session_id)
        if input.scope is SeriesScope.THIS_AND_FOLLOWING:
            row = await series.cancel_following(viewer, row, input.reason)
        else:
            row = await sessions.cancel(viewer, row, input.reason)
        return SessionPayload(session=Session.from_model(row))

    @strawberry.mutation(
        permission_classes=signed_in(Role.COACH, Role.CLIENT, Role.ADMIN),
        description="Client (for themself), the client's coach or an admin: books 2 to 52 sessions every 1 to 4 weeks at the same local time in the coach's zone. All sessions or none: every occurrence is checked like a booking (availability, time off, other sessions, eligibility on its date) and credits for all are taken at once; each failing date is named in userErrors. Afterwards each occurrence is an ordinary session.",
    )
    @returns(SeriesPayload)
    async def book_series(self, info: Info, input: BookSeriesInput) -> SeriesPayload:
        request = series.SeriesRequest(
            service_id=uuid_or_not_found(input.service_id, "Service", "serviceId"),
            first_starts_at=input.first_starts_at,
            count=input.count,
            interval_weeks=input.interval_weeks,
            client_id=uuid_or_not_found(input.client_id, "Client", "clientId"),
            booking_notes=input.booking_notes,
            idempotency_key=input.idempotency_key,
        )
        return SeriesPayload(series=SessionSeries.from_model(await series.book(info.context.viewer, request)))

    @strawberry.mutation(
        description="Coach: marks one of their sessions that has started COMPLETED (also done automatically 24 hours after a confirmed session ends).",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(SessionPayload)
    async def complete_session(self, info: Info, input: SessionInput) -> SessionPayload:
        row = await sessions.complete(info.context.signed_in_viewer, await _session(info, input.session_id))
        return SessionPayload(session=Session.from_model(row))

    @strawberry.mutation(
        description="Coach: marks one of their sessions that has started NO_SHOW; the credits are kept.",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(SessionPayload)
    async def mark_no_show(self, info: Info, input: SessionInput) -> SessionPayload:
        row = await sessions.mark_no_show(info.context.signed_in_viewer, await _session(info, input.session_id))
        return SessionPayload(session=Session.from_model(row))

    @strawberry.mutation(
        description="Coach: records a session that already took place (history from another tool); no credits move.",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(SessionPayload)
    async def record_past_session(self, info: Info, input: RecordPastSessionInput) -> SessionPayload:
        client_id = uuid_or_not_found(input.client_id, "Client", "clientId")
        # Another coach's service is answered like a missing one.
        service = await in_scope(coach_reads.own_service, info, input.service_id, "Service", "serviceId")
        row = await sessions.record_past(
            info.context.viewer,
            client_id,
            service,
            input.starts_at,
            SessionStatus(input.status.value),
            input.booking_notes,
        )
        return SessionPayload(session=Session.from_model(row))

    @strawberry.mutation(
        description="Coach: answers no to a PENDING booking. With proposedStartsAt the booking stays PENDING with an open proposal for the client; without, it is cancelled with a full refund.",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(SessionPayload)
    async def decline_session(self, info: Info, input: DeclineSessionInput) -> SessionPayload:
        viewer, row = info.context.signed_in_viewer, await _session(info, input.session_id)
        if input.proposed_starts_at is not None:
            row = await proposals.decline_with_proposal(viewer, row, input.proposed_starts_at, input.reason)
        else:
            row = await sessions.decline(viewer, row, input.reason)
        return SessionPayload(session=Session.from_model(row))

    @strawberry.mutation(
        description="Coach or client of the session: proposes a new time for a future PENDING or CONFIRMED session; supersedes an open proposal.",
        permission_classes=signed_in(Role.COACH, Role.CLIENT),
    )
    @returns(ProposalPayload)
    async def propose_reschedule(self, info: Info, input: ProposeRescheduleInput) -> ProposalPayload:
        row = await _session(info, input.session_id)
        proposal = await proposals.propose(info.context.signed_in_viewer, row, input.starts_at, input.message)
        return ProposalPayload(proposal=RescheduleProposal.from_model(proposal), session=Session.from_model(row))

    @strawberry.mutation(
        description="The other side of an open proposal: accepts (the session moves, re-checked like a booking, and is confirmed) or declines, optionally with a counter-proposal.",
        permission_classes=signed_in(Role.COACH, Role.CLIENT),
    )
    @returns(ProposalPayload)
    async def respond_to_proposal(self, info: Info, input: RespondToProposalInput) -> ProposalPayload:
        uid = uuid_of(input.proposal_id, "RescheduleProposal")
        proposal = await session_reads.visible_proposal(info.context.signed_in_viewer, uid) if uid else None
        if proposal is None:
            raise not_found("Proposal", "proposalId")
        proposal, row = await proposals.respond(
            info.context.signed_in_viewer, proposal, input.accept, input.counter_starts_at, input.message
        )
        return ProposalPayload(proposal=RescheduleProposal.from_model(proposal), session=Session.from_model(row))
