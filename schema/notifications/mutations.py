"""Notifications: feedback after a session, review requests, read receipts."""

from __future__ import annotations

import strawberry

from domain import feedback, notifications
from domain.errors import not_found
from models.enums import Role
from resolvers import clients as client_reads
from resolvers import notifications as notification_reads
from resolvers import sessions as session_reads
from schema.context import Info
from schema.errors import ApiError
from schema.node import MAX_IDS, in_scope, uuid_of
from schema.notifications.types import (
    Feedback,
    FeedbackPayload,
    LeaveFeedbackInput,
    MarkNotificationsReadInput,
    MarkNotificationsReadPayload,
    Notification,
    RequestReviewInput,
    RequestReviewPayload,
    RespondToFeedbackInput,
)
from schema.payloads import returns
from schema.permissions import signed_in


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Client: rates one of their own COMPLETED sessions, once (a second time is CONFLICT). The coach sees it as a pending action.",
        permission_classes=signed_in(Role.CLIENT),
    )
    @returns(FeedbackPayload)
    async def leave_feedback(self, info: Info, input: LeaveFeedbackInput) -> FeedbackPayload:
        session = await in_scope(session_reads.visible, info, input.session_id, "Session", "sessionId")
        row = await feedback.leave(info.context.viewer, session, input.rating, input.comment, bool(input.public_review))
        return FeedbackPayload(feedback=Feedback.from_model(row))

    @strawberry.mutation(
        permission_classes=signed_in(Role.COACH),
        description="The session's coach answers its feedback (shown with public reviews); again to rewrite the answer.",
    )
    @returns(FeedbackPayload)
    async def respond_to_feedback(self, info: Info, input: RespondToFeedbackInput) -> FeedbackPayload:
        row = await in_scope(notification_reads.visible_feedback, info, input.feedback_id, "Feedback", "feedbackId")
        row = await feedback.respond(info.context.signed_in_viewer, row, input.response)
        return FeedbackPayload(feedback=Feedback.from_model(row))

    @strawberry.mutation(
        description="Coach: asks one of their clients (who must have a login) for feedback, by a REVIEW_REQUESTED notification.",
        permission_classes=signed_in(Role.COACH),
    )
    @returns(RequestReviewPayload)
    async def request_review(self, info: Info, input: RequestReviewInput) -> RequestReviewPayload:
        client = await in_scope(client_reads.visible, info, input.client_id, "Client", "clientId")
        notification_id = await feedback.request_review(info.context.viewer, client.id)
        row = await notification_reads.review_request(notification_id) if notification_id is not None else None
        if row is None:
            raise not_found("Notification")
        return RequestReviewPayload(notification=Notification.from_model(row))

    @strawberry.mutation(
        description="Signed in: marks some of the viewer's own notifications read.", permission_classes=signed_in()
    )
    @returns(MarkNotificationsReadPayload)
    async def mark_notifications_read(
        self, info: Info, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        if len(input.notification_ids) > MAX_IDS:
            raise ApiError(f"At most {MAX_IDS} ids at once.", "INVALID")
        ids = [uid for uid in (uuid_of(i, "Notification") for i in input.notification_ids) if uid]
        return MarkNotificationsReadPayload(
            updated_count=await notifications.mark_read(info.context.signed_in_viewer, ids)
        )
