"""Session lifecycle after booking: confirm, decline, cancel, complete, no-show, record past.

PENDING -> CONFIRMED -> COMPLETED | NO_SHOW, and PENDING | CONFIRMED -> CANCELLED. Every
transition locks the session first (domain.locks) and decides on the row as it is under the lock,
so two concurrent answers cannot both win."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

import models
from domain import access, activity, clients, clock, events, locks, notifications, outbox, timezones, validation
from domain.errors import DomainError, ErrorCode, forbidden, invalid, not_found
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from domain.webhooks import events as webhook_events
from models.enums import ActivityKind, NotificationKind, ProposalStatus, RefundStatus, Role, SessionStatus

REFUND_JOB = "refund_session"


def invalid_transition(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_TRANSITION, message, "sessionId")


async def locked(session_id: UUID) -> models.Session:
    """The session, locked for the rest of the transaction and read as it is now."""
    session = await locks.session(session_id)
    if session is None:  # gone meanwhile
        raise not_found("Session", "sessionId")
    return session


async def _move(session: models.Session, from_statuses: tuple[SessionStatus, ...], **changes) -> models.Session:
    """Apply `changes` to a session the caller has locked (domain.locks), if it is still in one
    of `from_statuses` (else the transition is not allowed any more)."""
    if session.status not in from_statuses:
        raise invalid_transition(f"A {session.status.value.lower()} session cannot do that.")
    changes["updated_at"] = clock.now()
    await models.Session.filter(id=session.id).update(**changes)
    session.update_from_dict(changes)
    await events.session_changed(session.id, session.coach_id, session.client_id)
    return session


@retrying
async def confirm(viewer: Viewer, session: models.Session) -> models.Session:
    access.only_the_sessions_coach(viewer, session)
    async with transaction():
        session = await locked(session.id)
        if session.starts_at <= clock.now():
            raise invalid_transition("A booking cannot be confirmed once its time has come.")
        session = await _move(session, (SessionStatus.PENDING,), status=SessionStatus.CONFIRMED)
        await webhook_events.session_event(webhook_events.Type.SESSION_CONFIRMED, session)
        await activity.record(
            ActivityKind.SESSION_CONFIRMED,
            client_id=session.client_id,
            actor=viewer,
            session_id=session.id,
            summary="Booking confirmed",
        )
        await notifications.about_session(
            NotificationKind.BOOKING_CONFIRMED,
            session,
            to_coach=False,
            title="Session confirmed",
            body="Your session on {when} is confirmed.",
        )
    return session


async def _cancel(
    viewer: Viewer,
    session: models.Session,
    reason: str | None,
    *,
    late: bool,
    declined: bool = False,
    from_statuses: tuple[SessionStatus, ...] = SessionStatus.LIVE,
    tell: bool = True,
) -> models.Session:
    """Cancel a session the caller has locked, withdrawing its open proposal (under the
    session's lock, as domain.locks orders). `tell=False`: the caller notifies people itself
    (a series cancelled from one session on says so once)."""
    refund = RefundStatus.NOT_REFUNDABLE if late or session.credits == 0 else RefundStatus.PENDING
    session = await _move(
        session,
        from_statuses,
        status=SessionStatus.CANCELLED,
        cancelled_at=clock.now(),
        cancelled_by=viewer.role,
        cancel_reason=reason,
        late_cancellation=late,
        refund_status=refund,
    )
    locks.taking(locks.Level.PROPOSALS)
    await models.RescheduleProposal.filter(session_id=session.id, status=ProposalStatus.OPEN).update(
        status=ProposalStatus.WITHDRAWN, responded_at=clock.now()
    )
    if refund is RefundStatus.PENDING:
        await outbox.add(REFUND_JOB, str(session.id), str(session.id))
    await webhook_events.session_cancelled(session, declined=declined, by=viewer.role, system=viewer is SYSTEM)
    await activity.record(
        ActivityKind.SESSION_CANCELLED,
        client_id=session.client_id,
        actor=viewer,
        session_id=session.id,
        summary="Session cancelled" + (" late: credits kept" if late else ""),
    )
    if not tell:
        return session
    if declined:
        await notifications.about_session(
            NotificationKind.BOOKING_DECLINED,
            session,
            to_coach=False,
            title="Booking declined",
            body="Your booking for {when} was declined; your credits come back.",
        )
    else:
        await notifications.to_other_side(
            viewer.role,
            session,
            NotificationKind.SESSION_CANCELLED,
            "Session cancelled",
            "The session on {when} was cancelled.",
        )
    return session


@retrying
async def cancel(viewer: Viewer, session: models.Session, reason: str | None) -> models.Session:
    """Coach, client or admin, before the start. A client inside the coach's cancellation window
    is late and keeps no refund; otherwise a worker returns every credit (PENDING refund)."""
    reason = check_cancel(viewer, reason)
    coach = await models.Coach.get(id=session.coach_id)
    async with transaction():
        # Decided on the session as it is under the lock: an accepted proposal may have moved it.
        session = await locked(session.id)
        check_cancellable(session)
        return await _cancel(viewer, session, reason, late=is_late(viewer, coach, session))


def check_cancel(viewer: Viewer, reason: str | None) -> str | None:
    """Who may cancel (coach, client, admin; not API keys) and the reason's form; the reason as stored."""
    reason = validation.text(reason, "reason", max_length=1000)
    if viewer.role not in (Role.COACH, Role.CLIENT, Role.ADMIN) or viewer.api_key_id is not None:
        raise forbidden("Your role may not cancel sessions.", "sessionId")
    return reason


def check_cancellable(session: models.Session) -> None:
    """A session can be cancelled while it is live and has not started (read under its lock)."""
    if session.status not in SessionStatus.LIVE:
        raise invalid_transition(f"A {session.status.value.lower()} session cannot be cancelled.")
    if session.starts_at <= clock.now():
        raise invalid_transition("A session that has started cannot be cancelled.")


def is_late(viewer: Viewer, coach: models.Coach, session: models.Session) -> bool:
    """The late-cancellation rule: a client cancelling inside the coach's cancellation window
    before the start keeps no refund. Coaches and admins are never late."""
    window = timedelta(hours=coach.cancellation_window_hours)
    return viewer.role is Role.CLIENT and session.starts_at - clock.now() < window


@retrying
async def decline(viewer: Viewer, session: models.Session, reason: str | None) -> models.Session:
    """The coach says no to a PENDING booking: cancelled with a full refund."""
    access.only_the_sessions_coach(viewer, session)
    reason = validation.text(reason, "reason", max_length=1000)
    async with transaction():
        session = await locked(session.id)
        if session.status is not SessionStatus.PENDING:  # a confirm that won the race stands
            raise invalid_transition("Only a pending booking can be declined.")
        return await _cancel(viewer, session, reason, late=False, declined=True, from_statuses=(SessionStatus.PENDING,))


@retrying
async def _finish(viewer: Viewer, session: models.Session, status: SessionStatus, kind: ActivityKind) -> models.Session:
    access.only_the_sessions_coach(viewer, session)
    async with transaction():
        session = await locked(session.id)
        if session.starts_at > clock.now():
            raise invalid_transition("The session has not started yet.")
        session = await _move(session, (SessionStatus.CONFIRMED,), status=status)
        if status is SessionStatus.COMPLETED:
            await webhook_events.session_event(webhook_events.Type.SESSION_COMPLETED, session, completedBy="COACH")
        else:
            await webhook_events.session_event(webhook_events.Type.SESSION_NO_SHOW, session)
        await activity.record(
            kind,
            client_id=session.client_id,
            actor=viewer,
            session_id=session.id,
            summary="Session completed" if status is SessionStatus.COMPLETED else "Client did not show up",
        )
    return session


async def complete(viewer: Viewer, session: models.Session) -> models.Session:
    return await _finish(viewer, session, SessionStatus.COMPLETED, ActivityKind.SESSION_COMPLETED)


async def mark_no_show(viewer: Viewer, session: models.Session) -> models.Session:
    return await _finish(viewer, session, SessionStatus.NO_SHOW, ActivityKind.SESSION_NO_SHOW)


@retrying
async def record_past(
    viewer: Viewer,
    client_id: UUID,
    service: models.Service,
    starts_at: datetime,
    status: SessionStatus,
    notes: str | None,
) -> models.Session:
    """History brought from another tool: no credits move, no slot is held."""
    if viewer.role is not Role.COACH or service.coach_id != viewer.coach_id:
        raise not_found("Service", "serviceId")
    if not await access.is_coach_client(viewer.coach_id, client_id):
        raise not_found("Client", "clientId")
    coach = await models.Coach.get(id=viewer.coach_id)
    starts_at = timezones.to_utc(starts_at, coach.timezone, "startsAt")
    if starts_at >= clock.now():
        raise invalid("A past session starts in the past.", "startsAt")
    if status not in SessionStatus.PAST:
        raise invalid("A past session is COMPLETED, NO_SHOW or CANCELLED.", "status")
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    async with transaction():
        organisation_id = (await models.Client.get(id=client_id).values("organisation_id"))["organisation_id"]
        session = await models.Session.create(
            coach_id=coach.id,
            client_id=client_id,
            organisation_id=organisation_id,
            service_id=service.id,
            kind=coach.kind,
            format=service.format,
            credits=0,
            starts_at=starts_at,
            ends_at=ends_at,
            blocked_until=ends_at,
            status=status,
            booking_notes=validation.text(notes, "bookingNotes", max_length=2000),
            booked_by=Role.COACH,
            booked_by_user_id=viewer.user_id,
            cancelled_at=starts_at if status is SessionStatus.CANCELLED else None,
            cancelled_by=Role.COACH if status is SessionStatus.CANCELLED else None,
            refund_status=RefundStatus.NOT_REFUNDABLE if status is SessionStatus.CANCELLED else None,
        )
        await clients.ensure_relationship(coach.id, client_id)
        await events.session_changed(session.id, coach.id, client_id)
        await webhook_events.session_recorded(session)
        await activity.record(
            ActivityKind.SESSION_BOOKED,
            client_id=client_id,
            actor=viewer,
            session_id=session.id,
            summary=f"Past session recorded ({status.value.lower()})",
        )
    return session


SYSTEM = Viewer(user_id=None, role=Role.COACH, name="Caseload")  # unanswered bookings lapse on the coach's side
HOUSEKEEPING_BATCH = 500


async def expire_unanswered(limit: int = HOUSEKEEPING_BATCH) -> int:
    """PENDING bookings nobody answered before their start are cancelled with a full refund."""
    due = (
        await models.Session.filter(status=SessionStatus.PENDING, starts_at__lte=clock.now())
        .limit(limit)
        .values_list("id", flat=True)
    )
    done = 0
    for session_id in due:
        done += await _expire(session_id)
    return done


@retrying
async def _expire(session_id: UUID) -> bool:
    async with transaction():
        session = await locked(session_id)
        if session.status is not SessionStatus.PENDING or session.starts_at > clock.now():
            return False  # answered (or moved) meanwhile
        await _cancel(
            SYSTEM, session, "Not confirmed before the start", late=False, from_statuses=(SessionStatus.PENDING,)
        )
        return True


@retrying
async def complete_past(after: timedelta, limit: int = HOUSEKEEPING_BATCH) -> int:
    """CONFIRMED sessions that ended more than `after` ago are completed, set-based."""
    cutoff = clock.now() - after
    due = (
        await models.Session.filter(status=SessionStatus.CONFIRMED, ends_at__lt=cutoff)
        .limit(limit)
        .values_list("id", flat=True)
    )
    if not due:
        return 0
    async with transaction():
        completed = [
            s
            for s in await locks.sessions(cast(list[UUID], due))  # values_list(flat=True) is typed as tuples
            if s.status is SessionStatus.CONFIRMED and s.ends_at < cutoff
        ]
        if not completed:
            return 0
        ids = [(s.id, s.client_id, s.coach_id) for s in completed]
        await models.Session.filter(id__in=[i for i, _, _ in ids]).update(
            status=SessionStatus.COMPLETED, updated_at=clock.now()
        )
        for session in completed:
            session.status = SessionStatus.COMPLETED
            await webhook_events.session_event(webhook_events.Type.SESSION_COMPLETED, session, completedBy="SYSTEM")
        await models.ActivityEvent.bulk_create(
            [
                models.ActivityEvent(
                    kind=ActivityKind.SESSION_COMPLETED,
                    client_id=client_id,
                    session_id=session_id,
                    actor_name="Caseload",
                    summary="Session completed",
                    occurred_at=clock.now(),
                )
                for session_id, client_id, _ in ids
            ]
        )
        for session_id, client_id, coach_id in ids:
            await events.session_changed(session_id, coach_id, client_id)
    return len(ids)
