"""Notifications and feedback: what a viewer may read of them, as querysets and rows."""

from __future__ import annotations

from uuid import UUID

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

import models
from domain import access
from domain.viewer import Viewer


def notifications(viewer: Viewer, unread_only: bool) -> QuerySet[models.Notification]:
    """The viewer's own notifications (domain.access.notifications: the one rule for whose they are)."""
    query = models.Notification.filter(access.notifications(viewer))
    return query.filter(read_at__isnull=True) if unread_only else query


async def own(viewer: Viewer, notification_id: UUID) -> models.Notification | None:
    return await models.Notification.filter(access.notifications(viewer), id=notification_id).first()


async def own_many(viewer: Viewer, ids: list[UUID]) -> list[models.Notification]:
    return await models.Notification.filter(access.notifications(viewer), id__in=ids)


async def review_request(notification_id: UUID) -> models.Notification | None:
    """The review request the viewing coach just sent: the client's notification, which the
    coach sees once, in requestReview's answer (the id comes from domain.feedback, never from input)."""
    return await models.Notification.get_or_none(id=notification_id)


async def session_feedback(session_id: UUID) -> models.Feedback | None:
    """A session's feedback; the caller read the session in scope and asked
    access.may_read_session_details."""
    return await models.Feedback.get_or_none(session_id=session_id)


async def feedback_many(viewer: Viewer, ids: list[UUID]) -> list[models.Feedback]:
    """Feedback on sessions the viewer may read the details of (organisations see no feedback text)."""
    if not access.may_read_session_details(viewer):
        return []
    visible = models.Session.filter(access.sessions(viewer)).values("id")
    return await models.Feedback.filter(id__in=ids, session_id__in=Subquery(visible))


async def visible_feedback(viewer: Viewer, feedback_id: UUID) -> models.Feedback | None:
    """One feedback the viewer may read (feedback_many's rule)."""
    found = await feedback_many(viewer, [feedback_id])
    return found[0] if found else None


def public_reviews(coach_id: UUID) -> QuerySet[models.Feedback]:
    """A coach's feedback whose client allowed it to be public, with each session's client (for
    the name a review shows); none of a client who is gone. The caller read the coach in scope."""
    return models.Feedback.filter(
        public_review=True, session__coach_id=coach_id, session__client_id__isnull=False
    ).select_related("session__client")
