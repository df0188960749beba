"""Feedback after a session, and review requests."""

from __future__ import annotations

from uuid import UUID

from tortoise.exceptions import IntegrityError

import models
from domain import access, activity, clock, notifications, validation
from domain.errors import DomainError, ErrorCode, forbidden, invalid, not_found
from domain.locks import retrying
from domain.transactions import transaction
from domain.viewer import Viewer
from models.enums import ActivityKind, NotificationKind, Role, SessionStatus


@retrying
async def leave(
    viewer: Viewer, session: models.Session, rating: int, comment: str | None, public: bool
) -> models.Feedback:
    """The session's client, once it was completed; one feedback per session."""
    if viewer.role is not Role.CLIENT or session.client_id != viewer.client_id:
        raise forbidden("Only the session's client leaves feedback.", "sessionId")
    if session.status is not SessionStatus.COMPLETED:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "Feedback follows a completed session.", "sessionId")
    validation.int_range(rating, "rating", low=1, high=5)
    comment = validation.text(comment, "comment", max_length=5000)
    try:
        async with transaction():
            feedback = await models.Feedback.create(
                session_id=session.id,
                rating=rating,
                comment=comment,
                public_review=public,
                created_at=clock.now(),  # "fresh feedback" on the dashboard is business time
            )
            await activity.record(
                ActivityKind.FEEDBACK_RECEIVED,
                client_id=session.client_id,
                actor=viewer,
                session_id=session.id,
                summary=f"Feedback: {rating} of 5",
            )
    except IntegrityError:
        raise DomainError(ErrorCode.CONFLICT, "This session already has feedback.", "sessionId") from None
    return feedback


MAX_RESPONSE = 5000


async def respond(viewer: Viewer, feedback: models.Feedback, response: str) -> models.Feedback:
    """The session's coach answers a review, or rewrites their answer (one row, one statement).
    The caller fetched the feedback in the viewer's scope; only the session's coach answers."""
    session = await models.Session.get(id=feedback.session_id)
    if viewer.role is not Role.COACH or viewer.coach_id != session.coach_id:
        raise forbidden("Only the session's coach responds to its feedback.", "feedbackId")
    feedback.response = validation.text(response, "response", max_length=MAX_RESPONSE, required=True)
    feedback.responded_at = clock.now()
    await feedback.save(update_fields=["response", "responded_at"])
    return feedback


def public_name(name: str) -> str:
    """How a public review names its client: the first name and the last name's initial
    ("Mia Client" -> "Mia C."); a single name stays as it is."""
    parts = name.split()
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} {parts[-1][0].upper()}."


@retrying
async def request_review(viewer: Viewer, client_id: UUID) -> UUID:
    """A coach asks one of their clients for a review; the client needs a login to be told."""
    if viewer.role is not Role.COACH:
        raise forbidden("Only coaches ask for reviews.")
    if not await access.is_coach_client(viewer.coach_id, client_id):
        raise not_found("Client", "clientId")
    recipient = await notifications.recipient(to_coach=False, client_id=client_id)
    if recipient is None:
        raise invalid("This client has no login to be asked through.", "clientId")
    async with transaction():
        notification_id = await notifications.notify(
            recipient,
            NotificationKind.REVIEW_REQUESTED,
            f"{viewer.name} would value your review",
            "Tell your coach how your sessions went.",
        )
    assert notification_id is not None  # a recipient and no dedupe key: the row is always written
    return notification_id
