"""The viewer's notifications; feedback and review requests."""

from __future__ import annotations

import models
from domain import access, clock, feedback as feedback_domain
from domain.errors import not_found
from schema.payloads import returns
from resolvers import clients as client_reads, sessions as session_reads
from schema.node import MAX_IDS, in_scope, uuid_of
from schema.pagination import BY_CREATED, paginate
from schema.errors import ApiError
from schema.notifications.types import (
    Feedback, FeedbackPayload, LeaveFeedbackInput, MarkNotificationsReadInput, MarkNotificationsReadPayload, Notification,
    NotificationConnection, RequestReviewInput, RequestReviewPayload,
)


async def notifications(info, first, after, unread_only: bool) -> NotificationConnection:
    query = models.Notification.filter(access.notifications(info.context.viewer))
    if unread_only:
        query = query.filter(read_at__isnull=True)
    page = await paginate(query, BY_CREATED, first, after)
    return NotificationConnection.of(page, [Notification.from_model(r) for r in page.rows])


@returns(MarkNotificationsReadPayload)
async def mark_notifications_read(info, input: MarkNotificationsReadInput) -> MarkNotificationsReadPayload:  # noqa: A002
    if len(input.notification_ids) > MAX_IDS:
        raise ApiError(f"At most {MAX_IDS} ids at once.", "INVALID")
    ids = [uid for uid in (uuid_of(i, "Notification") for i in input.notification_ids) if uid]
    count = await models.Notification.filter(
        access.notifications(info.context.viewer), id__in=ids, read_at__isnull=True
    ).update(read_at=clock.now()) if ids else 0
    return MarkNotificationsReadPayload(updated_count=count)


async def session_feedback(info, session_id) -> Feedback | None:
    row = await models.Feedback.get_or_none(session_id=session_id)
    return Feedback.from_model(row) if row else None


@returns(FeedbackPayload)
async def leave_feedback(info, input: LeaveFeedbackInput) -> FeedbackPayload:  # noqa: A002
    session = await in_scope(session_reads.visible, info, input.session_id, "Session", "sessionId")
    row = await feedback_domain.leave(info.context.viewer, session, input.rating, input.comment, bool(input.public_review))
    return FeedbackPayload(feedback=Feedback.from_model(row))


@returns(RequestReviewPayload)
async def request_review(info, input: RequestReviewInput) -> RequestReviewPayload:  # noqa: A002
    client = await in_scope(client_reads.visible, info, input.client_id, "Client", "clientId")
    notification_id = await feedback_domain.request_review(info.context.viewer, client.id)
    row = await models.Notification.get_or_none(id=notification_id)
    if row is None:
        raise not_found("Notification")
    return RequestReviewPayload(notification=Notification.from_model(row))
