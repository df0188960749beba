"""Sessions: reads within the viewer's scope, booking, and the lifecycle transitions."""

from __future__ import annotations

from typing import Optional

import models
from domain import access, booking, sessions as session_domain
from domain.errors import not_found
from resolvers.payloads import returns
from schema.node import uuid_of
from schema.pagination import Ordering, paginate
from schema.types.session import (
    BookSessionInput, CancelSessionInput, Session, SessionConnection, SessionFilter, SessionInput, SessionPayload,
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
        if filter.client_id is not None:
            query = query.filter(client_id=uuid_of(filter.client_id, "Client"))
        if filter.coach_id is not None:
            query = query.filter(coach_id=uuid_of(filter.coach_id, "Coach"))
    page = await paginate(query, BY_START, first, after)
    return SessionConnection.of(page, [Session.from_model(r) for r in page.rows])


def _uuid(global_id: str | None, type_name: str, field: str):
    if global_id is None:
        return None
    uid = uuid_of(global_id, type_name)
    if uid is None:
        raise not_found(type_name, field)
    return uid


@returns(SessionPayload)
async def book_session(info, input: BookSessionInput) -> SessionPayload:  # noqa: A002
    request = booking.BookingRequest(
        service_id=_uuid(input.service_id, "Service", "serviceId"), starts_at=input.starts_at,
        client_id=_uuid(input.client_id, "Client", "clientId"), booking_notes=input.booking_notes,
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
decline_session = _transition(lambda viewer, row, input: session_domain.decline(viewer, row, input.reason))
cancel_session = _transition(lambda viewer, row, input: session_domain.cancel(viewer, row, input.reason))
complete_session = _transition(lambda viewer, row, _: session_domain.complete(viewer, row))
mark_no_show = _transition(lambda viewer, row, _: session_domain.mark_no_show(viewer, row))
