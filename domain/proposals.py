"""Reschedule proposals: one open proposal per session (a newer one supersedes it); accepting
moves the session, re-checked like a booking, and confirms it."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

import models
from domain import (
    access,
    activity,
    availability,
    clock,
    eligibility,
    events,
    locks,
    notifications,
    timezones,
    validation,
)
from domain.errors import DomainError, ErrorCode, forbidden, invalid, slot_unavailable
from domain.locks import retrying
from domain.sessions import invalid_transition, locked
from domain.transactions import transaction
from domain.viewer import Viewer
from domain.webhooks import events as webhook_events
from models.enums import ActivityKind, NotificationKind, ProposalStatus, Role, SessionStatus


def _side(viewer: Viewer, session: models.Session) -> Role:
    """Which side of the session the viewer is on (the session is already in scope)."""
    if viewer.role is Role.COACH and viewer.coach_id == session.coach_id:
        return Role.COACH
    if viewer.role is Role.CLIENT and viewer.client_id == session.client_id:
        return Role.CLIENT
    raise forbidden("Only the session's coach or client may reschedule it.", "sessionId")


async def _new_time(
    session: models.Session, starts_at: datetime, field: str
) -> tuple[models.Coach, datetime, datetime]:
    coach = await models.Coach.get(id=session.coach_id)
    start = timezones.to_utc(starts_at, coach.timezone, field)
    end = start + (session.ends_at - session.starts_at)
    await availability.check_bookable(coach, start, end, field=field, exclude_session=session.id)
    return coach, start, end


@retrying
async def _open(
    viewer: Viewer,
    session_id: UUID,
    side: Role,
    start: datetime,
    end: datetime,
    message: str | None,
    declined: bool = False,
) -> models.RescheduleProposal:
    async with transaction():
        # A session's proposals are written only under the session's lock (domain.locks).
        session = await locked(session_id)
        if session.status not in SessionStatus.LIVE or session.starts_at <= clock.now():
            raise invalid_transition("Only a future pending or confirmed session can be rescheduled.")
        locks.taking(locks.Level.PROPOSALS)
        await models.RescheduleProposal.filter(session_id=session.id, status=ProposalStatus.OPEN).update(
            status=ProposalStatus.SUPERSEDED, responded_at=clock.now()
        )
        proposal = await models.RescheduleProposal.create(
            session_id=session.id, proposed_by=side, starts_at=start, ends_at=end, message=message
        )
        if declined:  # the coach declined the booking's time with this proposal: one event, same transaction
            await webhook_events.session_declined_with_proposal(session, start)
        await notifications.to_other_side(
            side,
            session,
            NotificationKind.RESCHEDULE_PROPOSED,
            "New time proposed",
            f"A new time was proposed for your session on {{when}}: {start:%Y-%m-%d %H:%M} UTC.",
        )
        return proposal


async def propose(
    viewer: Viewer,
    session: models.Session,
    starts_at: datetime,
    message: str | None,
    field: str = "startsAt",
    declined: bool = False,
) -> models.RescheduleProposal:
    side = _side(viewer, session)
    if session.status not in SessionStatus.LIVE or session.starts_at <= clock.now():
        raise invalid_transition("Only a future pending or confirmed session can be rescheduled.")
    message = validation.text(message, "message", max_length=1000)
    _, start, end = await _new_time(session, starts_at, field)
    try:
        return await _open(viewer, session.id, side, start, end, message, declined)
    except IntegrityError:  # another proposal opened at the same instant
        raise DomainError(
            ErrorCode.CONFLICT, "Another proposal was just made; reload and try again.", "sessionId"
        ) from None


async def decline_with_proposal(
    viewer: Viewer, session: models.Session, starts_at: datetime, reason: str | None
) -> models.Session:
    """The coach declines a PENDING booking's time but suggests another: it stays PENDING."""
    access.only_the_sessions_coach(viewer, session)
    if session.status is not SessionStatus.PENDING:
        raise invalid_transition("Only a pending booking can be declined.")
    await propose(viewer, session, starts_at, reason, field="proposedStartsAt", declined=True)
    return await models.Session.get(id=session.id)


async def respond(
    viewer: Viewer, proposal: models.RescheduleProposal, accept: bool, counter: datetime | None, message: str | None
) -> tuple[models.RescheduleProposal, models.Session]:
    session = await models.Session.get(id=proposal.session_id)
    side = _side(viewer, session)
    if proposal.status is not ProposalStatus.OPEN:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "This proposal is no longer open.", "proposalId")
    if proposal.proposed_by is side:
        raise forbidden("The other side answers a proposal.", "proposalId")
    if accept and counter is not None:
        raise invalid("Accept, or decline with a counter proposal, not both.", "counterStartsAt")
    message = validation.text(message, "message", max_length=1000)
    if not accept:
        await _decline(side, proposal, session)
        if counter is not None:
            await propose(viewer, session, counter, message, field="counterStartsAt")
        return await models.RescheduleProposal.get(id=proposal.id), await models.Session.get(id=session.id)
    return await _accept(viewer, proposal, session)


@retrying
async def _decline(side: Role, proposal: models.RescheduleProposal, session: models.Session) -> None:
    async with transaction():
        session = await locked(session.id)
        locks.taking(locks.Level.PROPOSALS)
        declined = await models.RescheduleProposal.filter(id=proposal.id, status=ProposalStatus.OPEN).update(
            status=ProposalStatus.DECLINED, responded_at=clock.now()
        )
        if not declined:
            raise DomainError(ErrorCode.INVALID_TRANSITION, "This proposal is no longer open.", "proposalId")
        await notifications.to_other_side(
            side,
            session,
            NotificationKind.RESCHEDULE_DECLINED,
            "Proposed time declined",
            "The new time for your session on {when} was declined.",
        )


@retrying
async def _accept(viewer: Viewer, proposal: models.RescheduleProposal, session: models.Session):
    if session.status not in SessionStatus.LIVE:
        raise invalid_transition("The session is no longer pending or confirmed.")
    coach = await models.Coach.get(id=session.coach_id)
    if session.client_id is not None:  # re-checked like a booking: the client may still book, on the new date
        facts = (await eligibility.facts_for([session.client_id]))[session.client_id]
        verdict = eligibility.evaluate(
            facts, credits=0, kind=coach.kind, on=proposal.starts_at.astimezone(ZoneInfo(coach.timezone)).date()
        )
        blocking = [r for r in verdict.reasons if r not in eligibility.CREDIT_REASONS]  # credits were paid at booking
        if blocking:
            raise eligibility.NotEligible(blocking, when="then", field="proposalId")
    try:
        async with transaction():
            # The order of domain.locks: the coach's calendar, the session, then its proposal.
            await locks.coaches(coach.id)
            session = await locked(session.id)
            if session.status not in SessionStatus.LIVE:
                raise invalid_transition("The session is no longer pending or confirmed.")
            await availability.check_bookable(
                coach, proposal.starts_at, proposal.ends_at, field="proposalId", exclude_session=session.id
            )
            locks.taking(locks.Level.PROPOSALS)
            claimed = await models.RescheduleProposal.filter(id=proposal.id, status=ProposalStatus.OPEN).update(
                status=ProposalStatus.ACCEPTED, responded_at=clock.now()
            )
            if not claimed:
                raise DomainError(ErrorCode.INVALID_TRANSITION, "This proposal is no longer open.", "proposalId")
            await models.Session.filter(id=session.id).update(
                starts_at=proposal.starts_at,
                ends_at=proposal.ends_at,
                blocked_until=proposal.ends_at + timedelta(minutes=coach.buffer_minutes),
                status=SessionStatus.CONFIRMED,
                updated_at=clock.now(),
            )
            await events.session_changed(session.id, session.coach_id, session.client_id)
            moved_session = await models.Session.get(id=session.id)
            await webhook_events.session_rescheduled(moved_session, session.starts_at, session.ends_at)
            await notifications.to_other_side(
                _side(viewer, session),
                moved_session,
                NotificationKind.RESCHEDULE_ACCEPTED,
                "New time accepted",
                "Your session now takes place on {when}.",
            )
            await activity.record(
                ActivityKind.SESSION_RESCHEDULED,
                client_id=session.client_id,
                actor=viewer,
                session_id=session.id,
                summary=f"Moved to {proposal.starts_at:%Y-%m-%d %H:%M} UTC",
            )
    except IntegrityError as error:
        if (taken := slot_unavailable(error, "proposalId")) is not None:
            raise taken from None
        raise
    return await models.RescheduleProposal.get(id=proposal.id), await models.Session.get(id=session.id)
