"""Booking a session: who may book what, the slot, eligibility and the credits, in one
transaction (docs/RULES.md, "Booking and sessions")."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise import connections
from tortoise.exceptions import IntegrityError

import models
from domain import (
    access,
    activity,
    availability,
    clients,
    eligibility,
    events,
    joined,
    ledger,
    locks,
    notifications,
    timezones,
    validation,
)
from domain.errors import DomainError, ErrorCode, forbidden, invalid, not_found, slot_unavailable
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from domain.webhooks import events as webhook_events
from models.enums import ActivityKind, CoachKind, CreditReason, NotificationKind, Role, SessionStatus


@dataclass
class BookingRequest:
    service_id: UUID
    starts_at: datetime
    client_id: UUID | None = None
    booking_notes: str | None = None
    idempotency_key: str | None = None


async def who_books(viewer: Viewer, request: BookingRequest, service: models.Service, coach: models.Coach) -> UUID:
    """The client the session is for, after the role rules; the scope checks read as NOT_FOUND."""
    if viewer.role is Role.CLIENT:
        if request.client_id not in (None, viewer.client_id):
            raise not_found("Client", "clientId")
        if coach.kind is CoachKind.INTERNAL and coach.organisation_id != viewer.organisation_id:
            raise not_found("Service", "serviceId")
        assert viewer.client_id is not None  # a CLIENT viewer always has a profile
        return viewer.client_id
    if request.client_id is None:
        raise invalid("Name the client the session is for.", "clientId")
    if viewer.role is Role.COACH:
        if service.coach_id != viewer.coach_id:
            raise not_found("Service", "serviceId")
        if not await access.is_coach_client(viewer.coach_id, request.client_id):
            raise not_found("Client", "clientId")
        return request.client_id
    if access.is_platform_admin(viewer):
        if coach.kind is CoachKind.INTERNAL and not await models.Client.exists(
            id=request.client_id, organisation_id=coach.organisation_id
        ):
            raise not_found("Service", "serviceId")  # an INTERNAL coach serves their own organisation only
        return request.client_id  # existence is checked with the client's eligibility facts
    raise forbidden("Your role may not book sessions.")


def _status_for(viewer: Viewer, coach: models.Coach, service: models.Service) -> SessionStatus:
    if viewer.role is Role.CLIENT and (service.requires_confirmation or not coach.auto_confirm):
        return SessionStatus.PENDING
    return SessionStatus.CONFIRMED


def input_hash(viewer: Viewer, request: BookingRequest) -> str:
    """The whole request an idempotency key stands for, canonical (instants in UTC, the client
    as the viewer means it), hashed."""
    client_id = viewer.client_id if viewer.role is Role.CLIENT and request.client_id is None else request.client_id
    canonical = json.dumps(
        [
            str(request.service_id),
            request.starts_at.astimezone(UTC).isoformat(),
            str(client_id) if client_id else None,
            request.booking_notes,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _earlier_booking(viewer: Viewer, request: BookingRequest) -> models.Session | None:
    """The booking this key made before, if the request is the same; the key with any other
    input (another client, time, service or notes) is a CONFLICT and changes nothing."""
    if request.idempotency_key is None or viewer.user_id is None:
        return None
    earlier = await models.Session.get_or_none(
        booked_by_user_id=viewer.user_id, idempotency_key=request.idempotency_key
    )
    if earlier is None:
        return None
    if earlier.idempotency_input is not None:
        same = earlier.idempotency_input == input_hash(viewer, request)
    else:  # booked before the hash was kept
        same = earlier.service_id == request.service_id and earlier.starts_at == request.starts_at
    if not same:
        raise DomainError(
            ErrorCode.CONFLICT, "This idempotency key was used for a different booking.", "idempotencyKey"
        )
    return earlier


_NOT_EMPTY = {
    "client": "SELECT 1 FROM credit_pools WHERE client_id = $1 AND balance >= 1 FOR SHARE",
    "organisation": "SELECT 1 FROM credit_pools WHERE organisation_id = $1 AND balance >= 1 FOR SHARE",
}


async def take_credits(
    session: models.Session, client_id: UUID, organisation_id: UUID | None, actor: UUID | None
) -> int | None:
    """Debit the client's pool, then the organisation's for a GLOBAL coach: always in this order,
    so concurrent bookings never wait on each other in a cycle. Each debit is the conditional
    UPDATE in domain.ledger: it, not an earlier read, decides whether the credits are there. A
    pool the session does not draw on (the organisation's for an INTERNAL coach, any for a free
    service) must still not be empty: checked under a share lock, so no debit empties it meanwhile.
    Callers debit last, just before the commit, to hold the (shared) pool rows briefly.
    Returns the client's balance after the debit (None when nothing was debited)."""
    locks.taking(locks.Level.POOLS)
    pools = [("client", client_id, eligibility.Reason.NO_CLIENT_CREDITS)]
    if organisation_id is not None:
        pools.append(("organisation", organisation_id, eligibility.Reason.NO_ORGANISATION_CREDITS))
    client_balance = None
    for owner, owner_id, reason in pools:
        debits = session.credits > 0 and (owner == "client" or session.kind is CoachKind.GLOBAL)
        if not debits:
            if not await connections.get("default").execute_query_dict(_NOT_EMPTY[owner], [owner_id]):
                raise eligibility.NotEligible([reason])
            continue
        try:
            row = await ledger.move(
                owner_id,
                -session.credits,
                CreditReason.BOOKING,
                owner=owner,
                session_id=session.id,
                actor_user_id=actor,
            )
        except ledger.InsufficientCredits:
            raise eligibility.NotEligible([reason]) from None
        if owner == "client":
            client_balance = row.balance_after
    return client_balance


async def _tell_about_booking(viewer: Viewer, session: models.Session) -> None:
    """The coach hears of a client's booking (to confirm, or confirmed); the client of any
    confirmed one."""
    if viewer.role is Role.CLIENT:
        pending = session.status is SessionStatus.PENDING
        await notifications.about_session(
            NotificationKind.BOOKING_REQUESTED if pending else NotificationKind.BOOKING_CONFIRMED,
            session,
            to_coach=True,
            title="New booking to confirm" if pending else "New booking",
            body="{name} booked a session on {when}.",
            values={"name": viewer.name},
        )
    if session.status is SessionStatus.CONFIRMED:
        await notifications.about_session(
            NotificationKind.BOOKING_CONFIRMED,
            session,
            to_coach=False,
            title="Session confirmed",
            body="Your session on {when} is confirmed.",
        )


async def active_service(service_id: UUID) -> tuple[models.Service, models.Coach]:
    """The active service and its coach, in one hand-written query (every booking starts here)."""
    found = await connections.get("default").execute_query_dict(
        f"SELECT {joined.select(models.Service, 'sv')}, {joined.select(models.Coach, 'co')} FROM services sv "
        "JOIN coaches co ON co.id = sv.coach_id WHERE sv.id = $1 AND sv.active",
        [service_id],
    )
    if not found:
        raise not_found("Service", "serviceId")
    service, coach = joined.read(models.Service, found[0], "sv"), joined.read(models.Coach, found[0], "co")
    assert service is not None and coach is not None  # inner joins: both are there
    return service, coach


async def open_session(
    viewer: Viewer,
    coach: models.Coach,
    service: models.Service,
    client_id: UUID,
    facts: eligibility.Facts,
    request: BookingRequest,
    ends_at: datetime,
    *,
    series_id: UUID | None = None,
) -> models.Session:
    """One booked session written with what every booking records (the relationship, the
    session event, the timeline, the webhook event), inside the caller's transaction under the coach's lock, once
    its slot was checked. bookSession and each occurrence of bookSeries (domain.series) go
    through here; the caller then tells people and takes the credits (take_credits), last."""
    session = await models.Session.create(
        coach_id=coach.id,
        client_id=client_id,
        organisation_id=facts.organisation_id,
        service_id=service.id,
        kind=coach.kind,
        format=service.format,
        credits=service.credits,
        starts_at=request.starts_at,
        ends_at=ends_at,
        blocked_until=ends_at + timedelta(minutes=coach.buffer_minutes),
        status=_status_for(viewer, coach, service),
        booking_notes=request.booking_notes,
        booked_by=viewer.role,
        booked_by_user_id=viewer.user_id,
        idempotency_key=request.idempotency_key,
        idempotency_input=input_hash(viewer, request) if request.idempotency_key else None,
        series_id=series_id,
    )
    await clients.ensure_relationship(coach.id, client_id)
    await events.session_changed(session.id, coach.id, client_id)
    await activity.record(
        ActivityKind.SESSION_BOOKED,
        client_id=client_id,
        actor=viewer,
        session_id=session.id,
        summary=f"{service.name} booked for {request.starts_at:%Y-%m-%d %H:%M} UTC",
    )
    await webhook_events.session_booked(session, viewer.role)
    return session


@retrying
async def book(viewer: Viewer, request: BookingRequest) -> models.Session:
    service, coach = await active_service(request.service_id)
    request.starts_at = timezones.to_utc(request.starts_at, coach.timezone, "startsAt")
    request.booking_notes = validation.text(request.booking_notes, "bookingNotes", max_length=2000)
    request.idempotency_key = validation.text(request.idempotency_key, "idempotencyKey", max_length=200)
    if (earlier := await _earlier_booking(viewer, request)) is not None:
        return earlier
    client_id = await who_books(viewer, request, service, coach)
    facts = (await eligibility.facts_for([client_id])).get(client_id)
    if facts is None:
        raise not_found("Client", "clientId")
    try:
        ends_at = request.starts_at + timedelta(minutes=service.duration_minutes + coach.buffer_minutes)
        ends_at -= timedelta(minutes=coach.buffer_minutes)
    except OverflowError:
        raise invalid("That date is out of range.", "startsAt") from None

    local_day = request.starts_at.astimezone(ZoneInfo(coach.timezone)).date()
    verdict = eligibility.evaluate(facts, credits=service.credits, kind=coach.kind, on=local_day)
    blocking = [r for r in verdict.reasons if r not in eligibility.CREDIT_REASONS]
    if blocking:
        raise eligibility.NotEligible(verdict.reasons)
    # Credit shortfalls are decided by the conditional debit inside the transaction, not here.

    try:
        async with transaction():
            await locks.coaches(coach.id)
            # A retry that waited on the lock behind its own first attempt gets that booking.
            if (earlier := await _earlier_booking(viewer, request)) is not None:
                return earlier
            await availability.check_bookable(coach, request.starts_at, ends_at)
            session = await open_session(viewer, coach, service, client_id, facts, request, ends_at)
            await _tell_about_booking(viewer, session)
            balance = await take_credits(session, client_id, facts.organisation_id, viewer.user_id)
            if balance is not None:
                await notifications.credits_low(client_id, balance)
            return session
    except IntegrityError as error:
        if (taken := slot_unavailable(error, "startsAt")) is not None:
            raise taken from None
        if request.idempotency_key and (earlier := await _earlier_booking(viewer, request)) is not None:
            return earlier  # the same key won a race in another transaction
        raise
