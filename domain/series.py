"""Series: sessions booked together at the same local time every 1 to 4 weeks, all or none
(docs/RULES.md, "Series").

Each occurrence is checked like a booking (domain.booking: the slot, time off, the coach's other
sessions and buffers, eligibility on its date) and written through the same steps as one
(booking.open_session), so whatever a booking records per session is recorded per occurrence.
Afterwards every occurrence is an ordinary session; only cancelling "this and following" treats
the series as one."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import cast
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

import models
from domain import availability, booking, eligibility, locks, notifications, sessions, timezones, validation
from domain.errors import DomainError, DomainErrors, ErrorCode, invalid, not_found, slot_unavailable
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from models.enums import NotificationKind, Role, SessionStatus

MIN_COUNT, MAX_COUNT = 2, 52
MIN_INTERVAL_WEEKS, MAX_INTERVAL_WEEKS = 1, 4


@dataclass
class SeriesRequest:
    service_id: UUID
    first_starts_at: datetime
    count: int
    interval_weeks: int = 1
    client_id: UUID | None = None
    booking_notes: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Occurrence:
    day: date  # the local date in the coach's zone
    starts_at: datetime | None  # UTC; None when the clocks skip that wall time on that day
    ends_at: datetime | None

    def label(self, zone: ZoneInfo, wall: str) -> str:
        """How an error names the occurrence: its local date and time."""
        return f"{self.day.isoformat()} {wall} ({zone.key})"


def plan(
    first: datetime, zone_name: str, count: int, interval_weeks: int, duration: timedelta, buffer: timedelta
) -> list[Occurrence]:
    """The occurrences: the first start's wall time in the coach's zone on every
    `interval_weeks`-th week, so the UTC instant follows daylight saving. Raises OverflowError
    for dates past the calendar's end (buffers included, as the slot checks add them)."""
    zone = ZoneInfo(zone_name)
    local = first.astimezone(zone)
    found = []
    for k in range(count):
        day = local.date() + timedelta(weeks=k * interval_weeks)
        starts_at = first if k == 0 else timezones.local_instant(day, local.time(), zone)
        ends_at = starts_at + duration if starts_at else None
        if ends_at is not None:
            _ = ends_at + buffer + timedelta(days=1)  # raises OverflowError where the slot checks would
        found.append(Occurrence(day, starts_at, ends_at))
    return found


def _check_shape(request: SeriesRequest) -> None:
    problems = []
    if not MIN_COUNT <= request.count <= MAX_COUNT:
        problems.append(invalid(f"A series has {MIN_COUNT} to {MAX_COUNT} sessions.", "count"))
    if not MIN_INTERVAL_WEEKS <= request.interval_weeks <= MAX_INTERVAL_WEEKS:
        problems.append(
            invalid(f"Sessions repeat every {MIN_INTERVAL_WEEKS} to {MAX_INTERVAL_WEEKS} weeks.", "intervalWeeks")
        )
    if problems:
        raise DomainErrors(problems)


def input_hash(viewer: Viewer, request: SeriesRequest) -> str:
    """The whole request an idempotency key stands for, canonical, hashed (as booking.input_hash)."""
    client_id = viewer.client_id if viewer.role is Role.CLIENT and request.client_id is None else request.client_id
    canonical = json.dumps(
        [
            str(request.service_id),
            request.first_starts_at.astimezone(UTC).isoformat(),
            request.count,
            request.interval_weeks,
            str(client_id) if client_id else None,
            request.booking_notes,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _earlier_series(viewer: Viewer, request: SeriesRequest) -> models.SessionSeries | None:
    """The series this key booked before, if the request is the same; the key with any other
    input is a CONFLICT and changes nothing."""
    if request.idempotency_key is None or viewer.user_id is None:
        return None
    earlier = await models.SessionSeries.get_or_none(
        booked_by_user_id=viewer.user_id, idempotency_key=request.idempotency_key
    )
    if earlier is not None and earlier.idempotency_input != input_hash(viewer, request):
        raise DomainError(ErrorCode.CONFLICT, "This idempotency key was used for a different series.", "idempotencyKey")
    return earlier


def _for_occurrence(error: DomainError, label: str) -> DomainError:
    """An occurrence's problem, naming its date; a problem with the time is one of firstStartsAt."""
    field = "firstStartsAt" if error.field in (None, "startsAt") else error.field
    return DomainError(error.code, f"{label}: {error.message}", field)


def _eligibility_problem(
    facts: eligibility.Facts, service: models.Service, coach: models.Coach, index: int, day: date
) -> DomainError | None:
    """The rules on the occurrence's date, with the credits of it and every earlier occurrence
    (taken together, the later occurrences are the ones the credits do not cover)."""
    verdict = eligibility.evaluate(facts, credits=service.credits * (index + 1), kind=coach.kind, on=day)
    return eligibility.NotEligible(verdict.reasons, when="on that date") if verdict.reasons else None


@retrying
async def book(viewer: Viewer, request: SeriesRequest) -> models.SessionSeries:
    _check_shape(request)
    service, coach = await booking.active_service(request.service_id)
    request.first_starts_at = timezones.to_utc(request.first_starts_at, coach.timezone, "firstStartsAt")
    request.booking_notes = validation.text(request.booking_notes, "bookingNotes", max_length=2000)
    request.idempotency_key = validation.text(request.idempotency_key, "idempotencyKey", max_length=200)
    if (earlier := await _earlier_series(viewer, request)) is not None:
        return earlier
    single = booking.BookingRequest(
        service_id=service.id,
        starts_at=request.first_starts_at,
        client_id=request.client_id,
        booking_notes=request.booking_notes,
    )
    client_id = await booking.who_books(viewer, single, service, coach)
    facts = (await eligibility.facts_for([client_id])).get(client_id)
    if facts is None:
        raise not_found("Client", "clientId")
    duration, buffer = timedelta(minutes=service.duration_minutes), timedelta(minutes=coach.buffer_minutes)
    try:
        occurrences = plan(
            request.first_starts_at, coach.timezone, request.count, request.interval_weeks, duration, buffer
        )
    except OverflowError:
        raise invalid("That date is out of range.", "firstStartsAt") from None
    zone = ZoneInfo(coach.timezone)
    wall = request.first_starts_at.astimezone(zone).strftime("%H:%M")

    try:
        async with transaction():
            await locks.coaches(coach.id)
            if (earlier := await _earlier_series(viewer, request)) is not None:
                return earlier  # a retry that waited behind its own first attempt
            problems = await _problems(coach, service, facts, occurrences, zone, wall)
            if problems:
                raise DomainErrors(problems)
            series = await models.SessionSeries.create(
                coach_id=coach.id,
                client_id=client_id,
                service_id=service.id,
                interval_weeks=request.interval_weeks,
                count=request.count,
                booked_by=viewer.role,
                booked_by_user_id=viewer.user_id,
                idempotency_key=request.idempotency_key,
                idempotency_input=input_hash(viewer, request) if request.idempotency_key else None,
            )
            booked = []
            for o in occurrences:
                assert o.starts_at is not None and o.ends_at is not None  # _problems refused the rest
                single.starts_at = o.starts_at
                booked.append(
                    await booking.open_session(
                        viewer, coach, service, client_id, facts, single, o.ends_at, series_id=series.id
                    )
                )
            await _tell_about_series(viewer, booked)
            await _take_credits(viewer, booked, occurrences, client_id, facts, zone, wall)
            return series
    except IntegrityError as error:
        if (taken := slot_unavailable(error, "firstStartsAt")) is not None:
            raise taken from None
        if request.idempotency_key and (earlier := await _earlier_series(viewer, request)) is not None:
            return earlier  # the same key won a race in another transaction
        raise


async def _problems(
    coach: models.Coach,
    service: models.Service,
    facts: eligibility.Facts,
    occurrences: list[Occurrence],
    zone: ZoneInfo,
    wall: str,
) -> list[DomainError]:
    """One problem per failing occurrence (the first found), under the coach's lock: the wall
    time must exist that day, the client be eligible on that date, the slot be bookable."""
    problems = []
    for index, o in enumerate(occurrences):
        label = o.label(zone, wall)
        if o.starts_at is None or o.ends_at is None:
            problems.append(invalid(f"{label}: the clocks skip that time on that day.", "firstStartsAt"))
            continue
        problem: DomainError | None = _eligibility_problem(facts, service, coach, index, o.day)
        if problem is None:
            try:
                await availability.check_bookable(coach, o.starts_at, o.ends_at, field="firstStartsAt")
            except DomainError as error:
                problem = error
        if problem is not None:
            problems.append(_for_occurrence(problem, label))
    return problems


async def _take_credits(
    viewer: Viewer,
    booked: list[models.Session],
    occurrences: list[Occurrence],
    client_id: UUID,
    facts: eligibility.Facts,
    zone: ZoneInfo,
    wall: str,
) -> None:
    """Each occurrence's credits, by the same conditional debits as a booking (one ledger row per
    session and pool, so each refunds on its own). A debit that fails (credits spent meanwhile)
    fails that occurrence and every later one, and the whole series rolls back."""
    balance = None
    for index, session in enumerate(booked):
        try:
            debited = await booking.take_credits(session, client_id, facts.organisation_id, viewer.user_id)
        except eligibility.NotEligible as error:
            raise DomainErrors([_for_occurrence(error, o.label(zone, wall)) for o in occurrences[index:]]) from None
        if debited is not None:
            balance = debited
    if balance is not None:
        await notifications.credits_low(client_id, balance)


async def _tell_about_series(viewer: Viewer, booked: list[models.Session]) -> None:
    """Once for the whole series (not once per occurrence): the coach hears of a client's
    series, the client of a confirmed one."""
    first, count = booked[0], str(len(booked))
    if viewer.role is Role.CLIENT:
        pending = first.status is SessionStatus.PENDING
        await notifications.about_session(
            NotificationKind.BOOKING_REQUESTED if pending else NotificationKind.BOOKING_CONFIRMED,
            first,
            to_coach=True,
            title="New series to confirm" if pending else "New series",
            body="{name} booked {count} sessions, the first on {when}.",
            values={"name": viewer.name, "count": count},
        )
    if first.status is SessionStatus.CONFIRMED:
        await notifications.about_session(
            NotificationKind.BOOKING_CONFIRMED,
            first,
            to_coach=False,
            title="Sessions confirmed",
            body="Your {count} sessions are confirmed, the first on {when}.",
            values={"count": count},
        )


@retrying
async def cancel_following(viewer: Viewer, session: models.Session, reason: str | None) -> models.Session:
    """The session and every later one of its series that is still to come and not cancelled,
    in one transaction; each by the usual rule (a client inside the coach's cancellation window
    before that occurrence's start is late for that one only). A session of no series is
    cancelled alone."""
    if session.series_id is None:
        return await sessions.cancel(viewer, session, reason)
    reason = sessions.check_cancel(viewer, reason)
    coach = await models.Coach.get(id=session.coach_id)
    async with transaction():
        # Every session of the series, locked in id order: one moved meanwhile is judged where it is now.
        series_ids = await models.Session.filter(series_id=session.series_id).values_list("id", flat=True)
        # values_list(flat=True) is typed as tuples
        rows = {s.id: s for s in await locks.sessions(cast(list[UUID], series_ids))}
        this = rows.get(session.id)
        if this is None:
            raise not_found("Session", "sessionId")
        sessions.check_cancellable(this)
        following = sorted(
            (s for s in rows.values() if s.starts_at >= this.starts_at and s.status in SessionStatus.LIVE),
            key=lambda s: (s.starts_at, s.id),
        )
        for s in following:
            await sessions._cancel(viewer, s, reason, late=sessions.is_late(viewer, coach, s), tell=False)
        several = len(following) > 1
        await notifications.to_other_side(
            viewer.role,
            this,
            NotificationKind.SESSION_CANCELLED,
            "Sessions cancelled" if several else "Session cancelled",
            "The session on {when} and the later ones of its series were cancelled."
            if several
            else "The session on {when} was cancelled.",
        )
        return this
