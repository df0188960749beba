"""Sessions: reads within the viewer's scope, booking, and the lifecycle transitions."""

from __future__ import annotations

import uuid
from typing import Any, Optional
from uuid import UUID

from tortoise.expressions import Subquery

import models
from domain import access, booking, proposals, sessions as session_domain
from domain.errors import forbidden, not_found
from models.enums import Role, SessionStatus
from schema.payloads import returns
from schema.loaders import resolved
from schema.node import uuid_of, uuid_or_not_found
from schema.pagination import Ordering, paginate
from schema.sessions.types import (
    BookingEligibility, BookSessionInput, CancelSessionInput, ProposalPayload, ProposeRescheduleInput, RecordPastSessionInput,
    RescheduleProposal, RespondToProposalInput, Session, SessionConnection, SessionFilter, SessionInput, SessionPayload,
)

BY_START = Ordering((("starts_at", False), ("id", False)))


async def visible_session(info, global_id: str) -> models.Session:
    uid = uuid_of(global_id, "Session")
    row = await models.Session.filter(access.sessions(info.context.viewer), id=uid).first() if uid else None
    if row is None:
        raise not_found("Session", "sessionId")
    return row


async def session(info, id: str) -> Optional[Session]:  # noqa: A002
    uid = uuid_of(id, "Session")
    row = await models.Session.filter(access.sessions(info.context.viewer), id=uid).first() if uid else None
    return Session.from_model(row) if row else None


async def sessions(info, first, after, filter: SessionFilter | None, *, client_id=None) -> SessionConnection:  # noqa: A002
    query = models.Session.filter(access.sessions(info.context.viewer))
    if client_id is not None:
        query = query.filter(client_id=client_id)
    if filter is not None:
        if filter.statuses:
            query = query.filter(status__in=[s.value for s in filter.statuses])
        if filter.from_ is not None:
            query = query.filter(starts_at__gte=filter.from_)
        if filter.to is not None:
            query = query.filter(starts_at__lt=filter.to)
        # An id that does not decode matches nothing (not "client IS NULL").
        if filter.client_id is not None:
            query = query.filter(client_id=uuid_of(filter.client_id, "Client") or uuid.UUID(int=0))
        if filter.coach_id is not None:
            query = query.filter(coach_id=uuid_of(filter.coach_id, "Coach") or uuid.UUID(int=0))
    page = await paginate(query, BY_START, first, after)
    return SessionConnection.of(page, [Session.from_model(r) for r in page.rows])



@returns(SessionPayload)
async def book_session(info, input: BookSessionInput) -> SessionPayload:  # noqa: A002
    request = booking.BookingRequest(
        service_id=uuid_or_not_found(input.service_id, "Service", "serviceId"), starts_at=input.starts_at,
        client_id=uuid_or_not_found(input.client_id, "Client", "clientId"), booking_notes=input.booking_notes,
        idempotency_key=input.idempotency_key,
    )
    row = await booking.book(info.context.viewer, request)
    return SessionPayload(session=Session.from_model(row))


def _transition(action):
    @returns(SessionPayload)
    async def run(info, input) -> SessionPayload:  # noqa: A002
        row = await visible_session(info, input.session_id)
        row = await action(info.context.viewer, row, input)
        return SessionPayload(session=Session.from_model(row))

    return run


confirm_session = _transition(lambda viewer, row, _: session_domain.confirm(viewer, row))
cancel_session = _transition(lambda viewer, row, input: session_domain.cancel(viewer, row, input.reason))
complete_session = _transition(lambda viewer, row, _: session_domain.complete(viewer, row))
mark_no_show = _transition(lambda viewer, row, _: session_domain.mark_no_show(viewer, row))


async def _decline(viewer, row, input):  # noqa: A002
    if input.proposed_starts_at is not None:
        if viewer.role is not Role.COACH or viewer.coach_id != row.coach_id:
            raise forbidden("Only the session's coach may do this.", "sessionId")
        return await proposals.decline_with_proposal(viewer, row, input.proposed_starts_at, input.reason)
    return await session_domain.decline(viewer, row, input.reason)


decline_session = _transition(_decline)


@returns(SessionPayload)
async def record_past_session(info, input: RecordPastSessionInput) -> SessionPayload:  # noqa: A002
    client_id = uuid_or_not_found(input.client_id, "Client", "clientId")
    service_id = uuid_or_not_found(input.service_id, "Service", "serviceId")
    service = await models.Service.get_or_none(id=service_id)
    if service is None:
        raise not_found("Service", "serviceId")
    row = await session_domain.record_past(
        info.context.viewer, client_id, service, input.starts_at, SessionStatus(input.status.value), input.booking_notes
    )
    return SessionPayload(session=Session.from_model(row))


@returns(ProposalPayload)
async def propose_reschedule(info, input: ProposeRescheduleInput) -> ProposalPayload:  # noqa: A002
    row = await visible_session(info, input.session_id)
    proposal = await proposals.propose(info.context.viewer, row, input.starts_at, input.message)
    return ProposalPayload(proposal=RescheduleProposal.from_model(proposal), session=Session.from_model(row))


@returns(ProposalPayload)
async def respond_to_proposal(info, input: RespondToProposalInput) -> ProposalPayload:  # noqa: A002
    uid = uuid_of(input.proposal_id, "RescheduleProposal")
    visible = models.Session.filter(access.sessions(info.context.viewer)).values("id")
    proposal = await models.RescheduleProposal.get_or_none(id=uid, session_id__in=Subquery(visible)) if uid else None
    if proposal is None:
        raise not_found("Proposal", "proposalId")
    proposal, row = await proposals.respond(info.context.viewer, proposal, input.accept, input.counter_starts_at, input.message)
    return ProposalPayload(proposal=RescheduleProposal.from_model(proposal), session=Session.from_model(row))


def eligibility_key(client_id: UUID, service_id: str | None) -> tuple[UUID, UUID | None]:
    """The eligibility loader's key: an unknown or invisible service is judged as no service."""
    return client_id, uuid_of(service_id, "Service") if service_id is not None else None


def client_eligibility(info, client: models.Client, service_id: str | None) -> Any:
    """Eligibility for a visible client (batched: a page of clients costs one facts query and
    one service lookup); the value, or an awaitable of it (schema.loaders.resolved)."""
    return resolved(
        info.context.loaders.eligibility, eligibility_key(client.id, service_id),
        lambda verdict: BookingEligibility(eligible=verdict.eligible, reasons=list(verdict.reasons)),
    )


